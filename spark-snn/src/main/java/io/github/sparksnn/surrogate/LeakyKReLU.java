package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Leaky k-ReLU surrogate (upstream {@code LeakyKReLU(spiking=True, leak=0., k=1.)}).
 *
 * <pre>
 * g'(x) = k       if x &gt;= 0            g(x) = k x        if x &gt;= 0
 *       = leak    if x &lt; 0                  = leak x     if x &lt; 0
 * </pre>
 * Defaults {@code leak = 0}, {@code k = 1}; both may be any finite number. The formula's {@code where(x >= 0, k,
 * leak)} compiles to the min/max unit step ({@link Select#nonNegative}) in the one-index loop, so C2 vectorizes it. A
 * NaN input gives a NaN gradient (float and double).
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class LeakyKReLU extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_LEAK = 0.0;
    public static final double DEFAULT_K = 1.0;

    private final double leak;
    private final double k;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public LeakyKReLU() {
        this(DEFAULT_LEAK, DEFAULT_K, true);
    }

    public LeakyKReLU(double leak, double k) {
        this(leak, k, true);
    }

    public LeakyKReLU(double leak, double k, boolean spiking) {
        super(spiking);
        this.leak = requireFinite("LeakyKReLU", "leak", leak);
        this.k = requireFinite("LeakyKReLU", "k", k);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("LeakyKReLU", "leak", leak);
        toFloat("LeakyKReLU", "k", k);
    }

    public double leak() {
        return leak;
    }

    public double k() {
        return k;
    }

    @Override
    public String name() {
        return "LeakyKReLU";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("leak", leak, "k", k);
    }

    @Override
    public double[] kinks() {
        return new double[] {0};
    }

    @Override
    public double primitive(double x) {
        return x >= 0 ? k * x : leak * x;
    }

    @Override
    public double gradient(double x) {
        if (Double.isNaN(x)) {
            return x; // as the float paths, which propagate NaN (see Select.step)
        }
        return x >= 0 ? k : leak;
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("(" + x + " >= 0.0f) ? " + s.c(k) + " : " + s.c(leak));
        }
        String m = s.let("m", "__hge2(" + x + ", " + s.c(0) + ")");
        return s.result(CudaSnippet.h2select(m, s.c(k), s.c(leak)));
    }

    @Override
    public LeakyKReLU copy() {
        return new LeakyKReLU(leak, k, isSpiking());
    }
}
