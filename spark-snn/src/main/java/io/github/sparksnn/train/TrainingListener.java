package io.github.sparksnn.train;

/** Progress callbacks of a {@link Trainer}; both default to doing nothing. Called on the training thread. */
public interface TrainingListener {

    /** After each optimizer step: {@code batch} of {@code batches} in {@code epoch}, with that batch's stats. */
    default void onBatch(int epoch, int batch, int batches, GradientEngine.StepStats stats) {
    }

    /** After each epoch (and its evaluation). */
    default void onEpoch(EpochResult result) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
