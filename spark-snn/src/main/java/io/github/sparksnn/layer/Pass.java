package io.github.sparksnn.layer;

/**
 * The settings of one forward pass over a chunk of samples, shared by all layers (reused, not reallocated).
 * Activations are laid out {@code [T, N, features...]}, row-major, so a weight-shared layer treats them as
 * {@code T * N} rows.
 */
public final class Pass {
    /** Time steps. */
    public int timeSteps;
    /** Samples in this chunk. */
    public int samples;
    /** Training mode (dropout active, batch statistics) or inference. */
    public boolean training;
    /** Seed of every random draw in this pass (dropout masks). */
    public long seed;
    /** Index of the chunk's first sample within the call, for counter-based random draws. */
    public long sampleBase;
    /** Single-step (streaming) mode: neurons keep their membrane state across passes until reset. */
    public boolean keepState;

    public Pass set(int timeSteps, int samples, boolean training, long seed, long sampleBase) {
        this.timeSteps = timeSteps;
        this.samples = samples;
        this.training = training;
        this.seed = seed;
        this.sampleBase = sampleBase;
        this.keepState = false;
        return this;
    }

    /** {@code T * N}: the rows a weight-shared layer processes. */
    public int rows() {
        return timeSteps * samples;
    }
}
