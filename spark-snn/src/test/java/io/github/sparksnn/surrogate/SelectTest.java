package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The branch-free selects reproduce the comparisons they replace, bit for bit, including at the edges. */
class SelectTest {
    static final float[] EDGES = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
        0.5f, -0.5f, Math.nextUp(0.5f), Math.nextDown(0.5f), -Math.nextUp(0.5f), 1f, -1f, Math.nextUp(1f), Math.nextDown(1f),
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.25f, -7.5f};

    @Test
    void unitStepIsOneExactlyForPositiveInputsAndPropagatesNan() {
        Random r = new Random(2L);
        float[] ts = new float[EDGES.length + 20000];
        System.arraycopy(EDGES, 0, ts, 0, EDGES.length);
        for (int i = EDGES.length; i < ts.length; i++) {
            ts[i] = Float.intBitsToFloat(r.nextInt()); // any bit pattern, NaNs of both signs included
        }
        for (float t : ts) {
            float s = Select.step(t);
            float nn = Select.nonNegative(t);
            // the scalar twins give the same value for every input, NaN included
            assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(Select.stepScalar(t)), "stepScalar(" + t + ")");
            assertEquals(Float.floatToIntBits(nn), Float.floatToIntBits(Select.nonNegativeScalar(t)), "nonNegativeScalar(" + t + ")");
            if (Float.isNaN(t)) {
                assertEquals(Float.NaN, s, 0f, "step(NaN)");
                assertEquals(Float.NaN, nn, 0f, "nonNegative(NaN)");
            } else {
                assertEquals(Float.floatToRawIntBits(t >= 0f ? 1f : 0f), Float.floatToRawIntBits(nn), "nonNegative(" + t + ")");
                assertEquals(Float.floatToRawIntBits(t > 0f ? 1f : 0f), Float.floatToRawIntBits(s), "step(" + t + ")");
            }
        }
        // as a comparison a > b through the difference, for neighbours and subnormal gaps
        for (float a : EDGES) {
            for (float b : new float[] {Math.nextUp(a), Math.nextDown(a), a, 0.5f, Float.MIN_VALUE}) {
                if (Float.isInfinite(a) || Float.isInfinite(b)) {
                    continue;
                }
                assertEquals(a > b ? 1f : 0f, Select.step(a - b), 0f, "step(" + a + " - " + b + ")");
            }
        }
    }

    @Test
    void bulkHeavisideEqualsTheScalarOneWithAndWithoutNansAndInPlace() {
        Random r = new Random(3L);
        float[] x = new float[3000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < EDGES.length ? EDGES[i] : (float) r.nextGaussian();
        }
        float[] withNan = x.clone();
        withNan[1234] = Float.NaN;
        withNan[7] = Float.intBitsToFloat(0xffc00001);
        for (int round = 0; round < 400; round++) { // the later rounds run C2-compiled (vectorized) code
            for (float[] in : new float[][] {x, withNan}) {
                float[] y = new float[in.length];
                Select.heaviside(in, y, 5, in.length - 3);
                float[] inPlace = in.clone();
                Select.heaviside(inPlace, inPlace, 5, in.length - 3);
                if (round != 0 && round != 399) {
                    continue; // warm-up only
                }
                for (int i = 0; i < in.length; i++) {
                    float expected = i >= 5 && i < in.length - 3 ? Select.heaviside(in[i]) : 0f;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y[i]), "H(" + in[i] + ")");
                    float expectedInPlace = i >= 5 && i < in.length - 3 ? expected : in[i];
                    assertEquals(Float.floatToIntBits(expectedInPlace), Float.floatToIntBits(inPlace[i]), "in place H(" + in[i] + ")");
                }
            }
        }
    }

    @Test
    void heavisideIsTheStepWithNanAtZero() {
        Random r = new Random(2L);
        for (int i = 0; i < 20000; i++) {
            float x = i < EDGES.length ? EDGES[i] : Float.intBitsToFloat(r.nextInt()); // includes NaNs of both signs
            assertEquals(x >= 0f ? 1f : 0f, Select.heaviside(x), 0f, "H(" + x + ") bits " + Integer.toHexString(Float.floatToRawIntBits(x)));
            assertEquals(SurrogateFunction.heaviside(x), Select.heaviside(x), 0f);
        }
        assertEquals(0f, Select.heaviside(Float.intBitsToFloat(0xffc00000)), 0f, "negative NaN");
        assertEquals(0f, Select.heaviside(Float.intBitsToFloat(0x7f800001)), 0f, "signalling NaN");
        assertEquals(1f, Select.heaviside(Float.POSITIVE_INFINITY), 0f);
    }

    @Test
    void cheapGradientsAgreeWithTheDoubleReferenceAtTheirBoundaries() {
        Rect rect = new Rect(1.0);
        LeakyKReLU lk = new LeakyKReLU(0.1, 2.0);
        PiecewiseLeakyReLU pl = new PiecewiseLeakyReLU(1.0, 0.01);
        LogTailedReLU lt = new LogTailedReLU(0.2);
        for (float x : EDGES) {
            assertEquals((float) rect.gradient((double) x), rect.gradient(x), 0f, "Rect at " + x);
            assertEquals((float) lk.gradient((double) x), lk.gradient(x), 0f, "LeakyKReLU at " + x);
            assertEquals((float) pl.gradient((double) x), pl.gradient(x), 0f, "PiecewiseLeakyReLU at " + x);
            assertEquals((float) lt.gradient((double) x), lt.gradient(x), 1e-7f * Math.abs(lt.gradient(x)), "LogTailedReLU at " + x);
        }
    }
}
