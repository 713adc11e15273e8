package io.github.sparksnn.ml.train.plan;

import java.util.SplittableRandom;

/**
 * Which samples make up each global mini-batch.
 *
 * <p>With {@code N} samples in total and global batch size {@code B} an epoch has {@code S = ceil(N / B)}
 * steps. Partition {@code p} holding {@code n_p} samples shuffles them once per epoch with the permutation
 * {@link #permutation} (seeded from run seed, epoch and partition) and contributes, at step {@code s}, the
 * slice {@code [floor(s n_p / S), floor((s+1) n_p / S))} of that permutation. Every sample is used once
 * per epoch and each global batch holds about {@code B} samples spread over partitions in proportion to
 * their sizes (exactly {@code B} when every {@code n_p} is a multiple of {@code S}). The plan is a pure
 * function of its inputs, so a single-JVM reference can rebuild the same batches.
 */
public final class BatchPlan {
    private BatchPlan() {
    }

    /** Steps per epoch: {@code ceil(totalSamples / batchSize)}, at least 1. */
    public static int stepsPerEpoch(long totalSamples, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        return (int) Math.max(1, (totalSamples + batchSize - 1) / batchSize);
    }

    /** Start (inclusive) of partition {@code p}'s share at {@code step}, as a position in its permutation. */
    public static int shareStart(int partitionSize, int step, int stepsPerEpoch) {
        return (int) ((long) step * partitionSize / stepsPerEpoch);
    }

    /** End (exclusive) of the share at {@code step}. */
    public static int shareEnd(int partitionSize, int step, int stepsPerEpoch) {
        return shareStart(partitionSize, step + 1, stepsPerEpoch);
    }

    /** The epoch's shuffle of a partition's {@code n} samples (Fisher-Yates, deterministic from the seeds). */
    public static int[] permutation(int n, long runSeed, int epoch, int partition) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(Seeds.derive(runSeed, Seeds.SHUFFLE, epoch, partition));
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    /** Seed of the engine call for (epoch, step, partition): drives Poisson encoding and dropout. */
    public static long stepSeed(long runSeed, int epoch, int step, int partition) {
        return Seeds.derive(runSeed, Seeds.STEP, epoch, step, partition);
    }
}
