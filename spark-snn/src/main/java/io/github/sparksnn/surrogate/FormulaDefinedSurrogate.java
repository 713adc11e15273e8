package io.github.sparksnn.surrogate;

/**
 * A built-in whose float paths, scalar and bulk, are the kernel its {@link Formula} text compiles to
 * ({@link BuiltinFormulas}): the one definition of what training computes on a CPU. The subclass keeps what a
 * formula does not replace: its parameters and their validation, the double methods (the float64 reference of the
 * tests and of {@link GradientChecker}), its kinks, and its CUDA strings (shipped PTX is keyed by their hash).
 *
 * <p>Measured with {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load average 9-12, three
 * runs): for the nine subclasses the compiled formula's bulk gradient took 0.96-1.02 times the time of the hand-written
 * loops it replaced (backward 0.97-1.09), and its float results stayed within their accuracy (see the README's
 * "Surrogates from a formula"); the delegation costs one call per chunk, not per element.
 */
abstract class FormulaDefinedSurrogate extends SurrogateFunction {
    private static final long serialVersionUID = 1L;

    /**
     * Looked up on first use, so that a deserialized instance (generated classes never travel) finds it again. Not
     * volatile: a kernel's constants are final fields, so a racing thread sees either null or a whole kernel, and at
     * worst looks it up once more from the cache.
     */
    private transient FormulaKernel kernel;

    protected FormulaDefinedSurrogate(boolean spiking) {
        super(spiking);
    }

    /** The compiled formula with this function's parameters. */
    final FormulaKernel kernel() {
        FormulaKernel k = kernel;
        if (k == null) {
            k = BuiltinFormulas.kernel(this);
            kernel = k;
        }
        return k;
    }

    @Override
    public final float primitive(float x) {
        return kernel().primitive(x);
    }

    @Override
    public final float gradient(float x) {
        return kernel().gradient(x);
    }

    @Override
    public final void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        kernel().primitive(x, xOff, y, yOff, n);
    }

    @Override
    public final void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        kernel().gradient(x, xOff, out, oOff, n);
    }

    @Override
    public final void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        kernel().backward(gradOut, x, xOff, gradIn, gOff, n);
    }
}
