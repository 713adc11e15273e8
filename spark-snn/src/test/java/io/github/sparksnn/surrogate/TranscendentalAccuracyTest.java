package io.github.sparksnn.surrogate;

import io.github.sparksnn.AllocationCheck;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The transcendental surrogates' float gradients (Vector API bulk loops, scalar tail and scalar methods; the bulk
 * and scalar paths are bit-identical, see {@link BulkLoopShapeTest}) within each function's bound of the float64
 * reference, on the contract's grid, on random inputs over a wide range, and on extremes (signed zeros, subnormals,
 * the largest floats, infinities, NaN); and {@link SurrogateMath}'s exp/cos against {@link Math}'s.
 *
 * <p>The bounds follow from how many times each float path rounds ({@link #ULPS}), and the README states them
 * ({@link #readmeStatesTheBoundsTested}): PiecewiseExp, Erf and SquarewaveFourierSeries evaluate g' in double and
 * round once (1 ulp; 0.502 measured). S2NN rounds its numerator and denominator to float and divides in float:
 * three roundings, a relative error below {@code 3 * 2^-24}, which is at most 3 ulps of the result (2.02 measured).
 * Sigmoid computes in float after its exp, as its CUDA twin does: {@code e} rounded to float, then {@code 1 + e},
 * its square, {@code alpha e} and the quotient each rounded (4 ulps; 3.53 measured), plus the rounding of its float
 * argument {@code alpha |x|} where alpha is not a power of two.
 *
 * <p>The reference is each function's {@code gradient(double)}, except that for Sigmoid and S2NN's sigmoid piece
 * the test evaluates the same function as {@code alpha e / (1 + e)^2}, {@code e = exp(-alpha |x|)}, with
 * {@link Math#exp}: the contract's {@code alpha s (1 - s)} cancels in double beyond {@code |alpha x| > 20} (it is
 * checked against that form where it is well conditioned).
 */
class TranscendentalAccuracyTest {
    /** Each function's bound in float ulps of the reference, by its class's simple name. */
    static final java.util.Map<String, Integer> ULPS = java.util.Map.of(
            "PiecewiseExp", 1, "Erf", 1, "SquarewaveFourierSeries", 1, "S2NN", 3, "Sigmoid", 4);

    static int ulps(SurrogateFunction f) {
        Integer u = ULPS.get(f.getClass().getSimpleName());
        if (u == null) {
            throw new IllegalArgumentException("no bound for " + f);
        }
        return u;
    }

    @Test
    void theVectorPathIsTheOneUnderTest() {
        // surefire passes --add-modules=jdk.incubator.vector (pom's argLine): the bulk loops must use the Vector API
        assertTrue(SurrogateMath.VECTOR, "jdk.incubator.vector is resolved, so the bulk loops should be vectorized");
        assertTrue(VectorKernels.lanes() >= 2);
    }

    static double stableSigmoidGradient(double x, double a) {
        double e = Math.exp(-a * Math.abs(x));
        return a * e / ((1 + e) * (1 + e));
    }

    /**
     * A function, its reference, and the error of its float argument at x (0 where g' is evaluated from x in double).
     * Sigmoid forms {@code -alpha |x|} as a float product, as its CUDA twin does, so that CPU and GPU train alike;
     * e^t then carries that product's rounding as a relative error (none for alpha = 4 or any power of two), and
     * where e is subnormal in float, its rounding ({@code Float.MIN_VALUE / 2}) times alpha as an absolute one.
     */
    record Case(SurrogateFunction f, DoubleUnaryOperator reference, DoubleUnaryOperator argumentError, double floor) {
        Case(SurrogateFunction f, DoubleUnaryOperator reference) {
            this(f, reference, x -> 0, 0);
        }
    }

    static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        for (double a : new double[] {Sigmoid.DEFAULT_ALPHA, 1.0, 0.37, 25.0}) {
            Sigmoid s = new Sigmoid(a);
            float af = (float) a;
            cs.add(new Case(s, x -> stableSigmoidGradient(x, a), x -> Math.abs((double) (af * Math.abs((float) x)) - a * Math.abs(x)),
                    a * Float.MIN_VALUE));
        }
        for (double a : new double[] {PiecewiseExp.DEFAULT_ALPHA, 3.5}) {
            PiecewiseExp f = new PiecewiseExp(a);
            cs.add(new Case(f, f::gradient));
        }
        for (double a : new double[] {Erf.DEFAULT_ALPHA, 0.7}) {
            Erf f = new Erf(a);
            cs.add(new Case(f, f::gradient));
        }
        for (double[] ab : new double[][] {{S2NN.DEFAULT_ALPHA, S2NN.DEFAULT_BETA}, {2.0, -0.5}}) {
            S2NN f = new S2NN(ab[0], ab[1]);
            cs.add(new Case(f, x -> x < 0 ? stableSigmoidGradient(x, ab[0]) : f.gradient(x)));
        }
        SquarewaveFourierSeries sq = new SquarewaveFourierSeries();
        cs.add(new Case(sq, sq::gradient));
        SquarewaveFourierSeries sq2 = new SquarewaveFourierSeries(2, 3.0);
        cs.add(new Case(sq2, sq2::gradient));
        return cs;
    }

    static float[] inputs() {
        List<Float> v = new ArrayList<>(List.of(0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE,
                -Float.MAX_VALUE, 1e30f, -1e30f, 1e5f, -1e5f, 88f, -88f, 200f, -200f));
        for (int i = -64; i <= 64; i++) { // the contract's grid (and its end points), step 1/32
            v.add(i / 32f);
        }
        SplittableRandom r = new SplittableRandom(20261129);
        for (int i = 0; i < 20_000; i++) {
            v.add((float) (r.nextDouble() * 8 - 4));
        }
        for (int i = 0; i < 20_000; i++) { // log-uniform magnitudes 1e-8 .. 1e6, both signs
            double m = Math.pow(10, r.nextDouble() * 14 - 8);
            v.add((float) (r.nextBoolean() ? m : -m));
        }
        float[] x = new float[v.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = v.get(i);
        }
        return x;
    }

    static boolean withinUlps(float actual, double reference, double argumentError, double floor, int ulps) {
        if (Double.isNaN(reference)) {
            return Float.isNaN(actual);
        }
        float rf = (float) reference;
        return Math.abs(actual - reference) <= ulps * (double) Math.ulp(rf) + Math.abs(reference) * argumentError * 1.01
                + floor;
    }

    @Test
    void bulkAndScalarGradientsAreWithinTheirBoundOfTheDoubleReference() {
        float[] x = inputs();
        List<String> bad = new ArrayList<>();
        for (Case c : cases()) {
            float[] g = new float[x.length];
            c.f().gradient(x, 0, g, 0, x.length);
            float[] gradOut = new float[x.length];
            java.util.Arrays.fill(gradOut, 1f);
            float[] b = new float[x.length];
            c.f().backward(gradOut, x, 0, b, 0, x.length);
            for (int i = 0; i < x.length; i++) {
                double ref = c.reference().applyAsDouble(x[i]);
                double argErr = c.argumentError().applyAsDouble(x[i]);
                float scalar = c.f().gradient(x[i]);
                for (float actual : new float[] {g[i], b[i], scalar}) {
                    if (!withinUlps(actual, ref, Double.isFinite(argErr) ? argErr : 0, c.floor(), ulps(c.f()))
                            && bad.size() < 20) {
                        bad.add(c.f() + " x=" + x[i] + ": " + actual + " vs reference " + ref + " ("
                                + (actual - ref) / Math.ulp((float) ref) + " ulp, bound " + ulps(c.f()) + ")");
                    }
                }
            }
        }
        if (!bad.isEmpty()) {
            fail(bad.size() + " values off by more than their bound:\n" + String.join("\n", bad));
        }
    }

    @Test
    void sigmoidAtPowersOfTwoNeedsNoArgumentAllowance() {
        // alpha = 4 (the default) and 1: the float argument is exact, so the plain 4-ulp bound holds everywhere
        assertEquals(4, ULPS.get("Sigmoid"));
        float[] x = inputs();
        for (Case c : cases()) {
            if (c.f() instanceof Sigmoid s && (s.alpha() == 4.0 || s.alpha() == 1.0)) {
                for (float xi : x) {
                    if (Math.abs(xi) < 1e30f) { // the float product alpha |x| is exact (no overflow)
                        assertEquals(0.0, c.argumentError().applyAsDouble(xi), 0.0);
                    }
                    assertTrue(withinUlps(s.gradient(xi), c.reference().applyAsDouble(xi), 0, c.floor(), 4), s + " at " + xi);
                }
            }
        }
    }

    /**
     * The README's paragraph on the transcendental surrogates names every function tested here, and the first
     * "within N float ulp" after a function's name is the bound this test holds it to.
     */
    @Test
    void readmeStatesTheBoundsTested() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        int start = readme.indexOf("The transcendental surrogates (");
        assertTrue(start >= 0, "the README has the paragraph");
        String paragraph = readme.substring(start, readme.indexOf("\n\n", start)).replaceAll("\\s+", " ");
        java.util.regex.Pattern within = java.util.regex.Pattern.compile("within (\\d+) float ulps?");
        for (java.util.Map.Entry<String, Integer> e : ULPS.entrySet()) {
            int at = paragraph.indexOf(e.getKey(), paragraph.indexOf(") ") + 1);
            assertTrue(at >= 0, "the paragraph's bounds name " + e.getKey() + ": " + paragraph);
            java.util.regex.Matcher m = within.matcher(paragraph);
            assertTrue(m.find(at), "a bound follows " + e.getKey());
            assertEquals(e.getValue(), Integer.parseInt(m.group(1)), "the README's bound for " + e.getKey());
        }
    }

    @Test
    void theStableSigmoidFormIsTheContractsFormula() {
        for (Case c : cases()) {
            if (!(c.f() instanceof Sigmoid)) {
                continue;
            }
            double a = ((Sigmoid) c.f()).alpha();
            for (double x = -5 / a; x <= 5 / a; x += 0.01 / a) {
                double contract = c.f().gradient(x);
                assertEquals(contract, c.reference().applyAsDouble(x), 1e-12 * contract, c.f() + " at " + x);
            }
        }
    }

    @Test
    void expMatchesMathExp() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            double t = r.nextDouble() * 1417 - 708;
            double expected = Math.exp(t);
            assertEquals(expected, SurrogateMath.exp(t), 1e-15 * expected, "exp(" + t + ")");
            assertEquals(expected, SurrogateMath.exp8(t), 5e-10 * expected, "exp8(" + t + ")");
        }
        assertEquals(1.0, SurrogateMath.exp(0.0), 0.0);
        assertEquals(1.0, SurrogateMath.exp(-0.0), 0.0);
        assertTrue(Double.isNaN(SurrogateMath.exp(Double.NaN)));
        assertTrue(SurrogateMath.exp(Double.NEGATIVE_INFINITY) < 1e-300, "clamped below: tiny, rounds to 0 in float");
        assertEquals(0f, (float) SurrogateMath.exp(-1e6), 0f);
    }

    @Test
    void cosMatchesMathCosIncludingNearItsZeros() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            double t = (r.nextDouble() * 2 - 1) * Math.pow(10, r.nextDouble() * 6 - 1); // up to 1e5 in magnitude
            assertEquals(Math.cos(t), SurrogateMath.cos(t), 1e-11, "cos(" + t + ")");
        }
        for (int k = -60_000; k <= 60_000; k += 7) { // t near k pi/2: the result is tiny, relative accuracy matters
            double t = k * (Math.PI / 2);
            double expected = Math.cos(t);
            if (k % 2 != 0) {
                assertEquals(expected, SurrogateMath.cos(t), 1e-9 * Math.abs(expected), "cos(" + t + ")");
            }
        }
        assertEquals(Math.cos(3e5), SurrogateMath.cos(3e5), 0.0, "beyond the limit: Math.cos");
        assertTrue(Double.isNaN(SurrogateMath.cos(Double.POSITIVE_INFINITY)));
        assertTrue(Double.isNaN(SurrogateMath.cos(Double.NaN)));
    }

    /**
     * Once C2 has compiled them, the vector loops allocate nothing: every vector stays in registers (a helper the JIT
     * did not inline would box them on every iteration). Warms each kernel in rounds until a round is allocation-free
     * or 20 s have passed (compilation runs in the background, later on a loaded machine).
     */
    /** A surrogate's bulk backward over 4,099 floats in [-3, 3); the argument is its spec, e.g. {@code Sigmoid()}. */
    public static final class BulkBackwardProbe implements AllocationCheck.Probe {
        @Override
        public AllocationCheck.Call open(String spec) {
            SurrogateFunction f = Surrogates.parse(spec);
            float[] x = new float[4099];
            float[] gradOut = new float[x.length];
            float[] gradIn = new float[x.length];
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextDouble() * 6 - 3);
                gradOut[i] = (float) r.nextDouble();
            }
            return () -> f.backward(gradOut, x, 0, gradIn, 0, x.length);
        }
    }

    @Test
    void compiledVectorLoopsAllocateNothing() {
        for (SurrogateFunction f : new SurrogateFunction[] {new Sigmoid(), new PiecewiseExp(), new Erf(), new S2NN(),
                new SquarewaveFourierSeries(), new SquarewaveFourierSeries(3, 8)}) {
            String spec = f.toString();
            AllocationCheck.Result r = AllocationCheck.bytesPerCall(BulkBackwardProbe.class, spec, 2000, 200, 0);
            assertEquals(0, r.decisive(), f + ": bytes allocated per bulk backward of 4099 floats: " + r);
        }
    }
}
