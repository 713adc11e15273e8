package io.github.sparksnn.surrogate;

import java.util.SplittableRandom;

/**
 * Upstream's {@code poisson_pass}: the forward pass draws a spike {@code Bernoulli(p)} per element (p is a firing
 * probability in [0, 1]); the backward pass passes the gradient through unchanged (straight-through).
 *
 * <p>Draws use {@link SplittableRandom}: {@code spike = u < p} with {@code u} uniform in [0, 1), so {@code p = 0}
 * never fires and {@code p = 1} always does. The same seed gives the same spikes. Probabilities are validated
 * before anything is drawn or written: NaN or a value outside [0, 1] raises an {@link IllegalArgumentException}
 * naming the index and the value (nothing is clipped).
 */
public final class PoissonPass {
    private PoissonPass() {
    }

    /** Forward with a fresh generator seeded by {@code seed}. */
    public static void forward(float[] p, int pOff, float[] spikes, int sOff, int n, long seed) {
        forward(p, pOff, spikes, sOff, n, new SplittableRandom(seed));
    }

    /** {@code spikes[sOff + i] = 1 if u_i < p[pOff + i] else 0}, consuming {@code n} doubles from {@code rng}. */
    public static void forward(float[] p, int pOff, float[] spikes, int sOff, int n, SplittableRandom rng) {
        if (rng == null) {
            throw new IllegalArgumentException("PoissonPass: the random generator must not be null");
        }
        checkRange("p", p, pOff, n);
        checkRange("spikes", spikes, sOff, n);
        for (int i = 0; i < n; i++) {
            float v = p[pOff + i];
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException("PoissonPass: probability at index " + (pOff + i) + " is " + v
                        + ", expected a value in [0, 1]");
            }
        }
        for (int i = 0; i < n; i++) {
            spikes[sOff + i] = rng.nextDouble() < p[pOff + i] ? 1f : 0f;
        }
    }

    /** Straight-through backward: {@code gradIn[gOff + i] = gradOut[gOff + i]} (in place allowed). */
    public static void backward(float[] gradOut, float[] gradIn, int gOff, int n) {
        checkRange("gradOut", gradOut, gOff, n);
        checkRange("gradIn", gradIn, gOff, n);
        if (gradOut != gradIn) {
            System.arraycopy(gradOut, gOff, gradIn, gOff, n);
        }
    }

    private static void checkRange(String what, float[] a, int off, int n) {
        if (a == null) {
            throw new IllegalArgumentException("PoissonPass: " + what + " must not be null");
        }
        if (off < 0 || n < 0 || off > a.length - n) {
            throw new IllegalArgumentException("PoissonPass: " + what + " slice [" + off + ", " + off + " + " + n
                    + ") is outside an array of length " + a.length);
        }
    }
}
