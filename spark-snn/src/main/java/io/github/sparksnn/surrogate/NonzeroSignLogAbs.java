package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Nonzero-sign-log-abs surrogate (upstream {@code NonzeroSignLogAbs}).
 *
 * <pre>
 * g'(x) = 1 / (1/alpha + |x|)          g(x) = sgn(x) ln(|alpha x| + 1),   sgn(x) = 1 if x &gt;= 0 else -1
 * </pre>
 * The primitive's range is not (0, 1) (it is odd and unbounded), as upstream notes. Default {@code alpha = 1};
 * {@code alpha} must be finite and {@code > 0}. {@code ln(1 + a|x|)} is computed with {@code log1p} in double.
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class NonzeroSignLogAbs extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public NonzeroSignLogAbs() {
        this(DEFAULT_ALPHA, true);
    }

    public NonzeroSignLogAbs(double alpha) {
        this(alpha, true);
    }

    public NonzeroSignLogAbs(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("NonzeroSignLogAbs", "alpha", alpha);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("NonzeroSignLogAbs", "alpha", alpha);
        toFloat("NonzeroSignLogAbs", "1 / alpha", 1 / alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "NonzeroSignLogAbs";
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
        double m = Math.log1p(Math.abs(alpha * x));
        return x >= 0 ? m : -m;
    }

    @Override
    public double gradient(double x) {
        return 1 / (1 / alpha + Math.abs(x));
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("1.0f / (" + s.c(1 / alpha) + " + fabsf(" + x + "))");
        }
        return s.result("__h2div(" + s.c(1) + ", __hadd2(" + s.c(1 / alpha) + ", __habs2(" + x + ")))");
    }

    @Override
    public NonzeroSignLogAbs copy() {
        return new NonzeroSignLogAbs(alpha, isSpiking());
    }
}
