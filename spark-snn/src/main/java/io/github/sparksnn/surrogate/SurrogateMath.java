package io.github.sparksnn.surrogate;

/**
 * {@code exp} and {@code cos} in double, written so that {@link VectorKernels} computes every lane with exactly the
 * same operations (Horner steps as {@link Math#fma}, the same constants, the same order): the bulk loops of the
 * transcendental surrogates give the same float, bit for bit, whether a lane ran in the Vector API's main loop, in
 * its scalar tail, or in the scalar fallback used when {@code jdk.incubator.vector} is absent.
 *
 * <p>Accuracy: exp is accurate to about 1 double ulp (degree-13 Taylor polynomial on
 * {@code |r| <= ln2/2}; cos: Cody-Waite reduction by pi/2 in three parts and degree-14/15 polynomials on
 * {@code |r| <= pi/4}), far below a float ulp (6e-8): a surrogate gradient evaluated in double with them and
 * rounded once to float (PiecewiseExp, Erf, SquarewaveFourierSeries) is within 1 ulp of the float64 reference.
 * S2NN's quotient has its numerator and denominator rounded to float and divided in float (a third of a double
 * division's cost on vector lanes): three roundings, within 3 ulps. Sigmoid computes in float after its exp
 * ({@code sigmoidGradient}), as its CUDA twin does: within 4 ulps. {@code TranscendentalAccuracyTest} holds each
 * bound. The other four pass their arguments in double ({@code alpha |x|} is not rounded to float
 * first), so large arguments do not lose accuracy either; Sigmoid's argument is a float product (exact when alpha is
 * a power of two).
 *
 * <p>Ranges: {@link #exp} clamps its argument to {@code [-708, 709]} (below, the true value rounds to 0 in every
 * float product the surrogates form; above, no surrogate calls it), and propagates NaN. {@link #cos} handles
 * {@code |t| <= COS_LIMIT} itself and leaves larger or non-finite arguments to {@link Math#cos} (the vector loops
 * do the same for any chunk that holds such a lane).
 */
public final class SurrogateMath {
    private SurrogateMath() {
    }

    /**
     * Whether the bulk loops use {@link VectorKernels}: {@code jdk.incubator.vector} is in the boot layer (the
     * launcher, surefire and Spark's own launcher pass {@code --add-modules=jdk.incubator.vector}) and the property
     * {@code snn.vector} is not {@code false}. Results are the same either way; only the speed differs.
     */
    static final boolean VECTOR = vectorAvailable();

    /**
     * Shorter arrays take the scalar loop (same results). Until C2 has compiled a vector loop, every Vector API
     * operation allocates; small calls would reach C2 late, so a short-array workload (a tiny model, a unit test
     * of the training loop's steady-state allocation) keeps to scalar code, which also costs little there.
     */
    static final int VECTOR_MIN_LENGTH = 256;

    private static boolean vectorAvailable() {
        if ("false".equalsIgnoreCase(System.getProperty("snn.vector"))) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return VectorKernels.lanes() >= 2;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** Whether the transcendental surrogates' bulk loops run on the Vector API in this JVM (for benchmarks' labels). */
    public static boolean vectorized() {
        return VECTOR;
    }

    /** {@code 1.5 * 2^52}: adding it rounds a double of magnitude below 2^51 to an integer, held in the low bits. */
    static final double MAGIC = 0x1.8p52;
    static final double LOG2E = 1.4426950408889634;
    /** ln 2 in two parts (fdlibm's): {@code k * LN2_HI} is exact for {@code |k| < 2^20}. */
    static final double LN2_HI = 6.93147180369123816490e-01;
    static final double LN2_LO = 1.90821492927058770002e-10;
    static final double EXP_MIN = -708.0;
    static final double EXP_MAX = 709.0;
    /**
     * 1/k! for k = 13 down to 2 (Horner order); the polynomial is {@code 1 + r + r^2 (E2 + r (E3 + ...))}, its
     * truncation error {@code (ln2/2)^14 / 14!} = 4e-18: the result is within about 1 double ulp of e^t, so that
     * rounded to float it is the correctly rounded float but in about one case in 10^8 (as {@code (float) Math.exp}).
     */
    static final double E13 = 1.0 / 6227020800.0, E12 = 1.0 / 479001600.0, E11 = 1.0 / 39916800.0,
            E10 = 1.0 / 3628800.0, E9 = 1.0 / 362880.0, E8 = 1.0 / 40320, E7 = 1.0 / 5040, E6 = 1.0 / 720,
            E5 = 1.0 / 120, E4 = 1.0 / 24, E3 = 1.0 / 6, E2 = 0.5;

    static final double INV_PI = 0.31830988618379067154;
    /**
     * pi/2 in three parts, fdlibm's pio2_1, pio2_2 (33 bits each) and pio2_2t (the 53-bit rest): 119 bits in all.
     * {@code t - m PIO2_1 - m PIO2_2} is exact for {@code |m| < 2^17}, so r is accurate to about 1e-31 absolute.
     */
    static final double PIO2_1 = 1.57079632673412561417e+00;
    static final double PIO2_2 = 6.07710050630396597660e-11;
    static final double PIO2_3 = 2.02226624879595063154e-21;
    /** Arguments up to this magnitude are reduced here (|m| < 2^17); beyond it {@link Math#cos} is used. */
    static final double COS_LIMIT = 1e5;
    /**
     * (-1)^k / (2k+1)! for k = 7 down to 1: sin on |r| <= pi/2 to {@code (pi/2)^17 / 17!} = 6e-12 relative (the
     * error shrinks as r^16 towards 0, so it stays relative near the zeros of cos).
     */
    static final double S15 = -1.0 / 1307674368000.0, S13 = 1.0 / 6227020800.0,
            S11 = -1.0 / 39916800.0, S9 = 1.0 / 362880.0, S7 = -1.0 / 5040.0, S5 = 1.0 / 120.0, S3 = -1.0 / 6.0;

    /** e^t, to about 1 double ulp; t is clamped to [-708, 709]; NaN gives NaN. */
    static double exp(double t) {
        double u = Math.min(Math.max(t, EXP_MIN), EXP_MAX);
        double v = Math.fma(u, LOG2E, MAGIC);
        double k = v - MAGIC;
        double r = Math.fma(k, -LN2_HI, u);
        r = Math.fma(k, -LN2_LO, r);
        double p = Math.fma(r, E13, E12);
        p = Math.fma(r, p, E11);
        p = Math.fma(r, p, E10);
        p = Math.fma(r, p, E9);
        p = Math.fma(r, p, E8);
        p = Math.fma(r, p, E7);
        p = Math.fma(r, p, E6);
        p = Math.fma(r, p, E5);
        p = Math.fma(r, p, E4);
        p = Math.fma(r, p, E3);
        p = Math.fma(r, p, E2);
        p = Math.fma(r * r, p, r) + 1.0;
        double scale = Double.longBitsToDouble((Double.doubleToRawLongBits(v) + 1023L) << 52);
        return p * scale;
    }

    /**
     * e^t to about 2e-10 relative (degree 8: {@code (ln2/2)^9 / 9!}), 0.003 float ulp: for the gradients evaluated
     * in double and rounded once (PiecewiseExp, Erf, S2NN), where 1 double ulp buys nothing and costs five FMAs.
     */
    static double exp8(double t) {
        double u = Math.min(Math.max(t, EXP_MIN), EXP_MAX);
        double v = Math.fma(u, LOG2E, MAGIC);
        double k = v - MAGIC;
        double r = Math.fma(k, -LN2_HI, u);
        r = Math.fma(k, -LN2_LO, r);
        double p = Math.fma(r, E8, E7);
        p = Math.fma(r, p, E6);
        p = Math.fma(r, p, E5);
        p = Math.fma(r, p, E4);
        p = Math.fma(r, p, E3);
        p = Math.fma(r, p, E2);
        p = Math.fma(r * r, p, r) + 1.0;
        double scale = Double.longBitsToDouble((Double.doubleToRawLongBits(v) + 1023L) << 52);
        return p * scale;
    }

    /**
     * cos(t), to about 1e-11 relative, also near its zeros; large or non-finite t go to Math.cos.
     * t is reduced by the odd multiple m = 2j + 1 of pi/2 nearest to it ({@code j = rint(t/pi - 1/2)}), so that
     * {@code cos t = (-1)^(j+1) sin r}, {@code r = t - m pi/2}, {@code |r| <= pi/2}: one polynomial, no choice
     * between sin and cos (a lane select is slow in the Vector API), and the zeros of cos are those of sin r,
     * where the polynomial is relatively accurate.
     */
    static double cos(double t) {
        if (!(Math.abs(t) <= COS_LIMIT)) {
            return Math.cos(t);
        }
        double v = Math.fma(t, INV_PI, -0.5) + MAGIC;
        double m = 2 * (v - MAGIC) + 1;
        double r = Math.fma(m, -PIO2_1, t);
        r = Math.fma(m, -PIO2_2, r);
        r = Math.fma(m, -PIO2_3, r);
        double r2 = r * r;
        double s = Math.fma(r2, S15, S13);
        s = Math.fma(r2, s, S11);
        s = Math.fma(r2, s, S9);
        s = Math.fma(r2, s, S7);
        s = Math.fma(r2, s, S5);
        s = Math.fma(r2, s, S3);
        s = Math.fma(r * r2, s, r);
        long sign = (Double.doubleToRawLongBits(v) + 1) << 63; // j even: negate
        return Double.longBitsToDouble(Double.doubleToRawLongBits(s) ^ sign);
    }

    /**
     * Sigmoid's g' without cancellation, {@code a e / (1 + e)^2}, {@code e = exp(-a |x|)}, in the float arithmetic
     * of its CUDA twin ({@code expf(-a * fabsf(x))}, then float operations), so that the CPU and the GPU train
     * alike: the argument is a float product (exact for the default a = 4 and any power of two), e is the
     * double exp rounded to float (the correctly rounded expf but in about one case in 10^8), the rest is float.
     */
    static float sigmoidGradient(float x, float a) {
        float e = (float) exp(-a * Math.abs(x));
        float d = 1f + e;
        return a * e / (d * d);
    }

    /** {@code h exp(-a |x|)} (PiecewiseExp's g' with {@code h = a / 2}), in double. */
    static float expAbsGradient(float x, double a, double h) {
        return (float) (h * exp8(-a * Math.abs((double) x)));
    }

    /** {@code k exp(-(a x)^2)} (Erf's g' with {@code k = a / sqrt(pi)}), in double. */
    static float gaussGradient(float x, double a, double k) {
        double z = a * x;
        return (float) (k * exp8(-z * z));
    }

    /** S2NN's g': the sigmoid piece for {@code x < 0}, {@code b / (x + 1)} otherwise (NaN takes the second). */
    static float s2nnGradient(float x, double a, double b) {
        double xd = x;
        double e = exp8(-a * Math.abs(xd));
        double d = 1.0 + e;
        boolean neg = xd < 0;
        return (float) (neg ? a * e : b) / (float) (neg ? d * d : xd + 1.0); // one float division, as the vector loop
    }

    /** {@code scale * sum_{i=1}^{n-1} cos((2i-1) t)}, {@code t = w x}, by the Chebyshev recurrence, in double. */
    static float cosSeries(float x, double w, double scale, int n) {
        double c1 = cos(w * x);
        double twoC2 = 2 * (2 * c1 * c1 - 1);
        double prev = c1;
        double cur = c1;
        double sum = 0;
        for (int i = 1; i < n; i++) {
            sum += cur;
            double next = twoC2 * cur - prev;
            prev = cur;
            cur = next;
        }
        return (float) (scale * sum);
    }
}
