package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * SuperSpike surrogate (upstream {@code SuperSpike}, Zenke and Ganguli 2018).
 *
 * <pre>
 * g'(x) = alpha / (1 + |x|)^2          g(x) = 1/2 + alpha x / (1 + |x|)
 * </pre>
 * Upstream defines no primitive (and its module forwards to ATan by mistake; the contract is the g' above). The
 * primitive here is derived: {@code d/dx [x / (1 + |x|)] = 1 / (1 + |x|)^2} on both sides of 0, so
 * {@code g = alpha x / (1 + |x|) + C}, with {@code C = 1/2} so that {@code g(0) = 1/2} like the other
 * surrogates. Its range is {@code (1/2 - alpha, 1/2 + alpha)}: (0, 1) only for {@code alpha = 1/2}.
 * Default {@code alpha = 1}; {@code alpha} must be finite and {@code > 0}.
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class SuperSpike extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public SuperSpike() {
        this(DEFAULT_ALPHA, true);
    }

    public SuperSpike(double alpha) {
        this(alpha, true);
    }

    public SuperSpike(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("SuperSpike", "alpha", alpha);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("SuperSpike", "alpha", alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "SuperSpike";
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
        return 0.5 + alpha * x / (1 + Math.abs(x));
    }

    @Override
    public double gradient(double x) {
        double d = 1 + Math.abs(x);
        return alpha / (d * d);
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            String d = s.let("d", "1.0f + fabsf(" + x + ")");
            return s.result(s.c(alpha) + " / (" + d + " * " + d + ")");
        }
        String d = s.let("d", "__hadd2(" + s.c(1) + ", __habs2(" + x + "))");
        return s.result("__h2div(" + s.c(alpha) + ", __hmul2(" + d + ", " + d + "))");
    }

    @Override
    public SuperSpike copy() {
        return new SuperSpike(alpha, isSpiking());
    }
}
