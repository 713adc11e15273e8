package io.github.sparksnn.ml.train.state;

import io.github.sparksnn.train.optim.OptimizerState;

import java.util.List;

/**
 * Everything a resumed run needs to continue bit-identically after {@code completedEpochs}: parameters,
 * buffers (batch-norm running statistics), optimizer state, the epoch counter, the history so far, and a fingerprint of the configuration so that
 * a checkpoint is never applied to a different run (other model, batch size, seed or partitioning). There is no
 * random-generator state to keep: every step's seed is derived from (run seed, epoch, step, partition).
 *
 * <p>Plain data, not {@code Serializable}: {@link CheckpointStore} writes it as float vectors and a JSON header
 * ({@link CheckpointFormat}); {@code optimizerBufferNames} name the optimizer state's buffers in order
 * ({@link UpdateRule#bufferNames()}).
 */
public record TrainingCheckpoint(String fingerprint, int completedEpochs, long globalStep, float[] params,
                                 float[] buffers, OptimizerState optimizerState, List<String> optimizerBufferNames,
                                 List<EpochMetrics> history) {
    /** Names are kept only while the state has buffers (none before an optimizer's first step). */
    public TrainingCheckpoint {
        boolean none = optimizerState.parameterCount() < 0;
        if (!none && optimizerState.buffers().length != optimizerBufferNames.size()) {
            throw new IllegalArgumentException("optimizer state " + optimizerState + " has "
                    + optimizerState.buffers().length + " buffers, named " + optimizerBufferNames);
        }
        optimizerBufferNames = none ? List.of() : List.copyOf(optimizerBufferNames);
        history = List.copyOf(history);
    }
}
