package io.github.sparksnn.ml.train.plan;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class BatchPlanTest {

    @Test
    void everySampleOncePerEpochAndBatchesNearTheGlobalSize() {
        int[] sizes = {103, 97, 0, 55};
        int total = Arrays.stream(sizes).sum();
        int batch = 16;
        int steps = BatchPlan.stepsPerEpoch(total, batch);
        assertEquals((total + batch - 1) / batch, steps);
        for (int p = 0; p < sizes.length; p++) {
            int n = sizes[p];
            int[] perm = BatchPlan.permutation(n, 42, 3, p);
            boolean[] seen = new boolean[n];
            int covered = 0;
            for (int s = 0; s < steps; s++) {
                int from = BatchPlan.shareStart(n, s, steps);
                int to = BatchPlan.shareEnd(n, s, steps);
                assertTrue(to >= from);
                assertEquals(from, covered, "shares are contiguous");
                for (int i = from; i < to; i++) {
                    assertFalse(seen[perm[i]]);
                    seen[perm[i]] = true;
                }
                covered = to;
            }
            assertEquals(n, covered);
        }
        for (int s = 0; s < steps; s++) {
            int b = 0;
            for (int n : sizes) {
                b += BatchPlan.shareEnd(n, s, steps) - BatchPlan.shareStart(n, s, steps);
            }
            assertTrue(Math.abs(b - (double) total / steps) <= sizes.length, "step " + s + " has " + b);
        }
    }

    @Test
    void shufflesAreSeededPerEpochAndPartition() {
        assertArrayEquals(BatchPlan.permutation(50, 1, 0, 0), BatchPlan.permutation(50, 1, 0, 0));
        assertFalse(Arrays.equals(BatchPlan.permutation(50, 1, 0, 0), BatchPlan.permutation(50, 1, 1, 0)));
        assertFalse(Arrays.equals(BatchPlan.permutation(50, 1, 0, 0), BatchPlan.permutation(50, 1, 0, 1)));
        assertFalse(Arrays.equals(BatchPlan.permutation(50, 1, 0, 0), BatchPlan.permutation(50, 2, 0, 0)));
        assertNotEquals(BatchPlan.stepSeed(1, 0, 1, 0), BatchPlan.stepSeed(1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> BatchPlan.stepsPerEpoch(10, 0));
    }
}
