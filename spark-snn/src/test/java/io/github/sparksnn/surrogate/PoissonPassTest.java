package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bernoulli forward (rate, determinism, edges, validation) and straight-through backward. */
class PoissonPassTest {

    @Test
    void firingRateMatchesTheProbability() {
        int n = 200_000;
        for (float p : new float[] {0.05f, 0.3f, 0.5f, 0.9f}) {
            float[] probs = new float[n];
            java.util.Arrays.fill(probs, p);
            float[] s = new float[n];
            PoissonPass.forward(probs, 0, s, 0, n, 17L);
            double sum = 0;
            for (float v : s) {
                assertTrue(v == 0f || v == 1f);
                sum += v;
            }
            double sd = Math.sqrt(p * (1 - p) / n);
            assertEquals(p, sum / n, 5 * sd, "rate at p = " + p); // 5 sigma: fails with probability < 1e-6
        }
    }

    @Test
    void edgesAreDeterministicAndSeedsReproduce() {
        float[] p = {0f, 1f, 0f, 1f, 0.5f, 0.5f, 0.5f, 0.5f};
        float[] a = new float[p.length + 2];
        PoissonPass.forward(p, 0, a, 2, p.length, 5L);
        assertEquals(0f, a[2]);
        assertEquals(1f, a[3]);
        assertEquals(0f, a[4]);
        assertEquals(1f, a[5]);
        assertEquals(0f, a[0]);
        float[] b = new float[p.length + 2];
        PoissonPass.forward(p, 0, b, 2, p.length, new SplittableRandom(5L));
        assertArrayEquals(a, b, "the long seed and a generator with that seed agree");
        // a generator is consumed: the next call continues the stream
        SplittableRandom rng = new SplittableRandom(9L);
        float[] big = new float[64];
        java.util.Arrays.fill(big, 0.5f);
        float[] first = new float[64];
        float[] second = new float[64];
        PoissonPass.forward(big, 0, first, 0, 64, rng);
        PoissonPass.forward(big, 0, second, 0, 64, rng);
        assertTrue(!java.util.Arrays.equals(first, second), "2^-64 chance of a false failure");
    }

    @Test
    void badProbabilitiesAreRejectedNamingIndexAndValue() {
        float[] s = new float[4];
        for (float bad : new float[] {Float.NaN, -0.01f, 1.0001f, Float.POSITIVE_INFINITY}) {
            float[] p = {0.5f, 0.5f, bad, 0.5f};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PoissonPass.forward(p, 0, s, 0, 4, 1L));
            assertTrue(e.getMessage().contains("index 2") && e.getMessage().contains(Float.toString(bad)), e.getMessage());
        }
        assertArrayEquals(new float[4], s, "nothing written before validation");
        assertThrows(IllegalArgumentException.class, () -> PoissonPass.forward(new float[2], 0, s, 0, 3, 1L));
        assertThrows(IllegalArgumentException.class, () -> PoissonPass.forward(new float[2], 0, s, 0, 2, null));
    }

    @Test
    void backwardPassesTheGradientThrough() {
        float[] g = {1f, -2f, 3.5f, Float.NaN};
        float[] out = new float[4];
        PoissonPass.backward(g, out, 1, 3);
        assertArrayEquals(new float[] {0f, -2f, 3.5f, Float.NaN}, out);
        PoissonPass.backward(g, g, 0, 4); // in place is a no-op
        assertArrayEquals(new float[] {1f, -2f, 3.5f, Float.NaN}, g);
        assertThrows(IllegalArgumentException.class, () -> PoissonPass.backward(g, out, 2, 3));
    }
}
