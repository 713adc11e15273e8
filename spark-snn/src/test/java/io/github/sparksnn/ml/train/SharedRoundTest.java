package io.github.sparksnn.ml.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.ml.train.engine.EngineStates;
import io.github.sparksnn.ml.train.net.AggregationTree;
import io.github.sparksnn.ml.train.net.InProcessHub;
import io.github.sparksnn.ml.train.net.PeerFailure;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The in-process rounds in which the tasks add the leaves and update the parameters themselves, each over its own
 * range, against the driver's whole round ({@link OrderedSum} over every leaf, then {@code applyRound}): the same
 * bits, for trees up to 13 tasks, empty shares, batch-norm buffers and three optimizers; and the failures.
 */
class SharedRoundTest {
    private static final int BUFFERS = 5;
    private static final int DIM = 3001 + BUFFERS;

    @Test
    void theTasksRangesGiveTheWholeRoundsBits() throws Exception {
        for (String optimizer : List.of("adam", "sgd(momentum=0.9, weight_decay=0.001)", "adamw")) {
            for (int p : new int[]{1, 2, 3, 5, 8, 13}) {
                check(optimizer, p);
            }
        }
    }

    private void check(String optimizer, int p) throws Exception {
        String at = optimizer + " P=" + p;
        Random rnd = new Random(p * 31L + optimizer.length());
        float[] params0 = new float[DIM - BUFFERS];
        for (int i = 0; i < params0.length; i++) {
            params0[i] = (float) rnd.nextGaussian();
        }
        DistributedTrainer.State shared = state(optimizer, params0);
        DistributedTrainer.State whole = state(optimizer, params0);
        AggregationTree tree = new AggregationTree(p, 2);
        double[] lrs = {0.01, 0.02, 0.03};
        String run = "shared-round-test-" + optimizer.length() + "-" + p;
        InProcessHub hub = InProcessHub.open(run, 0, tree);
        SharedRound r = SharedRound.open(run, 0, hub, tree, shared, lrs, DIM, 60_000, 0);
        ExecutorService pool = Executors.newFixedThreadPool(p);
        try {
            assertArrayEquals(EngineStates.of(shared.params, shared.buffers), r.state(), at + ": the first state");
            for (int round = 0; round < lrs.length; round++) {
                float[][] leaves = leaves(rnd, p);
                OrderedSum all = new OrderedSum(p);
                for (int q = 0; q < p; q++) {
                    all.add(q, leaf(leaves[q], q));
                }
                OrderedSum.Node total = all.result();
                DistributedTrainer.applyRound(total, whole, false, lrs[round]);

                int step = round;
                List<Future<?>> tasks = new ArrayList<>();
                for (int q = 0; q < p; q++) {
                    int task = q;
                    tasks.add(pool.submit(() -> {
                        r.run(task, step, leaf(leaves[task], task), System.nanoTime());
                        return null;
                    }));
                }
                for (Future<?> f : tasks) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertArrayEquals(whole.params, shared.params, at + " round " + round + ": parameters");
                assertArrayEquals(whole.buffers, shared.buffers, at + " round " + round + ": buffers");
                assertArrayEquals(EngineStates.of(whole.params, whole.buffers), r.state(), at + ": the next state");
                assertEquals(whole.rule.state().step(), shared.rule.state().step(), at + ": one optimizer step a round");
                SharedRound.Done d = r.pollDone();
                assertNotNull(d, at + ": the driver hears of the round");
                assertEquals(step, d.step());
                assertEquals(total.lossSum, d.stats().lossSum, 0.0, at + ": loss, in the tree's order");
                assertEquals(total.count, d.stats().count, at);
                assertEquals(total.correct, d.stats().correct, at);
                assertEquals(total.maxComputeNanos, d.stats().maxComputeNanos, at);
                assertNull(r.pollDone(), at + ": one report a round");
            }
            for (int i = 0; i < whole.rule.state().buffers().length; i++) {
                assertArrayEquals(whole.rule.state().buffers()[i], shared.rule.state().buffers()[i],
                        at + ": optimizer buffer " + i);
            }
        } finally {
            pool.shutdownNow();
            r.close();
            hub.close();
        }
    }

    @Test
    void aMissingTaskTimesOutAsItsTreeParentWouldAndNothingIsUpdated() throws Exception {
        int p = 3;
        AggregationTree tree = new AggregationTree(p, 2); // driver <- 0 <- {1, 2}? whatever the tree: its parent names
        float[] params0 = new float[DIM - BUFFERS];
        Arrays.fill(params0, 1f);
        DistributedTrainer.State st = state("adam", params0);
        InProcessHub hub = InProcessHub.open("shared-round-timeout", 0, tree);
        SharedRound r = SharedRound.open("shared-round-timeout", 0, hub, tree, st, new double[]{0.1}, DIM, 300, 4);
        ExecutorService pool = Executors.newFixedThreadPool(p);
        try {
            float[][] leaves = leaves(new Random(3), p);
            List<Future<?>> tasks = new ArrayList<>();
            for (int q = 0; q < p; q++) {
                if (q == 1) {
                    continue; // partition 1 never brings its leaf
                }
                int task = q;
                tasks.add(pool.submit(() -> {
                    r.run(task, 0, leaf(leaves[task], task), System.nanoTime());
                    return null;
                }));
            }
            int parent = tree.parent(1);
            String who = parent == AggregationTree.DRIVER ? "the driver" : "partition " + parent;
            long wait = 300L * (parent == AggregationTree.DRIVER ? tree.height(1) + 1 : tree.height(1));
            for (Future<?> f : tasks) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> f.get(30, TimeUnit.SECONDS));
                assertInstanceOf(PeerFailure.class, e.getCause());
                assertEquals(who + " got no partial sum from partition 1 for epoch 5, step 1 within " + wait
                        + " ms (stepTimeout per tree level)", e.getCause().getMessage());
            }
            assertEquals(who + " got no partial sum from partition 1 for epoch 5, step 1 within " + wait
                    + " ms (stepTimeout per tree level)", hub.failure().getMessage(), "the root cause, for the driver");
            assertArrayEquals(params0, st.params, "no update without every leaf");
            assertEquals(0, st.rule.state().step(), "no optimizer step");
            assertNull(r.pollDone());
        } finally {
            pool.shutdownNow();
            r.close();
            hub.close();
        }
    }

    @Test
    void aFailureReportedToTheHubWakesTheWaitingTasksWithTheRootCause() throws Exception {
        int p = 3;
        AggregationTree tree = new AggregationTree(p, 2);
        DistributedTrainer.State st = state("sgd", new float[DIM - BUFFERS]);
        InProcessHub hub = InProcessHub.open("shared-round-fail", 0, tree);
        SharedRound r = SharedRound.open("shared-round-fail", 0, hub, tree, st, new double[]{0.1}, DIM, 600_000, 0);
        ExecutorService pool = Executors.newFixedThreadPool(p);
        try {
            float[][] leaves = leaves(new Random(4), p);
            List<Future<?>> tasks = new ArrayList<>();
            for (int q = 0; q < 2; q++) {
                int task = q;
                tasks.add(pool.submit(() -> {
                    r.run(task, 0, leaf(leaves[task], task), System.nanoTime());
                    return null;
                }));
            }
            Thread.sleep(200); // both wait for partition 2
            long t0 = System.nanoTime();
            hub.fail("partition 2 (epoch 1): engine broke on purpose", true);
            for (Future<?> f : tasks) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> f.get(30, TimeUnit.SECONDS));
                PeerFailure pf = assertInstanceOf(PeerFailure.class, e.getCause());
                assertEquals("partition 2 (epoch 1): engine broke on purpose", pf.getMessage());
                assertTrue(pf.fatal());
            }
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "woken at once, not at the 600 s timeout");
            PeerFailure driver = org.junit.jupiter.api.Assertions.assertThrows(PeerFailure.class,
                    () -> r.awaitDone(1_000_000L));
            assertEquals("partition 2 (epoch 1): engine broke on purpose", driver.getMessage());
        } finally {
            pool.shutdownNow();
            r.close();
            hub.close();
        }
        assertNull(SharedRound.find("shared-round-fail", 0), "closed");
    }

    private static DistributedTrainer.State state(String optimizer, float[] params0) {
        return RoundFixtures.state(optimizer, params0, BUFFERS);
    }

    private static float[][] leaves(Random rnd, int p) {
        return RoundFixtures.leaves(rnd, p, DIM, 4);
    }

    private static OrderedSum.Node leaf(float[] v, int q) {
        return RoundFixtures.leaf(v, q);
    }
}
