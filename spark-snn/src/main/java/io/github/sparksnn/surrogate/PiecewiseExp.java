package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Piecewise exponential surrogate (upstream {@code PiecewiseExp}, Neftci et al. 2019).
 *
 * <pre>
 * g'(x) = alpha/2 * exp(-alpha |x|)        g(x) = exp(alpha x) / 2          if x &lt; 0
 *                                                = 1 - exp(-alpha x) / 2     if x &gt;= 0
 * </pre>
 * Default {@code alpha = 1}; {@code alpha} must be finite and {@code > 0}. g' has a cusp at 0 (listed as a kink).
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 6.13-6.22
 * (three runs; 4.5 against 0.73 ns per element): the formula calls {@code Math.exp} per element, the class runs
 * {@link VectorKernels}' exp on Vector API lanes. The formula's accuracy held (0 ulps).
 */
public final class PiecewiseExp extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;
    private final float aF;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public PiecewiseExp() {
        this(DEFAULT_ALPHA, true);
    }

    public PiecewiseExp(double alpha) {
        this(alpha, true);
    }

    public PiecewiseExp(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("PiecewiseExp", "alpha", alpha);
        this.aF = toFloat("PiecewiseExp", "alpha", alpha);
        toFloat("PiecewiseExp", "alpha / 2", alpha / 2);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "PiecewiseExp";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {0};
    }

    @Override
    public double primitive(double x) {
        return x < 0 ? Math.exp(alpha * x) / 2 : 1 - Math.exp(-alpha * x) / 2;
    }

    @Override
    public double gradient(double x) {
        return alpha / 2 * Math.exp(-alpha * Math.abs(x));
    }

    private static float g(float x, float a) {
        float e = 0.5f * (float) Math.exp(-a * Math.abs(x));
        return x < 0f ? e : 1f - e;
    }

    @Override
    public float primitive(float x) {
        return g(x, aF);
    }

    @Override
    public float gradient(float x) {
        return SurrogateMath.expAbsGradient(x, alpha, alpha / 2);
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = aF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], a);
            }
        }
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        bulk(null, x, xOff, out, oOff, n);
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        bulk(gradOut, x, xOff, gradIn, gOff, n);
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    /** {@code out = g'(x)} ({@code gradOut == null}) or {@code gradOut * g'(x)}: Vector API lanes, else the scalar loop. */
    private void bulk(float[] gradOut, float[] x, int xOff, float[] out, int oOff, int n) {
        if (SurrogateMath.VECTOR && n >= SurrogateMath.VECTOR_MIN_LENGTH) {
            VectorKernels.expAbs(alpha, alpha / 2, gradOut, x, xOff, out, oOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float g = SurrogateMath.expAbsGradient(x[xOff + i], alpha, alpha / 2);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result(s.c(alpha / 2) + " * expf(-" + s.c(alpha) + " * fabsf(" + x + "))");
        }
        return s.result("__hmul2(" + s.c(alpha / 2) + ", h2exp(__hneg2(__hmul2(" + s.c(alpha) + ", __habs2(" + x + ")))))");
    }

    @Override
    public PiecewiseExp copy() {
        return new PiecewiseExp(alpha, isSpiking());
    }
}
