package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Fake numerical gradient surrogate (upstream {@code FakeNumericalGradient}, Xu et al. 2023).
 *
 * <pre>
 * g'(x) = min(1/|x|, alpha)   (alpha at x = 0)        g(x) = alpha x                        if |x| &lt;= 1/alpha
 *                                                          = sgn(x) (1 + ln(alpha |x|))       if |x| &gt; 1/alpha
 * </pre>
 * Upstream defines no primitive; this one is derived: inside {@code |x| <= 1/alpha} the gradient is the constant
 * alpha, so {@code g = alpha x} (choosing {@code g(0) = 0}: the function is odd, like the gradient is even);
 * beyond, {@code d/dx ln(alpha|x|) = 1/x = 1/|x| sgn(x)}, and the constant {@code sgn(x) * 1} makes g continuous at
 * {@code |x| = 1/alpha}, where both pieces equal {@code +-1}. The range is the whole real line (g grows like ln).
 * Default {@code alpha = 0.3}; {@code alpha} must be finite and {@code > 0}.
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class FakeNumericalGradient extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 0.3;

    private final double alpha;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public FakeNumericalGradient() {
        this(DEFAULT_ALPHA, true);
    }

    public FakeNumericalGradient(double alpha) {
        this(alpha, true);
    }

    public FakeNumericalGradient(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("FakeNumericalGradient", "alpha", alpha);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("FakeNumericalGradient", "alpha", alpha);
        toFloat("FakeNumericalGradient", "1 / alpha", 1 / alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "FakeNumericalGradient";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {-1 / alpha, 1 / alpha};
    }

    @Override
    public double primitive(double x) {
        double ax = Math.abs(x);
        if (ax <= 1 / alpha) {
            return alpha * x;
        }
        double m = 1 + Math.log(alpha * ax);
        return x >= 0 ? m : -m;
    }

    @Override
    public double gradient(double x) {
        return Math.min(1 / Math.abs(x), alpha);
    }

    /**
     * Float: {@code fminf(1/|x|, alpha)} ({@code 1/0 = inf} under IEEE division). half2: {@code 1/max(|x|, 1/alpha)},
     * the same function without a division by zero (half2 division is an approximation whose 1/0 is not promised).
     */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("fminf(1.0f / fabsf(" + x + "), " + s.c(alpha) + ")");
        }
        return s.result("__h2div(" + s.c(1) + ", __hmax2(__habs2(" + x + "), " + s.c(1 / alpha) + "))");
    }

    @Override
    public FakeNumericalGradient copy() {
        return new FakeNumericalGradient(alpha, isSpiking());
    }
}
