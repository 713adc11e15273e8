package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.net.AggregationServer;
import io.github.sparksnn.ml.train.net.AggregationTree;
import io.github.sparksnn.ml.train.net.Frame;
import io.github.sparksnn.ml.train.net.PartialReceiver;
import io.github.sparksnn.ml.train.net.PeerLink;
import io.github.sparksnn.ml.train.engine.EngineStates;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The driver's streamed round against the whole-vector round it replaces, over real sockets: the driver's children
 * stream their block sums, the driver updates piece by piece and streams the next state back.
 */
class StreamedRoundTest {
    private static final int EPOCH = 0;

    /**
     * A vector of several pieces and a bit, with five batch-norm buffer values at its end, long enough for the
     * driver's ranged update.
     */
    private static final int DIM = Math.max(2 * PartialReceiver.PIECE, DistributedTrainer.PARALLEL_UPDATE_MIN) + 128;
    private static final int BUFFERS = 5;

    @Test
    void piecewiseUpdatesGiveTheWholeRoundsBitsAndStreamTheNextState() throws Exception {
        for (String optimizer : List.of("adam", "sgd(momentum=0.9, weight_decay=0.001)", "adamw")) {
            for (int[] pf : new int[][] {{1, 0}, {5, 0}, {8, 2}, {13, 3}, {64, 2}}) {
                check(optimizer, pf[0], pf[1], false);
            }
        }
        check("adam", 6, 2, true); // syncInterval > 1: mean parameter deltas, no optimizer
    }

    private void check(String optimizer, int p, int fanIn, boolean localSteps) throws Exception {
        String at = optimizer + " P=" + p + " F=" + fanIn + (localSteps ? " local steps" : "");
        Random rnd = new Random(p * 31L + fanIn);
        float[] params0 = new float[DIM - BUFFERS];
        for (int i = 0; i < params0.length; i++) {
            params0[i] = (float) rnd.nextGaussian();
        }
        DistributedTrainer.State streamed = state(optimizer, params0);
        DistributedTrainer.State whole = state(optimizer, params0);
        AggregationTree tree = new AggregationTree(p, fanIn);
        for (int round = 0; round < 3; round++) {
            float[][] leaves = leaves(rnd, p);
            // The reference: one OrderedSum over every leaf, then applyRound on the whole vector.
            OrderedSum all = new OrderedSum(p);
            for (int q = 0; q < p; q++) {
                all.add(q, leaf(leaves[q], q));
            }
            OrderedSum.Node total = all.result();
            DistributedTrainer.applyRound(total, whole, localSteps, 0.01 * (round + 1));
            float[] expectedState = EngineStates.of(whole.params, whole.buffers);

            float[][] states = runRound(streamed, tree, leaves, round, 10, localSteps, 0.01 * (round + 1), -1);
            assertArrayEquals(whole.params, streamed.params, at + " round " + round + ": parameters");
            assertArrayEquals(whole.buffers, streamed.buffers, at + " round " + round + ": buffers");
            assertEquals(whole.rule.state().step(), streamed.rule.state().step(), at + ": one optimizer step a round");
            for (float[] s : states) {
                assertArrayEquals(expectedState, s, at + " round " + round + ": the state streamed down");
            }
        }
        assertSameState(whole.rule.state(), streamed.rule.state(), at);
    }

    /**
     * A child that drops its connection half-way through its vector (after the driver has updated some pieces) fails
     * the round, and the parameters, buffers and optimizer state are those from before the round.
     */
    @Test
    void aRoundThatFailsMidStreamLeavesTheStateAsItWas() throws Exception {
        Random rnd = new Random(9);
        float[] params0 = new float[DIM - BUFFERS];
        for (int i = 0; i < params0.length; i++) {
            params0[i] = (float) rnd.nextGaussian();
        }
        DistributedTrainer.State st = state("adam", params0);
        AggregationTree tree = new AggregationTree(4, 0);
        runRound(st, tree, leaves(rnd, 4), 0, 2, false, 0.01, -1); // a completed round: Adam has moments
        float[] params = st.params.clone();
        float[] buffers = st.buffers.clone();
        var rule = st.rule.state();
        IOException e = assertThrows(IOException.class,
                () -> runRound(st, tree, leaves(rnd, 4), 1, 2, false, 0.01, 2));
        assertNotNull(e.getMessage());
        assertArrayEquals(params, st.params, "parameters restored");
        assertArrayEquals(buffers, st.buffers, "buffers restored");
        assertSameState(rule, st.rule.state(), "optimizer restored");
    }

    private static void assertSameState(io.github.sparksnn.train.optim.OptimizerState a,
                                        io.github.sparksnn.train.optim.OptimizerState b, String at) {
        assertEquals(a.optimizer(), b.optimizer(), at);
        assertEquals(a.step(), b.step(), at + ": step count");
        assertEquals(a.buffers().length, b.buffers().length, at + ": buffers");
        for (int i = 0; i < a.buffers().length; i++) {
            assertArrayEquals(a.buffers()[i], b.buffers()[i], at + ": buffer " + i);
        }
    }

    /**
     * The driver's whole-round update runs in index ranges on its cores ({@code DistributedTrainer.UPDATE_THREADS})
     * with the bits of dividing the sum by the count and stepping the rule on one thread.
     */
    @Test
    void theDriversUpdateInRangesHasTheBitsOfOneThread() {
        assertTrue(DIM - BUFFERS >= DistributedTrainer.PARALLEL_UPDATE_MIN, "the vector takes the ranged path");
        for (String optimizer : List.of("adam", "sgd(momentum=0.9, weight_decay=0.001)", "adamw")) {
            Random rnd = new Random(17);
            float[] params0 = new float[DIM - BUFFERS];
            for (int i = 0; i < params0.length; i++) {
                params0[i] = (float) rnd.nextGaussian();
            }
            DistributedTrainer.State ranged = state(optimizer, params0);
            DistributedTrainer.State serial = state(optimizer, params0);
            for (int round = 0; round < 3; round++) {
                float[] sum = new float[DIM];
                for (int i = 0; i < DIM; i++) {
                    sum[i] = (float) (rnd.nextGaussian() * 7);
                }
                int count = 37 + round;
                DistributedTrainer.applyRound(new OrderedSum.Node(sum.clone(), 1.0, 0, count, 0L), ranged, false,
                        0.01 * (round + 1));
                float inv = 1f / count;
                float[] mean = Arrays.copyOf(sum, DIM - BUFFERS);
                for (int i = 0; i < mean.length; i++) {
                    mean[i] *= inv;
                }
                serial.rule.step(serial.params, mean, 0.01 * (round + 1));
                assertArrayEquals(serial.params, ranged.params, optimizer + " round " + round);
            }
            assertSameState(serial.rule.state(), ranged.rule.state(), optimizer);
        }
    }

    private static DistributedTrainer.State state(String optimizer, float[] params0) {
        return RoundFixtures.state(optimizer, params0, BUFFERS);
    }

    private static float[][] leaves(Random rnd, int p) {
        return RoundFixtures.leaves(rnd, p, DIM, 6);
    }

    private static OrderedSum.Node leaf(float[] v, int q) {
        return RoundFixtures.leaf(v, q);
    }

    /**
     * One round: every driver child of {@code tree} streams its block's sum from a thread of its own and then reads
     * the next state (step {@code step + 1}); the driver runs a {@link StreamedRound}. {@code dropChild} >= 0: that
     * child closes its link half-way through its vector. Returns the states the children received.
     */
    private static float[][] runRound(DistributedTrainer.State st, AggregationTree tree, float[][] leaves, int step,
                                      int steps, boolean localSteps, double lr, int dropChild) throws Exception {
        int p = leaves.length;
        List<Integer> kids = tree.driverChildren();
        PeerLink.Credentials c = PeerLink.Credentials.random();
        List<PeerLink> clients = new ArrayList<>();
        try (AggregationServer server = new AggregationServer("127.0.0.1", 0, c, 5_000, 5_000)) {
            PeerLink[] links = new PeerLink[kids.size()];
            int[] parts = new int[kids.size()];
            int[] ends = new int[kids.size()];
            int[] waits = new int[kids.size()];
            for (int i = 0; i < kids.size(); i++) {
                int q = kids.get(i);
                clients.add(PeerLink.connect("127.0.0.1", server.port(), c, 0, q, -1, 5_000, 10_000));
                links[i] = server.poll(5_000);
                assertNotNull(links[i]);
                parts[i] = q;
                ends[i] = tree.subtreeEnd(q);
                waits[i] = 10_000;
            }
            List<CompletableFuture<float[]>> got = new ArrayList<>();
            for (int i = 0; i < kids.size(); i++) {
                PeerLink l = clients.get(i);
                int q = kids.get(i);
                int end = tree.subtreeEnd(q);
                boolean drop = i == Math.min(dropChild, kids.size() - 1) && dropChild >= 0;
                got.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        OrderedSum block = new OrderedSum(p);
                        for (int r = q; r < end; r++) {
                            block.add(r, leaf(leaves[r], r));
                        }
                        OrderedSum.Pending node = block.pending().get(0);
                        float[] v = node.node().vector;
                        l.beginPartial(EPOCH, step, node.level(), node.index(), node.node().count, v != null, DIM,
                                false);
                        if (v != null) {
                            for (int off = PartialReceiver.lastPiece(DIM); off >= 0; off = PartialReceiver.previousPiece(off)) {
                                int n = PartialReceiver.pieceLength(off, DIM);
                                if (drop && off < PartialReceiver.lastPiece(DIM)) {
                                    l.close();
                                    return null;
                                }
                                l.writeVectorPiece(v, off, n, false);
                            }
                        }
                        l.endPartial(node.node(), 7);
                        if (drop) {
                            l.close();
                            return null;
                        }
                        Frame f = l.readHeader("the next state");
                        assertEquals(Frame.STATE, f.type());
                        assertEquals(step + 1, f.step());
                        float[] s = new float[DIM];
                        l.readState(f, s, DIM);
                        return s;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            try (PartialReceiver receiver = new PartialReceiver("the driver", links, parts, ends, waits, p, DIM,
                    false)) {
                receiver.startStreaming(EPOCH, step);
                StreamedRound.Result r = new StreamedRound(st, DIM, p).run(receiver, links, localSteps, lr, EPOCH,
                        step + 1 < steps ? step + 1 : -1);
                long count = 0;
                for (int q = 0; q < p; q++) {
                    count += leaves[q] == null ? 0 : 10 + q;
                }
                assertEquals(count, r.stats().count, "the round's sample count");
                assertNull(r.stats().vector, "statistics only");
            } finally {
                for (PeerLink l : links) {
                    l.close();
                }
            }
            float[][] states = new float[kids.size()][];
            for (int i = 0; i < kids.size(); i++) {
                states[i] = got.get(i).get(30, TimeUnit.SECONDS);
            }
            return states;
        } finally {
            for (PeerLink l : clients) {
                l.close();
            }
        }
    }
}
