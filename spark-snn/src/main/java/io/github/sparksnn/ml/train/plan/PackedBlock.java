package io.github.sparksnn.ml.train.plan;

import java.io.Serializable;

/**
 * One partition of a training set, packed for the hot loop: {@code features} holds {@code featureSize}
 * floats per sample (row-major), {@code labels} one class index per sample. No per-row objects survive the
 * packing; a training step gathers its rows from these arrays into a scratch buffer.
 *
 * <p>Packing never throws inside a task: the first problem found (wrong length, non-finite value,
 * bad label) is recorded in {@link #problem} with the row's position, and the driver raises it before
 * training starts, so the error names the problem instead of surfacing as a task failure.
 */
public final class PackedBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int partition;
    public final int featureSize;
    public final int size;
    public final float[] features;
    public final int[] labels;
    /** Largest label seen (-1 when empty or unlabeled). */
    public final int maxLabel;
    /** Null when the partition is clean, else a message describing the first bad row. */
    public final String problem;

    public PackedBlock(int partition, int featureSize, int size, float[] features, int[] labels, int maxLabel,
                       String problem) {
        this.partition = partition;
        this.featureSize = featureSize;
        this.size = size;
        this.features = features;
        this.labels = labels;
        this.maxLabel = maxLabel;
        this.problem = problem;
    }
}
