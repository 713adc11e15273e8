package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bulk loops take a one-index fast path when the input and output offsets are equal (the only loop shape C2
 * vectorizes on JDK 17) and a two-offset loop otherwise. Both must equal the scalar float methods bit for bit, on
 * edge inputs (signed zeros, kinks and their neighbours, infinities, NaN, subnormals) as well as random ones, both
 * before and after the JIT has compiled (and vectorized) the loops.
 */
class BulkLoopShapeTest {
    private static final int N = 293; // not a multiple of any vector width, so pre-, main and post-loops all run

    private static float[] inputs(SurrogateFunction f, Random r) {
        List<Float> v = new ArrayList<>(List.of(0f, -0f, Float.NaN, Float.intBitsToFloat(0xffc00000),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE,
                Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 1e-30f, -1e-30f));
        for (double k : f.kinks()) {
            float kf = (float) k;
            v.add(kf);
            v.add(Math.nextUp(kf));
            v.add(Math.nextDown(kf));
            v.add(-kf);
        }
        float[] x = new float[N + 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < v.size() ? v.get(i) : (float) (r.nextDouble() * 6 - 3);
        }
        // shuffle so the edge values land in the vectorized main loop too
        for (int i = x.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
        return x;
    }

    private static void check(List<String> bad, String what, float expected, float actual) {
        if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual) && bad.size() < 20) {
            bad.add(what + ": scalar " + expected + ", bulk " + actual);
        }
    }

    private static void compare(SurrogateFunction f, float[] x, float[] gradOut, int xOff, int oOff, List<String> bad) {
        float[] g = new float[x.length + 8];
        float[] p = new float[x.length + 8];
        float[] y = new float[x.length + 8];
        float[] gin = new float[x.length + 8];
        f.gradient(x, xOff, g, oOff, N);
        f.primitive(x, xOff, p, oOff, N);
        f.forward(x, xOff, y, oOff, N);
        f.backward(gradOut, x, xOff, gin, oOff, N);
        float[] inPlace = gradOut.clone();
        f.backward(inPlace, x, xOff, inPlace, oOff, N);
        float[] yInPlace = x.clone();
        f.forward(yInPlace, xOff, yInPlace, xOff, N);
        String tag = f + (xOff == oOff ? " one index" : " two offsets");
        for (int i = 0; i < N; i++) {
            float xi = x[xOff + i];
            check(bad, tag + " gradient(" + xi + ")", f.gradient(xi), g[oOff + i]);
            check(bad, tag + " primitive(" + xi + ")", f.primitive(xi), p[oOff + i]);
            check(bad, tag + " forward(" + xi + ")", f.forward(xi), y[oOff + i]);
            check(bad, tag + " in-place forward(" + xi + ")", f.forward(xi), yInPlace[xOff + i]);
            float expected = gradOut[oOff + i] * f.gradient(xi);
            check(bad, tag + " backward(" + xi + ")", expected, gin[oOff + i]);
            check(bad, tag + " in-place backward(" + xi + ")", expected, inPlace[oOff + i]);
        }
    }

    private static List<SurrogateFunction> functions(Random r) {
        List<SurrogateFunction> fs = new ArrayList<>();
        for (String name : Formulas.NAMES) {
            fs.add(Surrogates.create(name, Map.of()));
            fs.add(Surrogates.create(name, Formulas.randomParams(name, r)).setSpikingMode(false));
        }
        return fs;
    }

    @Test
    void bothLoopShapesEqualTheScalarMethodsBitForBitBeforeAndAfterJit() {
        Random r = new Random(17L);
        List<String> bad = new ArrayList<>();
        for (SurrogateFunction f : functions(r)) {
            float[] x = inputs(f, r);
            float[] gradOut = new float[x.length + 8];
            for (int i = 0; i < gradOut.length; i++) {
                gradOut[i] = (float) (r.nextDouble() * 4 - 2);
            }
            compare(f, x, gradOut, 3, 3, bad);
            compare(f, x, gradOut, 5, 2, bad);
            // hot: enough calls for C2 to compile (and vectorize) the loops, then compare again
            float[] sink = new float[x.length];
            for (int c = 0; c < 1500; c++) {
                f.backward(gradOut, x, 0, sink, 0, N);
                f.gradient(x, 0, sink, 0, N);
                f.forward(x, 0, sink, 0, N);
            }
            compare(f, x, gradOut, 3, 3, bad);
            compare(f, x, gradOut, 0, 0, bad);
            compare(f, x, gradOut, 5, 2, bad);
        }
        if (!bad.isEmpty()) {
            fail(bad.size() + " mismatches:\n" + String.join("\n", bad));
        }
    }
}
