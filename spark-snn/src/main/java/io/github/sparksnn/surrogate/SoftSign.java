package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Soft-sign surrogate (upstream {@code SoftSign}, SuperSpike paper).
 *
 * <pre>
 * g'(x) = alpha / (2 (1 + |alpha x|)^2)        g(x) = (alpha x / (1 + |alpha x|) + 1) / 2
 * </pre>
 * Default {@code alpha = 2}; {@code alpha} must be finite and {@code > 0} (upstream asserts {@code alpha > 0}).
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class SoftSign extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 2.0;

    private final double alpha;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public SoftSign() {
        this(DEFAULT_ALPHA, true);
    }

    public SoftSign(double alpha) {
        this(alpha, true);
    }

    public SoftSign(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("SoftSign", "alpha", alpha);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("SoftSign", "alpha", alpha);
        toFloat("SoftSign", "alpha / 2", alpha / 2);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "SoftSign";
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
        double ax = alpha * x;
        return (ax / (1 + Math.abs(ax)) + 1) / 2;
    }

    @Override
    public double gradient(double x) {
        double d = 1 + Math.abs(alpha * x);
        return alpha / (2 * d * d);
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            String d = s.let("d", "1.0f + fabsf(" + s.c(alpha) + " * " + x + ")");
            return s.result(s.c(alpha / 2) + " / (" + d + " * " + d + ")");
        }
        String d = s.let("d", "__hadd2(" + s.c(1) + ", __habs2(__hmul2(" + s.c(alpha) + ", " + x + ")))");
        return s.result("__h2div(" + s.c(alpha / 2) + ", __hmul2(" + d + ", " + d + "))");
    }

    @Override
    public SoftSign copy() {
        return new SoftSign(alpha, isSpiking());
    }
}
