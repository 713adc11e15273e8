package io.github.sparksnn.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector Poisson draws against the definition {@code uniform(seed, counter) < x}, at the edges that random
 * inputs almost never reach (an off-by-one there shows once in 2^24 draws): inputs equal to each lane's own draw,
 * one float above and below it, and every class of float.
 */
class VectorPoissonTest {

    @Test
    void drawsFireExactlyWhereTheUniformIsBelowTheInput() {
        assumeTrue(io.github.sparksnn.surrogate.SurrogateMath.vectorized(), "needs the Vector API");
        int n = 1003;
        long[] offs = new long[n];
        for (int i = 0; i < n; i++) {
            offs[i] = i * CounterRng.GOLDEN;
        }
        float[] special = {0f, -0f, 1f, -1f, Float.NaN, -Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, 3e-39f, Float.MAX_VALUE, Math.nextDown(1f), Math.nextUp(1f), 0x1p-24f, 0x1p-25f, 1.5f};
        SplittableRandom r = new SplittableRandom(4);
        for (long state : new long[] {0L, -1L, 0x123456789abcdefL, Long.MIN_VALUE, r.nextLong()}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                float u = (CounterRng.mix(state + offs[i]) >>> 40) * 0x1p-24f; // this lane's uniform
                x[i] = switch (i % 5) {
                    case 0 -> u;                      // equal: does not fire
                    case 1 -> Math.nextUp(u);         // just above: fires
                    case 2 -> Math.nextDown(u);       // just below: does not fire
                    case 3 -> special[(i / 5) % special.length];
                    default -> (float) r.nextDouble();
                };
            }
            float[] scaled = new float[n], got = new float[n];
            for (int i = 0; i < n; i++) {
                scaled[i] = x[i] * 16777216f;
            }
            VectorPoisson.draws(state, offs, scaled, got, n);
            for (int i = 0; i < n; i++) {
                float u = (CounterRng.mix(state + offs[i]) >>> 40) * 0x1p-24f;
                float want = u < x[i] ? 1f : 0f;
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]),
                        "state " + state + ", i " + i + ", x " + x[i] + ", u " + u);
            }
        }
    }
}
