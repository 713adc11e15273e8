package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The in-process transport alone, without Spark: hand-over by reference, ordered sums, refusals, timeouts, failures. */
class InProcessHubTest {

    private static OrderedSum.Node leaf(float... v) {
        return new OrderedSum.Node(v, v.length, 1, 1, 10);
    }

    @Test
    void aTreeOfThreadsAddsInPartitionOrderAndHandsVectorsOverByReference() throws Exception {
        // Five tasks under fan-in 2: the driver's total equals the ordered sum of the same leaves added in one place.
        AggregationTree tree = new AggregationTree(5, 2);
        float[][] vectors = new float[5][];
        for (int p = 0; p < 5; p++) {
            vectors[p] = new float[]{1e8f * (p % 2 == 0 ? 1 : -1), 0.1f * (p + 1), p};
        }
        OrderedSum expected = new OrderedSum(5);
        for (int p = 4; p >= 0; p--) {
            expected.add(p, leaf(vectors[p].clone()));
        }
        // Five tasks that block on each other need five threads of their own: the common ForkJoin pool has
        // (CPUs - 1) workers and no compensation for a blocked poll, so on 3-5 CPUs its tasks never all join.
        ExecutorService threads = Executors.newFixedThreadPool(5);
        try (InProcessHub hub = InProcessHub.open("hub-test", 0, tree)) {
            float[] state = {42f};
            CompletableFuture<?>[] tasks = new CompletableFuture<?>[5];
            for (int p = 0; p < 5; p++) {
                final int q = p;
                tasks[p] = CompletableFuture.runAsync(() -> {
                    try {
                        InProcessHub h = InProcessHub.find("hub-test", 0);
                        h.join(q);
                        InProcessHub.Message m = h.nextState(q, 10_000);
                        InProcessHub.State s = assertInstanceOf(InProcessHub.State.class, m);
                        assertSame(state, s.state(), "the state array itself, not a copy");
                        OrderedSum sum = new OrderedSum(5).add(q, leaf(vectors[q]));
                        int[] kids = tree.children(q).stream().mapToInt(Integer::intValue).toArray();
                        int[] waits = new int[kids.length];
                        java.util.Arrays.fill(waits, 10_000);
                        h.collect(q, kids, waits, 0, 3, System.nanoTime(), sum, "partition " + q, null);
                        h.sendPartial(q, 0, 3, sum.pending(), 7);
                        assertInstanceOf(InProcessHub.End.class, h.nextState(q, 10_000));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, threads);
            }
            assertTrue(hub.awaitJoined(10_000));
            hub.publishState(0, 3, state);
            OrderedSum total = new OrderedSum(5);
            int[] top = tree.driverChildren().stream().mapToInt(Integer::intValue).toArray();
            int[] topWaits = new int[top.length];
            java.util.Arrays.fill(topWaits, 10_000);
            InProcessHub.Collected c = hub.collect(AggregationTree.DRIVER, top, topWaits, 0, 3,
                    System.nanoTime(), total, "the driver", () -> false);
            hub.publishEnd(4);
            CompletableFuture.allOf(tasks).get(10, TimeUnit.SECONDS);
            assertArrayEquals(expected.result().vector, total.result().vector, 0f);
            assertEquals(5, total.result().count);
            assertSame(vectors[0], total.result().vector, "partition 0's vector carries the sum, no copies made");
            assertTrue(c.pathNanos >= 7, "the longest path comes up with the partial sums");
        } finally {
            threads.shutdownNow();
        }
        assertEquals(0, InProcessHub.openCount());
    }

    @Test
    void refusalsTimeoutsAndFailuresNameWhatWentWrong() throws Exception {
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> InProcessHub.find("nope", 2));
        assertTrue(none.getMessage().contains("runs outside the driver's JVM (set "
                + "spark.snn.aggregation.transport=socket)"), none.getMessage());
        AggregationTree star = new AggregationTree(2, 0);
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try (InProcessHub hub = InProcessHub.open("hub-test-2", 1, star)) {
            assertThrows(IllegalStateException.class, () -> InProcessHub.open("hub-test-2", 1, star));
            hub.join(1);
            IllegalStateException dup = assertThrows(IllegalStateException.class, () -> hub.join(1));
            assertTrue(dup.getMessage().contains("duplicate partition 1"), dup.getMessage());
            assertFalse(hub.awaitJoined(50), "partition 0 never joined");
            // Partition 1 sends, partition 0 stays silent: the driver names partition 0, the epoch and the step.
            hub.sendPartial(1, 0, 5, new OrderedSum(2).add(1, leaf(1f)).pending(), 0);
            IOException late = assertThrows(IOException.class, () -> hub.collect(AggregationTree.DRIVER,
                    new int[]{0, 1}, new int[]{100, 100}, 0, 5, System.nanoTime(), new OrderedSum(2), "the driver",
                    () -> false));
            assertEquals("the driver got no partial sum from partition 0 for epoch 1, step 6 within 100 ms "
                    + "(stepTimeout per tree level)", late.getMessage());
            // A stage that died without a word ends the wait at the next check, not at the timeout.
            long t0 = System.nanoTime();
            IOException over = assertThrows(IOException.class, () -> hub.collect(AggregationTree.DRIVER,
                    new int[]{0}, new int[]{60_000}, 0, 6, System.nanoTime(), new OrderedSum(2), "the driver",
                    () -> true));
            assertTrue(over.getMessage().contains("the barrier stage ended"), over.getMessage());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            // A task's failure wakes a waiting task and the driver with the root cause and its fatality.
            CompletableFuture<Throwable> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    hub.nextState(0, 60_000);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, threads);
            hub.fail("partition 1 (epoch 1): engine broke", true);
            hub.fail("an echo of it", false);
            Throwable t = waiter.get(10, TimeUnit.SECONDS);
            assertEquals("partition 1 (epoch 1): engine broke", assertInstanceOf(PeerFailure.class, t).getMessage());
            PeerFailure f = assertThrows(PeerFailure.class, () -> hub.collect(AggregationTree.DRIVER,
                    new int[]{0}, new int[]{60_000}, 0, 7, System.nanoTime(), new OrderedSum(2), "the driver",
                    () -> false));
            assertTrue(f.fatal());
            assertEquals("partition 1 (epoch 1): engine broke", f.getMessage());
        } finally {
            threads.shutdownNow();
        }
        assertThrows(IllegalStateException.class, () -> InProcessHub.find("hub-test-2", 1), "closed hubs are gone");
    }
}
