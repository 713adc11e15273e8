package io.github.sparksnn.bench.scale;

import io.github.sparksnn.ml.train.net.AggregationTree;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void withoutOverlapTheRoundIsTheBusiestLinksVectorsPlusOnePieceAHop() {
        ScaleCostModel m = new ScaleCostModel(1_000_000, 1);
        double v = m.linkMs(1);                        // 32 ms: 4 MB at 1 Gbit/s
        double piece = ScaleCostModel.PIECE_BYTES * 8 / 1e9 * 1e3;   // 0.524 ms for 64 KB
        double head = ScaleCostModel.HEAD_BYTES * 8 / 1e9 * 1e3;     // 0.033 ms for the 4 KB first piece
        // One task: its sum up and the state down move at once (full duplex), so one vector's time, plus the way
        // back down of the last whole piece (the down link is still passing it when the small first piece arrives).
        ScaleCostModel.Prediction one = m.predict(1, 2, 10, 5);
        assertEquals(1, one.busiestVectors());
        assertEquals(v + piece, one.exposedMs(), 1e-9);
        assertEquals(10 + v + piece + 5, one.stepMs(), 1e-9);
        // P = 8, fan-in 2: partition 0's link carries 3 vectors out (its sum, a state to each of 2 children), and
        // the deepest task (3 -> 2 -> 0 -> driver) is 3 links away: 5 more links up and back. The busiest link
        // passes the first piece in 3 head times, while the whole piece before it is already 2 heads ahead on the
        // next link: 5 pieces of latency less 2 heads.
        ScaleCostModel.Prediction eight = m.predict(8, 2, 10, 0);
        assertEquals(3, eight.busiestVectors());
        assertEquals(3 * v + 5 * piece - 2 * head, eight.exposedMs(), 1e-9);
        // Star of 8: the driver's link carries 8 vectors each way; one link from any task.
        assertEquals(8 * v + piece - 7 * head, m.predict(8, 0, 10, 0).exposedMs(), 1e-9);
        // With uniform pieces the flow shop is the closed form: a vector of 4 whole pieces plus the head.
        int values = 4 * io.github.sparksnn.ml.train.net.PartialReceiver.PIECE
                + io.github.sparksnn.ml.train.net.PartialReceiver.HEAD;
        ScaleCostModel small = new ScaleCostModel(values, 1);
        assertEquals(small.linkMs(3) + 5 * piece - 2 * head, small.predict(8, 2, 10, 0).exposedMs(), 1e-9);
        // The overhead fitted on a row reproduces that row.
        double o = m.overheadFrom(1, 2, 100, 10);
        assertEquals(100, m.predict(1, 2, 10, o).stepMs(), 1e-9);
        // bfloat16 halves the bytes, and each piece's.
        assertEquals(v / 2 + piece / 2, new ScaleCostModel(1_000_000, 1, 2).predict(1, 2, 10, 0).exposedMs(), 1e-9);
    }

    @Test
    void piecesFinalDuringTheBackwardPassLeaveEarly() {
        ScaleCostModel m = new ScaleCostModel(1_000_000, 1);
        int per = io.github.sparksnn.ml.train.net.PartialReceiver.PIECE;
        int headValues = io.github.sparksnn.ml.train.net.PartialReceiver.HEAD;
        int pieces = 1 + (1_000_000 - headValues + per - 1) / per;
        double piece = per * 4 * 8 / 1e9 * 1e3;
        double head = headValues * 4 * 8 / 1e9 * 1e3;
        double[] ready = new double[pieces];
        java.util.Arrays.fill(ready, 0.5);
        ready[pieces - 1] = 1;                         // the first layer's gradient is final only at the very end
        ScaleCostModel.Topology one = ScaleCostModel.Topology.of(1, 2);
        ScaleCostModel.Prediction p = m.predict(one, 100, 0, ready, 0);
        // All pieces but the first enter the link from 50 ms on and are through by 50 + 32 ms of 4 MB at 1 Gbit/s;
        // the first (4 KB) is ready at 100 ms, so only its way up and back down remains exposed.
        assertEquals(2 * head, p.exposedMs(), 1e-9);
        assertTrue(p.exposedMs() < m.predict(one, 100, 0, null, 0).exposedMs());
        // 8 tasks and 200 ms of compute: the busiest link's 3 vectors (96 ms) pass from 100 ms on, before the end;
        // then the head crosses it (3 heads) and the 5 links beyond.
        assertEquals(3 * head + 5 * head, m.predict(ScaleCostModel.Topology.of(8, 2), 200, 0, ready, 0).exposedMs(),
                1e-9);
        // A slow driver paces the pipeline: 10 ns per value is below the link's 32 ns per value (no change); 100 ns
        // per value sets the pace: 100 ms for the million values, and the down link then passes the last whole
        // piece (it left the driver one head's driver time before the end) and the head.
        assertEquals(m.predict(one, 100, 0, null, 0).exposedMs(), m.predict(one, 100, 0, null, 10).exposedMs(), 1e-9);
        assertEquals(1_000_000 * 100e-6 - headValues * 100e-6 + piece + head,
                m.predict(one, 100, 0, null, 100).exposedMs(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> m.predict(one, 100, 0, new double[3], 0));
    }

    @Test
    void edgesInsideOneHostStayOffItsLink() {
        // 4 hosts x 2 tasks, fan-in 2, consecutive partitions per host: 0 <- {1, 2}, 2 <- {3}, 4 <- {5, 6},
        // 6 <- {7}; only 2 -> 0, 6 -> 4 and the driver's edges cross hosts, so host 0 sends its sum and a state.
        ScaleCostModel.Topology t = new ScaleCostModel.Topology(4, 2, 2, false);
        assertEquals(2, ScaleCostModel.busiestLinkVectors(t));
        assertEquals(2, ScaleCostModel.hops(t));       // 3 -> 2 (host 1) -> 0 (host 0) -> driver
        // One task per host: partition 0's link carries 3 vectors and the deepest task is 3 links away.
        ScaleCostModel.Topology spread = ScaleCostModel.Topology.of(8, 2);
        assertEquals(3, ScaleCostModel.busiestLinkVectors(spread));
        assertEquals(3, ScaleCostModel.hops(spread));
        // One endpoint per host: the tree is over the 4 hosts.
        ScaleCostModel.Topology shared = new ScaleCostModel.Topology(4, 2, 2, true);
        assertEquals(2, ScaleCostModel.busiestLinkVectors(shared));
        assertEquals(2, ScaleCostModel.hops(shared));
        // A star of 4 hosts x 2 tasks: all 8 sums cross into the driver's link.
        assertEquals(8, ScaleCostModel.busiestLinkVectors(new ScaleCostModel.Topology(4, 2, 0, false)));
        assertEquals(4, ScaleCostModel.busiestLinkVectors(new ScaleCostModel.Topology(4, 2, 0, true)));
        assertThrows(IllegalArgumentException.class, () -> new ScaleCostModel.Topology(4, 2, 1, false));
    }

    @Test
    void aCalibratedScheduleGivesEachPieceTheTimeItsLowestValueIsFinal() {
        // The head [0, h), then pieces [h, h + per), [h + per, h + 2 per), [h + 2 per, h + 3 per), [h + 3 per, n),
        // sent last first. The last layer [h + 2 1/3 per, n) is final at 0.3, [h + 0.9 per, ..) at 0.7, the rest at
        // the end.
        int per = io.github.sparksnn.ml.train.net.PartialReceiver.PIECE;
        int h = io.github.sparksnn.ml.train.net.PartialReceiver.HEAD;
        int n = h + 3 * per + per / 20;
        double[] ready = ScaleCostModel.readyFromSchedule(n, new double[]{h + 2 * per + per / 3, h + per - per / 10},
                new double[]{0.3, 0.7});
        assertEquals(5, ready.length);
        assertEquals(0.3, ready[0], 0);   // [h + 3 per, n)
        assertEquals(0.7, ready[1], 0);   // [h + 2 per, h + 3 per): its lowest value lies below h + 2 1/3 per
        assertEquals(0.7, ready[2], 0);   // [h + per, h + 2 per)
        assertEquals(1.0, ready[3], 0);   // [h, h + per): h lies below h + 0.9 per
        assertEquals(1.0, ready[4], 0);   // [0, h)
        assertEquals(5, ScaleCostModel.readyFromSchedule(n, new double[0], new double[0]).length);
    }

    @Test
    void theSlowestOfPTasksGrowsWithTheGaussianExtreme() {
        assertEquals(100, ScaleCostModel.slowestOf(1, 100, 0.1), 0);
        assertEquals(100 * (1 + 0.1 * Math.sqrt(2 * Math.log(256))), ScaleCostModel.slowestOf(256, 100, 0.1), 1e-9);
        assertEquals(100, ScaleCostModel.slowestOf(256, 100, 0), 0);
    }
}
