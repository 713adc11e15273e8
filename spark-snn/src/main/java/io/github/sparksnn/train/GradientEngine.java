package io.github.sparksnn.train;

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
