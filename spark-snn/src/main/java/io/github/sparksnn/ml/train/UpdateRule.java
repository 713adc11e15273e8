package io.github.sparksnn.ml.train;

import java.io.Serializable;

/**
 * The driver-side parameter update the distributed loop applies after each aggregated step: an optimizer
 * (SGD, Adam, ...) seen through the three operations the loop and its checkpoints need. The core's
 * {@code train.optim.Optimizer} is adapted to it by {@link OptimizerUpdateRule}.
 */
public interface UpdateRule extends Serializable {

    /** In place: {@code params <- update(params, meanGrad)} at learning rate {@code lr}. */
    void step(float[] params, float[] meanGrad, double lr);

    /** A snapshot of the internal state (moments, step counter) for checkpoints. */
    Serializable state();

    /** Restores a snapshot taken by {@link #state()}, so the next step equals an uninterrupted run's. */
    void restore(Serializable state);

    /** Creates update rules, on the driver and (for local steps with {@code syncInterval > 1}) on executors. */
    interface Factory extends Serializable {
        UpdateRule create(int numParameters);
    }
}
