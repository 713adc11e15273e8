package io.github.sparksnn.train.optim;

/**
 * A first-order optimizer over one flat parameter vector, following PyTorch's update formulas (see each
 * implementation). The caller passes the <em>mean</em> gradient of the batch (the engines return sums: divide by
 * the batch size first) and the learning rate of this step (from a {@link LearningRateSchedule}).
 *
 * <p>The state (step count and moment buffers) is allocated on the first step with the length of {@code params}
 * and can be exported and restored for checkpoints: a run resumed from {@link #state()} produces the same bits as
 * one that never stopped. Not thread-safe; one instance per parameter vector. {@link #toString()} gives the spec
 * that {@link Optimizers#parse(String)} reads back to an equal optimizer.
 */
public interface Optimizer {

    /**
     * One update: {@code params} are changed in place from {@code grad} (the mean gradient, same length; not
     * modified). Single pass over the vectors, no allocation after the first step.
     *
     * @throws IllegalArgumentException on length mismatch with each other or with the state, or a learning rate
     *                                  that is negative or not finite
     */
    default void step(float[] params, float[] grad, double lr) {
        checkStepArgs(params, grad, lr);
        begin(params.length, lr).apply(params, grad, 1f, 0, params.length);
    }

    /**
     * Begins one update of {@code n} parameters at learning rate {@code lr}: counts the step, allocates the state
     * on the first step and fixes this step's scalars. The returned {@link Update} does the element-wise work; it
     * must be applied once to each index of {@code [0, n)}, in ranges that may run on several threads at once (no
     * element depends on another). {@link #step} is {@code begin(n, lr).apply(params, grad, 1, 0, n)}.
     *
     * @throws IllegalArgumentException on a length that differs from the state's, or a learning rate that is
     *                                  negative or not finite
     */
    Update begin(int n, double lr);

    /** The element-wise part of one step (see {@link #begin}). */
    interface Update {
        /**
         * Updates {@code params[from, to)} and the matching state from the gradient {@code gradScale * grad[i]}
         * ({@code grad} is not modified). The scale is applied as one float multiplication per element, so passing
         * a gradient sum and {@code 1 / batch} gives the bits of dividing the sum first.
         */
        void apply(float[] params, float[] grad, float gradScale, int from, int to);
    }

    /** Number of steps taken so far (PyTorch's {@code state['step']}). */
    long steps();

    /** A deep copy of the state, for checkpoints. */
    OptimizerState state();

    /**
     * What the state's buffers are called, in the order of {@link OptimizerState#buffers()} once there are any
     * (PyTorch's state keys): {@code momentum_buffer} for SGD with momentum, none for plain SGD,
     * {@code exp_avg, exp_avg_sq} for Adam and AdamW. A checkpoint names its vectors after them, and a resumed run
     * refuses a file whose names differ from its own optimizer's.
     */
    java.util.List<String> bufferNames();

    /**
     * Replaces the state with a copy of {@code state} (taken from an optimizer of the same kind).
     *
     * @throws IllegalArgumentException when the state belongs to another kind of optimizer or has the wrong shape
     */
    void restore(OptimizerState state);

    /** Forgets the state (step 0, no moment buffers). */
    void reset();

    /** Short kind name: {@code sgd}, {@code adam}, {@code adamw}. */
    String name();

    /** The spec, e.g. {@code adam(beta1=0.9, beta2=0.999, eps=1.0E-8, weight_decay=0.0)}. */
    @Override
    String toString();

    /** Common argument checks of {@link #step}. */
    static void checkStepArgs(float[] params, float[] grad, double lr) {
        if (params.length != grad.length) {
            throw new IllegalArgumentException(
                    "params and grad differ in length: " + params.length + " vs " + grad.length);
        }
        checkLearningRate(lr);
    }

    /** The learning-rate check of {@link #step} and {@link #begin}. */
    static void checkLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        }
    }
}
