package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Square-wave Fourier-series surrogate (upstream {@code SquarewaveFourierSeries(n=2, T_period=8)}): the first
 * {@code n - 1} odd harmonics of a square wave of period {@code T}, which approximates the step near 0.
 *
 * <pre>
 * g'(x) = 4/T * sum_{i=1}^{n-1} cos((2i-1) w x)        g(x) = 1/2 + 2/pi * sum_{i=1}^{n-1} sin((2i-1) w x) / (2i-1)
 * w = 2 pi / T
 * </pre>
 * Defaults {@code n = 2}, {@code T_period = 8}; {@code n} must be an integer {@code >= 1} ({@code n = 1} is the
 * empty sum: {@code g' = 0}, {@code g = 1/2}), {@code T_period} finite and {@code > 0}. The double path evaluates
 * each harmonic with {@code Math.cos/sin}; the float path uses the Chebyshev recurrence
 * {@code C_{k+1} = 2 cos(2wx) C_k - C_{k-1}} in double (one cos and one sin per element) and rounds once; the
 * gradient's cos is {@link SurrogateMath#cos}, which the bulk loops evaluate on Vector API lanes.
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 10.6-11.6
 * (three runs; 7.7 against 0.69 ns per element; the class's cosine runs on Vector API lanes), and its accuracy did
 * not hold: the formula computes the phase {@code omega x} in float, so its primitive is up to 866 ulps from this
 * class's at {@code |x|} near 1e24 (and 2e-6 on the grid, {@code FormulaBuiltinsTest}'s exception).
 */
public final class SquarewaveFourierSeries extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final int DEFAULT_N = 2;
    public static final double DEFAULT_T_PERIOD = 8.0;

    private final int n;
    private final double tPeriod;
    private final double omega;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public SquarewaveFourierSeries() {
        this(DEFAULT_N, DEFAULT_T_PERIOD, true);
    }

    public SquarewaveFourierSeries(double n, double tPeriod) {
        this(n, tPeriod, true);
    }

    public SquarewaveFourierSeries(double n, double tPeriod, boolean spiking) {
        super(spiking);
        this.n = requireInteger("SquarewaveFourierSeries", "n", n, 1);
        this.tPeriod = requirePositive("SquarewaveFourierSeries", "T_period", tPeriod);
        this.omega = 2 * Math.PI / tPeriod;
        // the CUDA code's float constants
        toFloat("SquarewaveFourierSeries", "2 pi / T_period", omega);
        toFloat("SquarewaveFourierSeries", "4 / T_period", 4 / tPeriod);
    }

    public int n() {
        return n;
    }

    public double tPeriod() {
        return tPeriod;
    }

    @Override
    public String name() {
        return "SquarewaveFourierSeries";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("n", n, "T_period", tPeriod);
    }

    @Override
    public double primitive(double x) {
        double sum = 0;
        for (int i = 1; i < n; i++) {
            int k = 2 * i - 1;
            sum += Math.sin(k * omega * x) / k;
        }
        return 0.5 + 2 / Math.PI * sum;
    }

    @Override
    public double gradient(double x) {
        double sum = 0;
        for (int i = 1; i < n; i++) {
            sum += Math.cos((2 * i - 1) * omega * x);
        }
        return 4 / tPeriod * sum;
    }

    /** sum_{i=1}^{n-1} sin((2i-1) t) / (2i-1) by the recurrence, in double. */
    private static double sinSum(double t, int n) {
        double s1 = Math.sin(t);
        double c1 = Math.cos(t);
        double twoC2 = 2 * (2 * c1 * c1 - 1);
        double prev = -s1; // sin(-t)
        double cur = s1;
        double sum = 0;
        for (int i = 1; i < n; i++) {
            sum += cur / (2 * i - 1);
            double next = twoC2 * cur - prev;
            prev = cur;
            cur = next;
        }
        return sum;
    }

    @Override
    public float primitive(float x) {
        return (float) (0.5 + 2 / Math.PI * sinSum(omega * x, n));
    }

    @Override
    public float gradient(float x) {
        return SurrogateMath.cosSeries(x, omega, 4 / tPeriod, n);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int len) {
        final double w = omega, k = 2 / Math.PI;
        final int m = n;
        for (int i = 0; i < len; i++) {
            y[yOff + i] = (float) (0.5 + k * sinSum(w * x[xOff + i], m));
        }
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int len) {
        bulk(null, x, xOff, out, oOff, len);
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int len) {
        bulk(gradOut, x, xOff, gradIn, gOff, len);
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    /** {@code out = g'(x)} ({@code gradOut == null}) or {@code gradOut * g'(x)}: Vector API lanes, else the scalar loop. */
    private void bulk(float[] gradOut, float[] x, int xOff, float[] out, int oOff, int len) {
        final double w = omega, k = 4 / tPeriod;
        if (SurrogateMath.VECTOR && len >= SurrogateMath.VECTOR_MIN_LENGTH) {
            VectorKernels.cosSeries(w, k, n, gradOut, x, xOff, out, oOff, len);
            return;
        }
        for (int i = 0; i < len; i++) {
            float g = SurrogateMath.cosSeries(x[xOff + i], w, k, n);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    /**
     * A loop over the harmonics with {@code cosf}. half2 converts both lanes to float: a sum of cosines of large
     * multiples of x needs more than half precision's 11-bit argument, and cuda_fp16.h's {@code h2cos} would
     * round each phase to half.
     */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        String w = SurrogateFunction.cudaFloat(omega);
        String scale = SurrogateFunction.cudaFloat(4 / tPeriod);
        String i = s.v("i");
        if (s.isFloat()) {
            String sum = s.v("sum");
            s.line("float " + sum + " = 0.0f;");
            s.line("for (int " + i + " = 1; " + i + " < " + n + "; ++" + i + ") { " + sum + " += cosf((float) (2 * " + i
                    + " - 1) * " + w + " * " + x + "); }");
            return s.result(scale + " * " + sum);
        }
        String f = s.let("float2", "f", "__half22float2(" + x + ")");
        String sx = s.v("sx");
        String sy = s.v("sy");
        s.line("float " + sx + " = 0.0f;");
        s.line("float " + sy + " = 0.0f;");
        s.line("for (int " + i + " = 1; " + i + " < " + n + "; ++" + i + ") { const float " + s.v("k") + " = (float) (2 * "
                + i + " - 1) * " + w + "; " + sx + " += cosf(" + s.v("k") + " * " + f + ".x); " + sy + " += cosf("
                + s.v("k") + " * " + f + ".y); }");
        return s.result("__floats2half2_rn(" + scale + " * " + sx + ", " + scale + " * " + sy + ")");
    }

    @Override
    public SquarewaveFourierSeries copy() {
        return new SquarewaveFourierSeries(n, tPeriod, isSpiking());
    }
}
