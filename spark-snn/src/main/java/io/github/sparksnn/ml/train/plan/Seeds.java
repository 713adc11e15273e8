package io.github.sparksnn.ml.train.plan;

/**
 * Seed derivation for distributed training: every random draw of a run is a pure function of
 * (run seed, epoch, step, partition), never of which executor ran a task, how often it was retried or in
 * which order tasks finished. Mixing uses SplitMix64's finalizer, applied after each component so that
 * neighbouring tuples (step 1 vs. partition 1) give unrelated seeds.
 */
public final class Seeds {
    private Seeds() {
    }

    /** SplitMix64 finalizer: a bijective 64-bit mix with full avalanche. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A seed derived from a base seed and any number of components, order-sensitive. */
    public static long derive(long base, long... components) {
        long h = mix64(base + 0x9e3779b97f4a7c15L);
        for (long c : components) {
            h = mix64(h ^ mix64(c + 0x9e3779b97f4a7c15L));
        }
        return h;
    }

    /** Purposes, so that the shuffle seed of (epoch, partition) never equals a step seed. */
    public static final long SHUFFLE = 0x5348554646L;
    public static final long STEP = 0x53544550L;
    public static final long EVAL = 0x4556414cL;

    /**
     * Seed of an inference chunk: rows {@code [chunkStart, chunkStart + 256)} of a partition (the chunking every
     * batched inference path uses, so that the model and its layer stages draw the same Poisson spikes).
     */
    public static long inference(long modelSeed, int partition, long chunkStart) {
        return derive(modelSeed, EVAL, partition, chunkStart);
    }

    /** Rows per inference chunk. */
    public static final int INFERENCE_CHUNK = 256;
}
