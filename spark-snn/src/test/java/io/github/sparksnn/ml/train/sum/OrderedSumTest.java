package io.github.sparksnn.ml.train.sum;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class OrderedSumTest {

    /** Reference: the same tree computed recursively, independent of the merge machinery. */
    private static float[] treeSum(float[][] leaves, int lo, int size) {
        if (size == 1) {
            return leaves[lo].clone();
        }
        int half = size / 2;
        float[] l = treeSum(leaves, lo, half);
        if (lo + half >= leaves.length) {
            return l;
        }
        float[] r = treeSum(leaves, lo + half, half);
        for (int i = 0; i < l.length; i++) {
            l[i] += r[i];
        }
        return l;
    }

    @Test
    void anyMergeOrderGivesTheSameBitsAsTheFixedTree() {
        Random rnd = new Random(7);
        for (int p : new int[]{1, 2, 3, 5, 8, 13}) {
            float[][] leaves = new float[p][64];
            for (float[] v : leaves) {
                for (int i = 0; i < v.length; i++) {
                    // Wildly different magnitudes make float addition visibly non-associative.
                    v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
                }
            }
            int top = 1;
            while (top < p) {
                top *= 2;
            }
            float[] expected = treeSum(leaves, 0, top);
            for (int trial = 0; trial < 20; trial++) {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < p; i++) {
                    order.add(i);
                }
                Collections.shuffle(order, rnd);
                // Random grouping: partial sums built separately, then merged in random order.
                List<OrderedSum> parts = new ArrayList<>();
                for (int i : order) {
                    OrderedSum s = new OrderedSum(p).add(i, new OrderedSum.Node(leaves[i].clone(), i, 1, 2, 0));
                    if (!parts.isEmpty() && rnd.nextBoolean()) {
                        parts.get(rnd.nextInt(parts.size())).merge(s);
                    } else {
                        parts.add(s);
                    }
                }
                Collections.shuffle(parts, rnd);
                OrderedSum total = new OrderedSum(p);
                for (OrderedSum s : parts) {
                    total.merge(s);
                }
                OrderedSum.Node root = total.result();
                assertArrayEquals(expected, root.vector, 0f, "p=" + p);
                assertEquals(2L * p, root.count);
                assertEquals(p, root.correct);
                assertEquals(p * (p - 1) / 2.0, root.lossSum, 0.0);
            }
        }
    }

    @Test
    void naiveSumsDependOnOrderWhichIsWhyTheTreeExists() {
        float a = 1e8f, b = -1e8f, c = 1f;
        assertNotEquals((a + b) + c, a + (b + c));
    }

    @Test
    void emptyPartitionsAndErrors() {
        OrderedSum s = new OrderedSum(3);
        s.add(1, new OrderedSum.Node(null, 0, 0, 0, 0));
        assertFalse(s.isComplete());
        assertThrows(IllegalStateException.class, s::result);
        s.add(0, new OrderedSum.Node(new float[]{1, 2}, 1, 1, 1, 0));
        assertThrows(IllegalStateException.class,
                () -> new OrderedSum(3).add(0, new OrderedSum.Node(null, 0, 0, 0, 0))
                        .add(0, new OrderedSum.Node(null, 0, 0, 0, 0)));
        s.add(2, new OrderedSum.Node(new float[]{10, 20}, 1, 1, 1, 0));
        assertArrayEquals(new float[]{11, 22}, s.result().vector);
        assertThrows(IllegalArgumentException.class, () -> new OrderedSum(3).add(3, null));
        assertThrows(IllegalArgumentException.class, () -> new OrderedSum(2).merge(new OrderedSum(3)));
    }
}
