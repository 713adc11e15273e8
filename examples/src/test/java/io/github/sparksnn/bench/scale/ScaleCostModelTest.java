package io.github.sparksnn.bench.scale;

import io.github.sparksnn.ml.train.net.AggregationTree;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cost model's arithmetic on trees small enough to count by hand. */
class ScaleCostModelTest {

    @Test
    void pendingBlocksFollowOrderedSumsAlignedPowersOfTwo() {
        assertEquals(1, ScaleCostModel.pendingBlocks(4, 0, 4));
        assertEquals(2, ScaleCostModel.pendingBlocks(4, 1, 3));   // leaves 1 and 2 lie in different pairs
        assertEquals(1, ScaleCostModel.pendingBlocks(4, 2, 4));
        assertEquals(3, ScaleCostModel.pendingBlocks(8, 1, 6));   // {1}, [2,4), [4,6)
        assertEquals(1, ScaleCostModel.pendingBlocks(3, 2, 3));   // the last leaf's empty sibling passes it up
        assertEquals(1, ScaleCostModel.pendingBlocks(1, 0, 1));
    }

    @Test
    void fanInsAndFanOutsOfAStarAndOfATree() {
        assertEquals(1, ScaleCostModel.maxSumFanIn(new AggregationTree(1, 2)));
        assertEquals(2, ScaleCostModel.maxSumFanIn(new AggregationTree(2, 2)));   // P <= fan-in: star
        assertEquals(8, ScaleCostModel.maxSumFanIn(new AggregationTree(8, 0)));
        // P = 8, fan-in 2: blocks [0,4) and [4,8); 0 <- {1, 2}, 2 <- {3}; 4 <- {5, 6}, 6 <- {7}.
        AggregationTree t = new AggregationTree(8, 2);
        assertEquals(List.of(1, 2), t.children(0));
        assertEquals(List.of(0, 4), t.driverChildren());
        assertEquals(2, ScaleCostModel.maxSumFanIn(t));
        assertEquals(2, ScaleCostModel.maxStateFanOut(t));
        assertEquals(8, ScaleCostModel.maxStateFanOut(new AggregationTree(8, 0)));
        // P = 64, fan-in 2: blocks of 32, so partitions 0 and 32 each receive 5 sums, one per child link.
        assertEquals(5, ScaleCostModel.maxSumFanIn(new AggregationTree(64, 2)));
        for (int p = 1; p <= 64; p++) {
            AggregationTree any = new AggregationTree(p, 2);
            for (int q = 0; q < p; q++) {
                assertEquals(1, ScaleCostModel.vectorsSent(any, q), "P=" + p + ": one vector up from " + q);
            }
        }
        // Busiest link: partition 0 at P = 8, fan-in 2 receives 2 sums and a state, and sends 2 states and a sum.
        assertEquals(3, ScaleCostModel.busiestLinkVectors(t));
        assertEquals(2, ScaleCostModel.busiestLinkVectors(new AggregationTree(2, 2)));
        assertEquals(1, ScaleCostModel.busiestLinkVectors(new AggregationTree(1, 2)));
    }

    @Test
    void linkTimeIsWireBytesOverTheRate() {
        ScaleCostModel m = new ScaleCostModel(1_000_000, 1);
        double wire = 4e6 * ScaleCostModel.WIRE_PER_PAYLOAD;
        assertEquals(wire, m.vectorWireBytes(), 1e-6);
        assertEquals(wire * 8 / 1e9 * 1e3, m.linkMs(1), 1e-9);   // 32 ms at one byte on the link per byte sent
        assertEquals(2 * m.linkMs(1), new ScaleCostModel(1_000_000, 0.5).linkMs(1), 1e-9);
    }

    @Test
    void predictionAddsDownComputeUpAndOverhead() {
        ScaleCostModel m = new ScaleCostModel(1_000_000, 1);
        double v = m.linkMs(1);
        // One task: one state down, one vector up.
        ScaleCostModel.Prediction one = m.predict(1, 2, 10, 5);
        assertEquals(v, one.downMs(), 1e-9);
        assertEquals(v, one.upMs(), 1e-9);
        assertEquals(2 * v + 15, one.stepMs(), 1e-9);
        // P = 8, fan-in 2 (depth 3: 3 -> 2 -> 0 -> driver): 2 copies down and 2 sums into the busiest node, plus
        // one 256 KB piece of latency per level below the first, each way.
        double piece = (double) ScaleCostModel.PIECE_BYTES / m.vectorWireBytes();
        assertEquals((2 + 2 * piece) * v + 10 + (2 + 2 * piece) * v + 5, m.predict(8, 2, 10, 5).stepMs(), 1e-9);
        // Star of 8: 8 copies down, 8 vectors up, no relaying.
        assertEquals(16 * v + 10, m.predict(8, 0, 10, 0).stepMs(), 1e-9);
        // The overhead fitted on a row reproduces that row.
        double o = m.overheadFrom(1, 2, 100, 10);
        assertEquals(100, m.predict(1, 2, 10, o).stepMs(), 1e-9);
    }
}
