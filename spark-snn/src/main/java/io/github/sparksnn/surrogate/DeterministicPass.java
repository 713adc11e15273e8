package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Straight-through surrogate (upstream {@code DeterministicPass}).
 *
 * <pre>
 * g'(x) = 1          g(x) = x
 * </pre>
 * Default {@code alpha = 1}; upstream keeps {@code alpha} for a uniform signature but the math does not use it,
 * so any finite value is accepted (and kept for {@code toString}/equality). Backward passes the gradient through unchanged.
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class DeterministicPass extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public DeterministicPass() {
        this(DEFAULT_ALPHA, true);
    }

    public DeterministicPass(double alpha) {
        this(alpha, true);
    }

    public DeterministicPass(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requireFinite("DeterministicPass", "alpha", alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "DeterministicPass";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double primitive(double x) {
        return x;
    }

    @Override
    public double gradient(double x) {
        return 1;
    }

    /** {@code y = 1}; {@code (void) x;} marks x as used so nvcc does not warn when nothing else reads it. */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        s.line("(void) " + x + ";");
        return s.result(s.c(1));
    }

    @Override
    public DeterministicPass copy() {
        return new DeterministicPass(alpha, isSpiking());
    }
}
