package io.github.sparksnn.ml.train;

import java.io.Serializable;
import java.util.List;

/**
 * Everything a resumed run needs to continue bit-identically after {@code completedEpochs}: parameters,
 * buffers (batch-norm running statistics), optimizer state, the epoch counter, the history so far, and a fingerprint of the configuration so that
 * a checkpoint is never applied to a different run (other model, batch size, seed or partitioning).
 */
public record TrainingCheckpoint(String fingerprint, int completedEpochs, long globalStep, float[] params,
                                 float[] buffers, Serializable optimizerState, List<EpochMetrics> history)
        implements Serializable {
}
