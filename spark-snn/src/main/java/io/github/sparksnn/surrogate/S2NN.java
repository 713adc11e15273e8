package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * S2NN surrogate (upstream {@code S2NN}, Suetake et al. 2023).
 *
 * <pre>
 * g'(x) = alpha s (1 - s), s = sigmoid(alpha x)   if x &lt; 0        g(x) = sigmoid(alpha x)          if x &lt; 0
 *       = beta / (x + 1)                           if x &gt;= 0            = beta ln(x + 1) + 1/2      if x &gt;= 0
 * </pre>
 * (The English text's {@code beta (x+1)} and {@code + 1} are typos; the primitive is continuous at 0 where
 * {@code sigmoid(0) = 1/2}.) Defaults {@code alpha = 4}, {@code beta = 1}; {@code alpha} must be finite and
 * {@code > 0}, {@code beta} any finite number. With the defaults g' is continuous at 0 ({@code alpha/4 = beta}).
 * The float paths evaluate the sigmoid piece as {@code alpha e / (1 + e)^2}, {@code e = exp(-alpha |x|)}.
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 6.03-6.31
 * (three runs; 6.8 against 1.1 ns per element; the class's exp runs on Vector API lanes), and its accuracy did not
 * hold: its float gradient is 2 ulps from this class's, and farther from the float64 reference, at 98 of about
 * 5,200 points ({@code FormulaBuiltinsTest}'s exception).
 */
public final class S2NN extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 4.0;
    public static final double DEFAULT_BETA = 1.0;

    private final double alpha;
    private final double beta;
    private final float aF;
    private final float bF;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public S2NN() {
        this(DEFAULT_ALPHA, DEFAULT_BETA, true);
    }

    public S2NN(double alpha, double beta) {
        this(alpha, beta, true);
    }

    public S2NN(double alpha, double beta, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("S2NN", "alpha", alpha);
        this.beta = requireFinite("S2NN", "beta", beta);
        this.aF = toFloat("S2NN", "alpha", alpha);
        this.bF = toFloat("S2NN", "beta", beta);
    }

    public double alpha() {
        return alpha;
    }

    public double beta() {
        return beta;
    }

    @Override
    public String name() {
        return "S2NN";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha, "beta", beta);
    }

    @Override
    public double[] kinks() {
        return new double[] {0};
    }

    @Override
    public double primitive(double x) {
        if (x < 0) {
            return 1 / (1 + Math.exp(-alpha * x));
        }
        return beta * Math.log1p(x) + 0.5;
    }

    @Override
    public double gradient(double x) {
        if (x < 0) {
            double s = 1 / (1 + Math.exp(-alpha * x));
            return alpha * s * (1 - s);
        }
        return beta / (x + 1);
    }

    private static float g(float x, float a, float b) {
        return x < 0f ? Sigmoid.g(x, a) : b * (float) Math.log1p(x) + 0.5f;
    }

    @Override
    public float primitive(float x) {
        return g(x, aF, bF);
    }

    @Override
    public float gradient(float x) {
        return SurrogateMath.s2nnGradient(x, alpha, beta);
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = aF, b = bF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], a, b);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], a, b);
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
            VectorKernels.s2nn(alpha, beta, gradOut, x, xOff, out, oOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float g = SurrogateMath.s2nnGradient(x[xOff + i], alpha, beta);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    /**
     * The sigmoid piece uses the cancellation-free {@code alpha e / (1 + e)^2}, {@code e = exp(-alpha |x|)} (see
     * {@link Sigmoid}). half2 is native and NaN-free in both lanes: {@code e <= 1} and the tail uses
     * {@code beta / (max(x, 0) + 1)}, which never divides by zero, before the lane select.
     */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            String e = s.let("e", "expf(-" + s.c(alpha) + " * fabsf(" + x + "))");
            String d = s.let("d", "1.0f + " + e);
            return s.result("(" + x + " < 0.0f) ? " + s.c(alpha) + " * " + e + " / (" + d + " * " + d + ") : "
                    + s.c(beta) + " / (" + x + " + 1.0f)");
        }
        String e = s.let("e", "h2exp(__hneg2(__hmul2(" + s.c(alpha) + ", __habs2(" + x + "))))");
        String d = s.let("d", "__hadd2(" + s.c(1) + ", " + e + ")");
        String left = s.let("left", "__h2div(__hmul2(" + s.c(alpha) + ", " + e + "), __hmul2(" + d + ", " + d + "))");
        String right = s.let("right", "__h2div(" + s.c(beta) + ", __hadd2(__hmax2(" + x + ", " + s.c(0) + "), " + s.c(1) + "))");
        String m = s.let("m", "__hlt2(" + x + ", " + s.c(0) + ")");
        return s.result(CudaSnippet.h2select(m, left, right));
    }

    @Override
    public S2NN copy() {
        return new S2NN(alpha, beta, isSpiking());
    }
}
