package io.github.sparksnn.ml.train.state;

import io.github.sparksnn.train.optim.OptimizerState;

import java.io.Serializable;
import java.util.List;

/**
 * The driver-side parameter update the distributed loop applies after each aggregated step: an optimizer
 * (SGD, Adam, ...) seen through the operations the loop and its checkpoints need. The core's
 * {@code train.optim.Optimizer} is adapted to it by {@link OptimizerUpdateRule}.
 *
 * <p>The state is plain data ({@link OptimizerState}: kind, step count, named float buffers), never an arbitrary
 * {@code Serializable}: {@link CheckpointStore} writes it as named vectors and reads it back without Java
 * deserialization, checking the kind and the buffer names against a fresh rule's. (The rule itself is
 * {@code Serializable} only so that Spark can ship the factory to executors.)
 */
public interface UpdateRule extends Serializable {

    /** In place: {@code params <- update(params, meanGrad)} at learning rate {@code lr}. */
    void step(float[] params, float[] meanGrad, double lr);

    /**
     * True when the rule is element-wise (element i of the result depends on element i of the parameters, the
     * gradient and its own state only, with scalars fixed per step), so that the driver may apply it piece by piece
     * as the sum arrives ({@code StreamedRound}) through {@link #begin}. SGD, Adam and AdamW are.
     */
    default boolean elementWise() {
        return false;
    }

    /**
     * Begins one element-wise step over {@code n} parameters (see {@code Optimizer.begin}): counts the step and fixes
     * its scalars; the returned update must then be applied once to every index. Only for {@link #elementWise} rules.
     */
    default io.github.sparksnn.train.optim.Optimizer.Update begin(int n, double lr) {
        throw new UnsupportedOperationException(getClass().getName() + " is not an element-wise update rule");
    }

    /** A snapshot of the internal state (moments, step counter) for checkpoints. */
    OptimizerState state();

    /**
     * Restores a snapshot taken by {@link #state()}, so the next step equals an uninterrupted run's.
     *
     * @throws IllegalArgumentException when the state belongs to another kind of rule or has the wrong shape
     */
    void restore(OptimizerState state);

    /** The names of the state's buffers, in order, once it has any (see {@code Optimizer#bufferNames()}). */
    List<String> bufferNames();

    /** Creates update rules, on the driver and (for local steps with {@code syncInterval > 1}) on executors. */
    interface Factory extends Serializable {
        UpdateRule create(int numParameters);
    }
}
