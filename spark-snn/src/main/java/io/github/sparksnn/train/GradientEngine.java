package io.github.sparksnn.train;

import io.github.sparksnn.train.optim.Optimizer;

/**
 * The one routine every trainer calls: the single-JVM trainer on its mini-batches and each Spark task on its
 * share of a global batch. An engine owns a network replica (and, with the GPU backend, a device context);
 * it is not thread-safe: use one per thread/task.
 *
 * <p>Samples are packed: {@code features} holds {@code featureSize()} floats per sample, row-major, and
 * {@code labels} one class index per sample. The engine computes the gradient of the <em>sum</em> of the
 * per-sample losses (not the mean), so sums from several partitions add up to the gradient of the global batch;
 * the caller divides by the global batch size before the optimizer step.
 */
public interface GradientEngine extends AutoCloseable {

    /** Length of the flat parameter (and gradient) vector. */
    int numParameters();

    /** Floats per sample in the packed feature arrays (the product of the input shape). */
    int featureSize();

    /** Number of output classes (the last layer's width). */
    int numClasses();

    /** Copies {@code params} (length {@link #numParameters()}) into the replica. */
    void setParameters(float[] params);

    /** Copies the replica's current parameters into a new array. */
    float[] parameters();

    /**
     * Non-trainable state that inference depends on, as PyTorch's module buffers: batch normalization's running
     * means and variances, per batch-norm layer in spec order {@code [mean..., var...]} (empty without batch
     * norm). Not part of the flat parameter vector and not touched by optimizers; training calls
     * ({@link #accumulateGradient}) update it. A trainer that predicts or continues training on another replica
     * copies it with {@link #setBuffers(float[])}.
     */
    default float[] buffers() {
        return new float[0];
    }

    /** Copies {@code buffers} (the layout of {@link #buffers()}) into the replica; a wrong length is rejected. */
    default void setBuffers(float[] buffers) {
        if (buffers.length != 0) {
            throw new IllegalArgumentException("expected 0 buffer values, got " + buffers.length);
        }
    }

    /**
     * Forward over all time steps, loss, and BPTT backward for samples {@code [from, to)}; <em>adds</em> the
     * gradient of the summed loss into {@code gradSum}. {@code seed} drives every random draw (encoder,
     * dropout), so the same call gives the same bits.
     */
    StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum);

    /**
     * As {@link #accumulateGradient(float[], int[], int, int, long, float[])}, telling {@code done} during the call
     * which ranges of {@code gradSum} are final (hold this call's whole contribution and will not change again), so a
     * caller can send them while the backward pass goes on, as DDP's gradient buckets do. The ranges come in
     * descending order, contiguous, and cover {@code [0, numParameters())} exactly once; they are reported on the
     * calling thread. The bits of {@code gradSum} equal the plain call's. This default reports the whole vector once
     * the call is done; an engine that finishes the layers one by one ({@link CpuGradientEngine}) reports each layer's
     * range as its backward pass completes it, the last layer first.
     */
    default StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum,
                                         FinalRanges done) {
        StepStats s = accumulateGradient(features, labels, from, to, seed, gradSum);
        done.completed(0, numParameters());
        return s;
    }

    /** Told which ranges of a gradient sum are final (see {@link #accumulateGradient(float[], int[], int, int, long,
     *  float[], FinalRanges)}). */
    @FunctionalInterface
    interface FinalRanges {
        /** {@code gradSum[from, to)} is final. */
        void completed(int from, int to);
    }

    /**
     * One fused training step on samples {@code [from, to)}: their gradient sum into {@code grad} (overwritten),
     * then {@code update} (from {@link Optimizer#begin}) applied to every index of {@code params} with the scale
     * {@code 1 / (to - from)}, so the optimizer sees the batch mean, and the new {@code params} loaded into this
     * engine. The bits equal zeroing {@code grad}, {@link #accumulateGradient}, dividing by the count, {@link
     * Optimizer#step} and {@link #setParameters}. An engine with several threads overrides this to run the summation,
     * the update and the parameter load in parallel index ranges, not one after another on the caller.
     *
     * @throws IllegalArgumentException on an empty range, or arrays whose lengths are not {@link #numParameters()}
     */
    default StepStats trainStep(float[] features, int[] labels, int from, int to, long seed, float[] grad,
                                float[] params, Optimizer.Update update) {
        checkStepArrays(this, from, to, grad, params);
        java.util.Arrays.fill(grad, 0f);
        StepStats s = accumulateGradient(features, labels, from, to, seed, grad);
        update.apply(params, grad, 1f / (to - from), 0, params.length);
        setParameters(params);
        return s;
    }

    /** The argument checks of {@link #trainStep}. */
    static void checkStepArrays(GradientEngine e, int from, int to, float[] grad, float[] params) {
        if (to <= from) {
            throw new IllegalArgumentException("a training step needs at least one sample, got [" + from + ", " + to
                    + ")");
        }
        if (grad.length != e.numParameters() || params.length != e.numParameters()) {
            throw new IllegalArgumentException("grad and params must have " + e.numParameters()
                    + " elements, got " + grad.length + " and " + params.length);
        }
    }

    /** Inference (no dropout, deterministic encoder seed) for samples {@code [from, to)}: firing rates into
     *  {@code ratesOut[(i - from) * numClasses() + k]}. */
    void predictRates(float[] features, int from, int to, long seed, float[] ratesOut);

    /**
     * What this engine computes on, for logs and training summaries: {@code cpu} by default, the backend's
     * {@link io.github.sparksnn.backend.Backend#describe()} for engines on a backend, e.g.
     * {@code cpu (OpenBLAS ...)} or {@code cuda:0 (NVIDIA H200, sm_90, 139.8 GiB, driver CUDA 13.0)}: the text
     * before the first space or parenthesis names the backend and its device.
     */
    default String backendDescription() {
        return "cpu";
    }

    @Override
    default void close() {
    }

    /** Summed loss, number of correct predictions and sample count of one call; adds up across partitions. */
    record StepStats(double lossSum, long correct, long count) implements java.io.Serializable {
        public static final StepStats ZERO = new StepStats(0, 0, 0);

        public StepStats plus(StepStats o) {
            return new StepStats(lossSum + o.lossSum, correct + o.correct, count + o.count);
        }
    }
}
