package io.github.sparksnn.ml.train;

import java.io.Serializable;

/**
 * What one epoch did. {@code loss} is the mean per-sample training loss, {@code trainAccuracy} the share of
 * training samples classified right while they were trained on (the running figure, as MLlib and PyTorch
 * loops report it), {@code validationAccuracy} NaN when no validation set was given. {@code stepMillis} is
 * the mean wall time of a step on the driver, {@code computeMillis} the mean over steps of the slowest
 * partition's time inside the engine: their difference is what Spark costs per step.
 */
public record EpochMetrics(int epoch, double loss, double trainAccuracy, double validationAccuracy,
                           double seconds, double imagesPerSecond, int steps, double stepMillis,
                           double computeMillis) implements Serializable {

    /** Spark's share of a step: scheduling, broadcast, serialization, aggregation (ms). */
    public double overheadMillis() {
        return stepMillis - computeMillis;
    }
}
