package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Piecewise quadratic surrogate (upstream {@code PiecewiseQuadratic}, Esser et al. 2016 / Wu et al. 2018).
 *
 * <pre>
 * g'(x) = 0                       if |x| &gt; 1/alpha      g(x) = 0                                  if x &lt; -1/alpha
 *       = alpha - alpha^2 |x|     otherwise                 = -alpha^2/2 x|x| + alpha x + 1/2      if |x| &lt;= 1/alpha
 *                                                           = 1                                  if x &gt; 1/alpha
 * </pre>
 * Default {@code alpha = 1}; {@code alpha} must be finite and {@code > 0} (the support has half-width 1/alpha).
 * g' has a cusp at 0 (listed as a kink). The formula writes g' as {@code max(0, alpha - alpha*alpha*abs(x))}, the
 * same function without a branch.
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class PiecewiseQuadratic extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public PiecewiseQuadratic() {
        this(DEFAULT_ALPHA, true);
    }

    public PiecewiseQuadratic(double alpha) {
        this(alpha, true);
    }

    public PiecewiseQuadratic(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("PiecewiseQuadratic", "alpha", alpha);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("PiecewiseQuadratic", "alpha", alpha);
        toFloat("PiecewiseQuadratic", "alpha * alpha", alpha * alpha);
        toFloat("PiecewiseQuadratic", "alpha * alpha / 2", alpha * alpha / 2);
        toFloat("PiecewiseQuadratic", "1 / alpha", 1 / alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "PiecewiseQuadratic";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {-1 / alpha, 0, 1 / alpha};
    }

    @Override
    public double primitive(double x) {
        if (x < -1 / alpha) {
            return 0;
        }
        if (x > 1 / alpha) {
            return 1;
        }
        return -alpha * alpha / 2 * x * Math.abs(x) + alpha * x + 0.5;
    }

    @Override
    public double gradient(double x) {
        double ax = Math.abs(x);
        return ax > 1 / alpha ? 0 : alpha - alpha * alpha * ax;
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("fmaxf(0.0f, " + s.c(alpha) + " - " + s.c(alpha * alpha) + " * fabsf(" + x + "))");
        }
        return s.result("__hmax2(" + s.c(0) + ", __hsub2(" + s.c(alpha) + ", __hmul2(" + s.c(alpha * alpha)
                + ", __habs2(" + x + "))))");
    }

    @Override
    public PiecewiseQuadratic copy() {
        return new PiecewiseQuadratic(alpha, isSpiking());
    }
}
