package io.github.sparksnn.ml.train.state;

import java.io.Serializable;

/**
 * What one epoch did. {@code loss} is the mean per-sample training loss, {@code trainAccuracy} the share of
 * training samples classified right while they were trained on (the running figure, as MLlib and PyTorch
 * loops report it), {@code validationAccuracy} NaN when no validation set was given. {@code stepMillis} is
 * the mean wall time of a step on the driver, {@code computeMillis} the mean over steps of the slowest
 * partition's time inside the engine, {@code computeSumMillis} the mean over steps of all partitions' engine
 * time added up. With {@code c} task slots a step cannot be shorter than
 * {@code max(computeMillis, computeSumMillis / c)}; the rest is what Spark costs per step.
 *
 * <p>{@code syncMode} is the mode that ran ({@code barrier} or {@code jobs}); {@code aggregationMillis} the mean
 * time spent adding partial sums along the slowest path of the aggregation tree and on the driver,
 * {@code optimizerMillis} the driver's update rule, {@code driverBytesPerStep} the bytes through the driver's
 * sockets per step, both ways (NaN where a mode does not measure them: jobs mode leaves aggregation and bytes to
 * Spark).
 *
 * <p>From the barrier tasks' own counters (NaN in jobs mode): {@code taskWaitMillis} is the mean over tasks of the
 * time a task spent per step waiting, outside its engine: for its children's partial sums, then for the next
 * state (the wait for the first state, the stage's start-up, is not counted); a task that waits much less than the
 * others is the one they wait for. {@code
 * taskBytesPerStep} is the mean over tasks of the bytes a task sent and received per step, both ways (0 in
 * process, where vectors are handed over by reference).
 */
public record EpochMetrics(int epoch, double loss, double trainAccuracy, double validationAccuracy,
                           double seconds, double imagesPerSecond, int steps, double stepMillis,
                           double computeMillis, double computeSumMillis, String syncMode,
                           double aggregationMillis, double optimizerMillis, double driverBytesPerStep,
                           double taskWaitMillis, double taskBytesPerStep)
        implements Serializable {

    /** Metrics without the barrier tasks' counters (NaN). */
    public EpochMetrics(int epoch, double loss, double trainAccuracy, double validationAccuracy, double seconds,
                        double imagesPerSecond, int steps, double stepMillis, double computeMillis,
                        double computeSumMillis, String syncMode, double aggregationMillis, double optimizerMillis,
                        double driverBytesPerStep) {
        this(epoch, loss, trainAccuracy, validationAccuracy, seconds, imagesPerSecond, steps, stepMillis, computeMillis,
                computeSumMillis, syncMode, aggregationMillis, optimizerMillis, driverBytesPerStep, Double.NaN,
                Double.NaN);
    }

    /** Metrics without the synchronization breakdown (mode "jobs", breakdown unknown). */
    public EpochMetrics(int epoch, double loss, double trainAccuracy, double validationAccuracy, double seconds,
                        double imagesPerSecond, int steps, double stepMillis, double computeMillis,
                        double computeSumMillis) {
        this(epoch, loss, trainAccuracy, validationAccuracy, seconds, imagesPerSecond, steps, stepMillis, computeMillis,
                computeSumMillis, "jobs", Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * What is left of a step besides engine compute, aggregation and the optimizer: in barrier mode the time
     * moving vectors through the sockets (and waiting for the slowest partition); in jobs mode Spark's scheduling,
     * broadcast and result handling as well.
     */
    public double transferMillis() {
        return stepMillis - computeMillis - (Double.isNaN(aggregationMillis) ? 0 : aggregationMillis)
                - (Double.isNaN(optimizerMillis) ? 0 : optimizerMillis);
    }

    /** Spark's share of a step: scheduling, broadcast, serialization, aggregation (ms). */
    public double overheadMillis() {
        return stepMillis - computeMillis;
    }

    /** Spark's share of a step given {@code slots} concurrent tasks (cores): step time minus the compute bound. */
    public double overheadMillis(int slots) {
        return stepMillis - Math.max(computeMillis, computeSumMillis / Math.max(1, slots));
    }
}
