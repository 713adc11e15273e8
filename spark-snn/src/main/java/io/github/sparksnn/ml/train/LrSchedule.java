package io.github.sparksnn.ml.train;

import java.io.Serializable;

/** Learning rate as a function of the global step (0-based) out of {@code totalSteps}. */
@FunctionalInterface
public interface LrSchedule extends Serializable {
    double at(long globalStep, long totalSteps);

    static LrSchedule constant(double lr) {
        return (s, t) -> lr;
    }
}
