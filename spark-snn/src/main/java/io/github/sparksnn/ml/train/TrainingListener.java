package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.state.EpochMetrics;

/** Callbacks on the driver during distributed training (progress bars, logging). */
public interface TrainingListener {

    /** After each synchronized step (or round of local steps): 0-based epoch and step, batch-mean loss. */
    default void onStep(int epoch, int epochs, int step, int stepsPerEpoch, double batchLoss, long samples,
                        double imagesPerSecond) {
    }

    default void onEpochStart(int epoch, int epochs, int stepsPerEpoch) {
    }

    default void onEpoch(EpochMetrics metrics) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
