package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Sigmoid surrogate (upstream {@code Sigmoid}).
 *
 * <pre>
 * g'(x) = alpha * s * (1 - s),  s = sigmoid(alpha x)          g(x) = sigmoid(alpha x) = 1 / (1 + exp(-alpha x))
 *       = alpha * e / (1 + e)^2,  e = exp(-alpha |x|)   (the same function, used by the float paths)
 * </pre>
 * Default {@code alpha = 4}; {@code alpha} must be finite and {@code > 0}. The float code uses the second form of
 * g': {@code s (1 - s)} cancels catastrophically in float once {@code s} is near 1 (1e-6 relative error at
 * {@code alpha x = 3.4}), whereas {@code e <= 1} keeps every operation well conditioned and never overflows.
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 4.60-4.84
 * (three runs; 5.2 against 1.1 ns per element): the formula calls {@code Math.exp} per element, the class runs
 * {@link VectorKernels}' exp on Vector API lanes. The formula's accuracy held (0 ulps).
 */
public final class Sigmoid extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 4.0;

    private final double alpha;
    private final float alphaF;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public Sigmoid() {
        this(DEFAULT_ALPHA, true);
    }

    public Sigmoid(double alpha) {
        this(alpha, true);
    }

    public Sigmoid(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("Sigmoid", "alpha", alpha);
        this.alphaF = toFloat("Sigmoid", "alpha", alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "Sigmoid";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double primitive(double x) {
        return 1 / (1 + Math.exp(-alpha * x));
    }

    @Override
    public double gradient(double x) {
        double s = 1 / (1 + Math.exp(-alpha * x));
        return alpha * s * (1 - s);
    }

    static float g(float x, float a) {
        return 1f / (1f + (float) Math.exp(-a * x));
    }

    @Override
    public float primitive(float x) {
        return g(x, alphaF);
    }

    @Override
    public float gradient(float x) {
        return SurrogateMath.sigmoidGradient(x, alphaF);
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = alphaF;
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
            VectorKernels.sigmoid(alphaF, gradOut, x, xOff, out, oOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float g = SurrogateMath.sigmoidGradient(x[xOff + i], alphaF);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    /** Emits the cancellation-free form {@code alpha e / (1 + e)^2}, {@code e = exp(-alpha |x|)}, in both dtypes. */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            String e = s.let("e", "expf(-" + s.c(alpha) + " * fabsf(" + x + "))");
            String d = s.let("d", "1.0f + " + e);
            return s.result(s.c(alpha) + " * " + e + " / (" + d + " * " + d + ")");
        }
        String e = s.let("e", "h2exp(__hneg2(__hmul2(" + s.c(alpha) + ", __habs2(" + x + "))))");
        String d = s.let("d", "__hadd2(" + s.c(1) + ", " + e + ")");
        return s.result("__h2div(__hmul2(" + s.c(alpha) + ", " + e + "), __hmul2(" + d + ", " + d + "))");
    }

    @Override
    public Sigmoid copy() {
        return new Sigmoid(alpha, isSpiking());
    }
}
