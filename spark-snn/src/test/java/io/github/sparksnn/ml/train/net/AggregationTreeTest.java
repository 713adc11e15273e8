package io.github.sparksnn.ml.train.net;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class AggregationTreeTest {

    @Test
    void fanInTwoOverFivePartitions() {
        AggregationTree t = new AggregationTree(5, 2);
        // 0 heads [0,5): children head [1,3) and [3,5); 1 heads [1,3) with child 2; 3 heads [3,5) with child 4.
        assertEquals(AggregationTree.DRIVER, t.parent(0));
        assertEquals(List.of(1, 3), t.children(0));
        assertEquals(List.of(2), t.children(1));
        assertEquals(List.of(4), t.children(3));
        assertEquals(0, t.parent(1));
        assertEquals(1, t.parent(2));
        assertEquals(3, t.parent(4));
        assertEquals(5, t.subtreeEnd(0));
        assertEquals(3, t.subtreeEnd(1));
        assertEquals(5, t.subtreeEnd(3));
        assertEquals(List.of(0), t.driverChildren());
        assertEquals(3, t.depth());
        assertEquals(3, t.height(0));
        assertEquals(1, t.height(4));
    }

    @Test
    void everyShapeCoversEachPartitionOnceWithContiguousSubtrees() {
        for (int p = 1; p <= 40; p++) {
            for (int f = 0; f <= 5; f++) {
                AggregationTree t = new AggregationTree(p, f);
                int[] seen = new int[p];
                for (int q = 0; q < p; q++) {
                    // q's subtree [q, end) is q plus its children's subtrees, back to back in index order.
                    int next = q + 1;
                    for (int c : t.children(q)) {
                        assertEquals(next, c, "P=" + p + " f=" + f + " task " + q);
                        assertEquals(q, t.parent(c));
                        next = t.subtreeEnd(c);
                    }
                    assertEquals(t.subtreeEnd(q), next);
                    assertTrue(t.children(q).size() <= (f == 0 ? 0 : f));
                    seen[q]++;
                }
                assertArrayEquals(new int[p], java.util.Arrays.stream(seen).map(x -> x - 1).toArray());
                assertEquals(f == 0 || p <= f ? p : 1, t.driverChildren().size());
                assertEquals(f == 0 || p <= f, t.isStar());
            }
        }
        assertEquals(1, new AggregationTree(7, 0).depth());
        assertEquals(7, new AggregationTree(7, 1).depth(), "fan-in 1 is a chain");
        assertTrue(new AggregationTree(2, 2).isStar(), "two tasks under fan-in 2: both send to the driver");
        assertEquals(2, new AggregationTree(3, 2).depth(), "three do not: 0 <- {1, 2}");
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new AggregationTree(0, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AggregationTree(3, -1));
        assertTrue(e.getMessage().contains("fanIn"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AggregationTree(3, 2).parent(3));
    }
}
