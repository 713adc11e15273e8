package io.github.sparksnn.backend;

/**
 * A counter-based uniform generator. Element {@code e} of a stream draws from the 64 mixed bits
 * {@code z = bits(seed, e >>> 1)} (SplitMix64's finalizer applied to {@code seed + (e >>> 1) * golden}): even
 * elements take bits 40..63, odd elements bits 16..39, so one hash serves two elements. Stateless, so any element
 * can be drawn independently (on CPU threads or GPU threads) and the draw does not depend on how a batch is split.
 */
public final class CounterRng {
    private CounterRng() {
    }

    /** 64 mixed bits for (seed, counter). */
    public static long bits(long seed, long counter) {
        long z = seed + counter * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Element {@code counter}'s uniform float in [0, 1) on a 2^-24 grid. */
    public static float uniform(long seed, long counter) {
        long z = bits(seed, counter >>> 1);
        return ((counter & 1) == 0 ? (z >>> 40) : ((z >>> 16) & 0xFFFFFF)) * 0x1.0p-24f;
    }

    /** The even element's uniform from a pair's bits. */
    public static float high(long z) {
        return (z >>> 40) * 0x1.0p-24f;
    }

    /** The odd element's uniform from a pair's bits. */
    public static float low(long z) {
        return ((z >>> 16) & 0xFFFFFF) * 0x1.0p-24f;
    }

    /** Derives a sub-stream seed (e.g. per layer) from a seed and a tag. */
    public static long derive(long seed, long tag) {
        return bits(seed ^ 0x5DEECE66DL, tag);
    }
}
