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
    void vectorsPerLevelOfAStarAndOfATree() {
        assertEquals(List.of(1), ScaleCostModel.upVectorsPerLevel(new AggregationTree(1, 2)));
        assertEquals(List.of(2), ScaleCostModel.upVectorsPerLevel(new AggregationTree(2, 2)));   // P <= fan-in: star
        assertEquals(List.of(8), ScaleCostModel.upVectorsPerLevel(new AggregationTree(8, 0)));
        // P = 4, fan-in 2: 0 heads [0,4) with children 1 ([1,3): two blocks) and 3 ([3,4)); 1 has child 2.
        AggregationTree t = new AggregationTree(4, 2);
        assertEquals(List.of(1, 3), t.children(0));
        assertEquals(List.of(2), t.children(1));
        assertEquals(List.of(1, 3, 1), ScaleCostModel.upVectorsPerLevel(t));
        assertEquals(2, ScaleCostModel.maxStateFanOut(t));
        assertEquals(8, ScaleCostModel.maxStateFanOut(new AggregationTree(8, 0)));
        // Busiest link: partition 0 receives 3 partial vectors and one state.
        assertEquals(4, ScaleCostModel.busiestLinkVectors(t));
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
        // P = 4, fan-in 2: down 2 copies (partition 0 to its two children), up 1 + 3 + 1 vectors.
        assertEquals(2 * v + 10 + 5 * v + 5, m.predict(4, 2, 10, 5).stepMs(), 1e-9);
        // Star of 8: 8 copies down, 8 vectors up.
        assertEquals(16 * v + 10, m.predict(8, 0, 10, 0).stepMs(), 1e-9);
        // The overhead fitted on a row reproduces that row.
        double o = m.overheadFrom(1, 2, 100, 10);
        assertEquals(100, m.predict(1, 2, 10, o).stepMs(), 1e-9);
    }
}
