package io.github.sparksnn.ml.train;

import java.io.Serializable;

/**
 * What one epoch did. {@code loss} is the mean per-sample training loss, {@code trainAccuracy} the share of
 * training samples classified right while they were trained on (the running figure, as MLlib and PyTorch
 * loops report it), {@code validationAccuracy} NaN when no validation set was given. {@code stepMillis} is
 * the mean wall time of a step on the driver, {@code computeMillis} the mean over steps of the slowest
 * partition's time inside the engine, {@code computeSumMillis} the mean over steps of all partitions' engine
 * time added up. With {@code c} task slots a step cannot be shorter than
 * {@code max(computeMillis, computeSumMillis / c)}; the rest is what Spark costs per step.
 */
public record EpochMetrics(int epoch, double loss, double trainAccuracy, double validationAccuracy,
                           double seconds, double imagesPerSecond, int steps, double stepMillis,
                           double computeMillis, double computeSumMillis) implements Serializable {

    /** Spark's share of a step: scheduling, broadcast, serialization, aggregation (ms). */
    public double overheadMillis() {
        return stepMillis - computeMillis;
    }

    /** Spark's share of a step given {@code slots} concurrent tasks (cores): step time minus the compute bound. */
    public double overheadMillis(int slots) {
        return stepMillis - Math.max(computeMillis, computeSumMillis / Math.max(1, slots));
    }
}
