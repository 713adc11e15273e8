package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class AggregationTreeTest {

    @Test
    void fanInTwoOverFivePartitions() {
        AggregationTree t = new AggregationTree(5, 2);
        // Blocks of 4 under the driver: [0,4) headed by 0 and [4,5) headed by 4. Inside [0,4), binomially:
        // 0 <- {1, 2}, 2 <- {3}.
        assertEquals(4, t.blockSize());
        assertEquals(List.of(0, 4), t.driverChildren());
        assertEquals(AggregationTree.DRIVER, t.parent(0));
        assertEquals(AggregationTree.DRIVER, t.parent(4));
        assertEquals(List.of(1, 2), t.children(0));
        assertEquals(List.of(3), t.children(2));
        assertEquals(List.of(), t.children(4));
        assertEquals(0, t.parent(1));
        assertEquals(2, t.parent(3));
        assertEquals(4, t.subtreeEnd(0));
        assertEquals(2, t.subtreeEnd(1));
        assertEquals(4, t.subtreeEnd(2));
        assertEquals(5, t.subtreeEnd(4));
        assertEquals(3, t.depth());
        assertEquals(3, t.height(0));
        assertEquals(1, t.height(4));
        assertFalse(t.isStar());
    }

    @Test
    void fanInOneIsOneBinomialTreeUnderPartitionZero() {
        AggregationTree t = new AggregationTree(8, 1);
        assertEquals(List.of(0), t.driverChildren());
        assertEquals(List.of(1, 2, 4), t.children(0));
        assertEquals(List.of(5, 6), t.children(4));
        assertEquals(List.of(7), t.children(6));
        assertEquals(4, t.depth(), "7 -> 6 -> 4 -> 0 -> driver");
    }

    /**
     * Every task appears in exactly one subtree; each subtree is its head plus its children's subtrees back to back;
     * the driver's children's subtrees tile {@code [0, P)}; and every subtree is one power-of-two-aligned block.
     */
    @Test
    void subtreesTileThePartitionsInAlignedBlocks() {
        for (int p = 1; p <= 64; p++) {
            for (int f = 0; f <= 9; f++) {
                AggregationTree t = new AggregationTree(p, f);
                String at = "P=" + p + " F=" + f;
                int[] reached = new int[p];
                int next = 0;
                for (int head : t.driverChildren()) {
                    assertEquals(next, head, at + ": the driver's blocks are back to back");
                    next = walk(t, head, reached, at);
                }
                assertEquals(p, next, at + ": the driver's blocks cover [0, P)");
                for (int q = 0; q < p; q++) {
                    assertEquals(1, reached[q], at + ": task " + q + " reached once");
                    int size = t.subtreeEnd(q) - q;
                    int block = Integer.highestOneBit(size) == size ? size : Integer.highestOneBit(size) * 2;
                    assertEquals(0, q % block, at + ": task " + q + "'s subtree [" + q + ", " + t.subtreeEnd(q)
                            + ") is not an aligned block");
                    assertTrue(t.subtreeEnd(q) == p || size == block, at + ": only the last block is cut short");
                }
                boolean star = f == 0 || p <= f;
                assertEquals(star, t.isStar(), at);
                assertEquals(star ? p : (p + t.blockSize() - 1) / t.blockSize(), t.driverChildren().size(), at);
                assertTrue(star || t.driverChildren().size() <= f, at + ": the driver receives at most F sums");
            }
        }
        assertEquals(1, new AggregationTree(7, 0).depth());
        assertTrue(new AggregationTree(2, 2).isStar(), "two tasks under fan-in 2: both send to the driver");
        assertEquals(2, new AggregationTree(3, 2).depth(), "three do not: blocks [0,2) and [2,3), 0 <- 1");
    }

    /** Marks {@code q}'s subtree and checks it is {@code q} plus its children's subtrees back to back. */
    private static int walk(AggregationTree t, int q, int[] reached, String at) {
        reached[q]++;
        int next = q + 1;
        for (int c : t.children(q)) {
            assertEquals(next, c, at + ": task " + q + "'s children follow each other");
            assertEquals(q, t.parent(c), at);
            next = walk(t, c, reached, at);
        }
        assertEquals(t.subtreeEnd(q), next, at + ": task " + q);
        return next;
    }

    /**
     * The counters of the scale-out issue: each task runs {@code OrderedSum} over its own leaf and what its children
     * sent, exactly as a barrier task does, and sends its pending nodes up. Every link must carry one vector, a task
     * receive one per child, the driver at most F, and the root's bits equal the sum of all leaves in any order.
     */
    @Test
    void everyLinkCarriesOneVectorAndTheBitsMatchTheFixedOrder() {
        Random rnd = new Random(17);
        for (int p = 1; p <= 64; p++) {
            float[][] leaves = new float[p][5];
            for (float[] l : leaves) {
                for (int i = 0; i < l.length; i++) {
                    l[i] = (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian() * 4));
                }
            }
            // The reference: every leaf added to one sum, in reverse order.
            OrderedSum reference = new OrderedSum(p);
            for (int q = p - 1; q >= 0; q--) {
                reference.add(q, node(leaves[q], q));
            }
            float[] expected = reference.result().vector;
            for (int f = 0; f <= 9; f++) {
                AggregationTree t = new AggregationTree(p, f);
                String at = "P=" + p + " F=" + f;
                List<List<OrderedSum.Pending>> sent = new ArrayList<>();
                for (int q = 0; q < p; q++) {
                    sent.add(null);
                }
                // Children have larger indices than their parents: sending from P-1 down is a valid post-order.
                int maxReceived = 0;
                for (int q = p - 1; q >= 0; q--) {
                    OrderedSum s = new OrderedSum(p).add(q, node(leaves[q], q));
                    int received = 0;
                    for (int c : t.children(q)) {
                        for (OrderedSum.Pending n : sent.get(c)) {
                            s.addPending(n.level(), n.index(), n.node());
                            received++;
                        }
                    }
                    assertEquals(t.children(q).size(), received, at + ": task " + q + " receives one vector per child");
                    maxReceived = Math.max(maxReceived, received);
                    sent.set(q, s.pending());
                    assertEquals(1, sent.get(q).size(), at + ": task " + q + " sends " + sent.get(q).size()
                            + " vectors up its link");
                }
                assertTrue(p == 1 || maxReceived <= 32 - Integer.numberOfLeadingZeros(p - 1),
                        at + ": a task receives at most ceil(log2 P)");
                OrderedSum driver = new OrderedSum(p);
                int atDriver = 0;
                for (int q : t.driverChildren()) {
                    for (OrderedSum.Pending n : sent.get(q)) {
                        driver.addPending(n.level(), n.index(), n.node());
                        atDriver++;
                    }
                }
                assertEquals(t.driverChildren().size(), atDriver, at + ": one vector from each driver child");
                assertTrue(t.isStar() ? atDriver == p : atDriver <= f, at + ": the driver receives " + atDriver);
                assertTrue(driver.isComplete(), at);
                assertArrayEquals(expected, driver.result().vector, 0f, at + ": same bits as the fixed order");
                assertEquals(p, driver.result().count, at);
            }
        }
    }

    private static OrderedSum.Node node(float[] leaf, int q) {
        return new OrderedSum.Node(leaf.clone(), q, 0, 1, 0);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new AggregationTree(0, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AggregationTree(3, -1));
        assertTrue(e.getMessage().contains("fanIn"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AggregationTree(3, 2).parent(3));
    }
}
