package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Piecewise leaky ReLU surrogate (upstream {@code PiecewiseLeakyReLU}).
 *
 * <pre>
 * g'(x) = 1/(2w)     if |x| &lt; w             g(x) = c x + c w               if x &lt; -w
 *       = c          otherwise                    = x/(2w) + 1/2            if |x| &lt;= w
 *                                                 = c x - c w + 1           if x &gt; w
 * </pre>
 * The gradient inside is {@code 1/(2w)} as upstream's parameter text says (its formula's {@code 1/w} is a typo);
 * the primitive is consistent with it. Defaults {@code w = 1}, {@code c = 0.01}; {@code w} must be finite and
 * {@code > 0}, {@code c} any finite number (the slope outside, 0 gives a rectangle). The formula's primitive is
 * branch-free, {@code g = xc/(2w) + 1/2 + c (x - xc)} with {@code xc = clamp(x, -w, w)}, and its
 * {@code where(abs(x) < w, ...)} compiles to the min/max unit step ({@link Select#step}), so C2 vectorizes the bulk
 * loops. A NaN input gives a NaN gradient (float and double).
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class PiecewiseLeakyReLU extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_W = 1.0;
    public static final double DEFAULT_C = 0.01;

    private final double w;
    private final double c;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public PiecewiseLeakyReLU() {
        this(DEFAULT_W, DEFAULT_C, true);
    }

    public PiecewiseLeakyReLU(double w, double c) {
        this(w, c, true);
    }

    public PiecewiseLeakyReLU(double w, double c, boolean spiking) {
        super(spiking);
        this.w = requirePositive("PiecewiseLeakyReLU", "w", w);
        this.c = requireFinite("PiecewiseLeakyReLU", "c", c);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("PiecewiseLeakyReLU", "w", w);
        toFloat("PiecewiseLeakyReLU", "c", c);
        toFloat("PiecewiseLeakyReLU", "1 / (2 * w)", 1 / (2 * w));
    }

    public double w() {
        return w;
    }

    public double c() {
        return c;
    }

    @Override
    public String name() {
        return "PiecewiseLeakyReLU";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("w", w, "c", c);
    }

    @Override
    public double[] kinks() {
        return new double[] {-w, w};
    }

    @Override
    public double primitive(double x) {
        if (x < -w) {
            return c * x + c * w;
        }
        if (x > w) {
            return c * x - c * w + 1;
        }
        return x / (2 * w) + 0.5;
    }

    @Override
    public double gradient(double x) {
        if (Double.isNaN(x)) {
            return x; // as the float paths, which propagate NaN (see Select.step)
        }
        return Math.abs(x) < w ? 1 / (2 * w) : c;
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("(fabsf(" + x + ") < " + s.c(w) + ") ? " + s.c(1 / (2 * w)) + " : " + s.c(c));
        }
        String m = s.let("m", "__hlt2(__habs2(" + x + "), " + s.c(w) + ")");
        return s.result(CudaSnippet.h2select(m, s.c(1 / (2 * w)), s.c(c)));
    }

    @Override
    public PiecewiseLeakyReLU copy() {
        return new PiecewiseLeakyReLU(w, c, isSpiking());
    }
}
