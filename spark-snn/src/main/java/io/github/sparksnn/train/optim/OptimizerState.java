package io.github.sparksnn.train.optim;

import java.util.Arrays;

/**
 * The exportable state of an {@link Optimizer}: its kind, step count and moment buffers (deep copies). Saved with a
 * checkpoint, it lets a resumed run continue bit for bit. Plain data on purpose, not {@code Serializable}: a
 * checkpoint stores it as named float vectors ({@link Optimizer#bufferNames()}) and scalars, so that reading a
 * checkpoint never deserializes Java objects from a file.
 *
 * @param optimizer the kind ({@link Optimizer#name()}) that produced it
 * @param spec      the producing optimizer's spec (for information)
 * @param step      steps taken
 * @param buffers   the moment buffers in a fixed order per kind (SGD: momentum; Adam/AdamW: exp_avg, exp_avg_sq);
 *                  empty before the first step
 */
public record OptimizerState(String optimizer, String spec, long step, float[][] buffers) {

    public OptimizerState {
        if (step < 0) {
            throw new IllegalArgumentException("optimizer step must be >= 0, got " + step);
        }
        buffers = deepCopy(buffers);
    }

    @Override
    public float[][] buffers() {
        return deepCopy(buffers);
    }

    /** Length of the parameter vector the buffers belong to, or -1 when there are none yet. */
    public int parameterCount() {
        return buffers.length == 0 ? -1 : buffers[0].length;
    }

    static float[][] deepCopy(float[][] b) {
        float[][] c = new float[b.length][];
        for (int i = 0; i < b.length; i++) {
            c[i] = b[i].clone();
        }
        return c;
    }

    /** Package-private access without the copy (the optimizer copies on restore itself). */
    float[][] buffersUnsafe() {
        return buffers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptimizerState s && s.optimizer.equals(optimizer) && s.spec.equals(spec)
                && s.step == step && Arrays.deepEquals(s.buffers, buffers);
    }

    @Override
    public int hashCode() {
        return (optimizer.hashCode() * 31 + spec.hashCode()) * 31 + Long.hashCode(step) * 31
                + Arrays.deepHashCode(buffers);
    }

    @Override
    public String toString() {
        return "OptimizerState[" + spec + ", step=" + step + ", buffers=" + buffers.length + "x"
                + (buffers.length == 0 ? 0 : buffers[0].length) + "]";
    }
}
