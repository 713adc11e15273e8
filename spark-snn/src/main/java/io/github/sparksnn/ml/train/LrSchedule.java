package io.github.sparksnn.ml.train;

import io.github.sparksnn.train.optim.LearningRateSchedule;
import io.github.sparksnn.train.optim.LearningRateSchedules;

import java.io.Serializable;

/**
 * The learning rate of a step, given its 0-based epoch and step within the epoch. Evaluated on the driver only
 * (local steps receive their rates as numbers).
 */
@FunctionalInterface
public interface LrSchedule extends Serializable {
    double at(int epoch, int step, int stepsPerEpoch, int epochs);

    static LrSchedule constant(double lr) {
        return (e, s, n, t) -> lr;
    }

    /**
     * The core's schedules ({@code constant}, {@code cosine(...)}), advanced once per epoch as the single-JVM
     * {@code train.Trainer} does (PyTorch's usual {@code scheduler.step()} per epoch); an open cosine horizon
     * spans all epochs.
     */
    static LrSchedule perEpoch(double baseLr, String scheduleSpec, int epochs) {
        LearningRateSchedule s = LearningRateSchedules.parse(scheduleSpec).resolve(Math.max(1, epochs));
        double[] rates = new double[Math.max(1, epochs)];
        for (int e = 0; e < rates.length; e++) {
            rates[e] = s.learningRate(baseLr, e);
        }
        return (e, st, n, t) -> rates[Math.min(e, rates.length - 1)];
    }
}
