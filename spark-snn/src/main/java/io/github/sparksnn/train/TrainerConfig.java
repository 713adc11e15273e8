package io.github.sparksnn.train;

import io.github.sparksnn.train.optim.LearningRateSchedule;

/**
 * Settings of a single-JVM training run.
 *
 * @param epochs        passes over the training set (>= 0)
 * @param batchSize     samples per optimizer step (>= 1); the last batch of an epoch may be smaller (PyTorch's
 *                      {@code drop_last=False}) and its gradient is divided by its own size
 * @param learningRate  the base learning rate (> 0), scaled per epoch by {@code schedule}
 * @param schedule      the learning-rate schedule, advanced once per epoch (epoch {@code e} uses {@code t = e})
 * @param seed          drives the shuffle order and every random draw of the engine (encoder, dropout)
 * @param shuffle       reshuffle the training set each epoch (otherwise file order)
 * @param evalBatchSize samples per inference call during evaluation (>= 1)
 */
public record TrainerConfig(int epochs, int batchSize, double learningRate, LearningRateSchedule schedule, long seed,
                            boolean shuffle, int evalBatchSize) {

    public TrainerConfig {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        if (schedule == null) {
            throw new IllegalArgumentException("schedule must not be null (use LearningRateSchedule.constant())");
        }
        if (evalBatchSize < 1) {
            throw new IllegalArgumentException("evalBatchSize must be >= 1, got " + evalBatchSize);
        }
    }

    /** Defaults: constant rate, shuffled, evaluation in chunks of 1000. */
    public static TrainerConfig of(int epochs, int batchSize, double learningRate, long seed) {
        return new TrainerConfig(epochs, batchSize, learningRate, LearningRateSchedule.constant(), seed, true, 1000);
    }

    public TrainerConfig withSchedule(LearningRateSchedule s) {
        return new TrainerConfig(epochs, batchSize, learningRate, s, seed, shuffle, evalBatchSize);
    }

    public TrainerConfig withShuffle(boolean s) {
        return new TrainerConfig(epochs, batchSize, learningRate, schedule, seed, s, evalBatchSize);
    }

    public TrainerConfig withEvalBatchSize(int n) {
        return new TrainerConfig(epochs, batchSize, learningRate, schedule, seed, shuffle, n);
    }
}
