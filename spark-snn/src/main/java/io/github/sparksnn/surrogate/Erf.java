package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Gaussian error-function surrogate (upstream {@code Erf}, Esser et al. 2015 / Wu et al. 2018).
 *
 * <pre>
 * g'(x) = alpha / sqrt(pi) * exp(-(alpha x)^2)          g(x) = erfc(-alpha x) / 2 = (1 + erf(alpha x)) / 2
 * </pre>
 * Default {@code alpha = 2}; {@code alpha} must be finite and {@code > 0}. The primitive uses {@link ErrorFunction}
 * ({@code erfc} to about 1e-15 relative in double, 1.2e-7 in float).
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 6.07-6.13
 * (three runs; 4.8 against 0.79 ns per element): the formula calls {@code Math.exp} per element, the class runs
 * {@link VectorKernels}' exp on Vector API lanes. The formula's accuracy held (1 ulp).
 */
public final class Erf extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 2.0;

    private final double alpha;
    private final float aF;
    /** {@code alpha / sqrt(pi)} in double: the float paths evaluate g' in double and round once. */
    private final double k;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public Erf() {
        this(DEFAULT_ALPHA, true);
    }

    public Erf(double alpha) {
        this(alpha, true);
    }

    public Erf(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("Erf", "alpha", alpha);
        this.aF = toFloat("Erf", "alpha", alpha);
        toFloat("Erf", "alpha / sqrt(pi)", alpha / Math.sqrt(Math.PI));
        this.k = alpha / Math.sqrt(Math.PI);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "Erf";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double primitive(double x) {
        return ErrorFunction.erfc(-alpha * x) / 2;
    }

    @Override
    public double gradient(double x) {
        double z = alpha * x;
        return alpha / Math.sqrt(Math.PI) * Math.exp(-z * z);
    }

    @Override
    public float primitive(float x) {
        return 0.5f * ErrorFunction.erfc(-aF * x);
    }

    @Override
    public float gradient(float x) {
        return SurrogateMath.gaussGradient(x, alpha, k);
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = aF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = 0.5f * ErrorFunction.erfc(-a * x[i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = 0.5f * ErrorFunction.erfc(-a * x[xOff + i]);
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
            VectorKernels.gauss(alpha, k, gradOut, x, xOff, out, oOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float g = SurrogateMath.gaussGradient(x[xOff + i], alpha, k);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    /**
     * {@code K exp(-(a x)^2)}. The gradient needs no erf, so half2 stays native: {@code (a x)^2} overflows to
     * inf beyond {@code |a x| > 255}, where {@code h2exp(-inf) = 0} is the right answer.
     */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            String z = s.let("z", s.c(alpha) + " * " + x);
            return s.result(s.c(alpha / Math.sqrt(Math.PI)) + " * expf(-" + z + " * " + z + ")");
        }
        String z = s.let("z", "__hmul2(" + s.c(alpha) + ", " + x + ")");
        return s.result("__hmul2(" + s.c(alpha / Math.sqrt(Math.PI)) + ", h2exp(__hneg2(__hmul2(" + z + ", " + z + "))))");
    }

    @Override
    public Erf copy() {
        return new Erf(alpha, isSpiking());
    }
}
