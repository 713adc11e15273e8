package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SpinningWorkersTest {

    private static GradientEngine.StepStats stats(long count) {
        return new GradientEngine.StepStats(0, 0, count);
    }

    /** Hand-offs within the spin window, after the worker has parked, and a join that outlasts the spin window. */
    @Test
    void tasksRunOnTheWorkerWhetherItSpinsOrHasParked() throws Exception {
        try (SpinningWorkers w = new SpinningWorkers(2, "test-worker")) {
            Thread caller = Thread.currentThread();
            for (int round = 0; round < 50; round++) { // back to back: the workers are still spinning
                final long c = round;
                w.start(0, () -> stats(c));
                w.start(1, () -> {
                    assertNotEquals(caller, Thread.currentThread());
                    return stats(c + 1);
                });
                assertEquals(round, w.join(0).count());
                assertEquals(round + 1, w.join(1).count());
            }
            Thread.sleep(5 * SpinningWorkers.SPIN_NANOS / 1_000_000 + 5); // past the spin window: both park
            w.start(0, () -> stats(7));
            assertEquals(7, w.join(0).count());
            w.start(1, () -> { // the caller's join spins, then parks until the worker is done
                sleep(3 * SpinningWorkers.SPIN_NANOS / 1_000_000 + 2);
                return stats(9);
            });
            assertEquals(9, w.join(1).count());
        }
    }

    @Test
    void aFailureIsRethrownByJoinAndTheWorkerStaysUsable() {
        try (SpinningWorkers w = new SpinningWorkers(1, "test-worker")) {
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            w.start(0, () -> {
                throw boom;
            });
            assertSame(boom, assertThrows(IllegalArgumentException.class, () -> w.join(0)));
            w.start(0, () -> {
                throw new AssertionError("an Error too");
            });
            assertThrows(AssertionError.class, () -> w.join(0));
            w.start(0, () -> stats(3));
            assertEquals(3, w.join(0).count());
            w.start(0, () -> stats(4));
            IllegalStateException busy = assertThrows(IllegalStateException.class, () -> w.start(0, () -> stats(5)));
            assertTrue(busy.getMessage().contains("still busy"), busy.getMessage());
            w.joinQuietly(0);
        }
    }

    @Test
    void awaitCountReturnsOnceTheCounterReachesItsTarget() throws Exception {
        AtomicInteger c = new AtomicInteger();
        try (SpinningWorkers w = new SpinningWorkers(1, "test-worker")) {
            w.start(0, () -> {
                sleep(2 * SpinningWorkers.SPIN_NANOS / 1_000_000 + 2); // past the spin: the waiter polls
                c.incrementAndGet();
                return stats(1);
            });
            SpinningWorkers.awaitCount(c, 1);
            assertEquals(1, c.get());
            w.join(0);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
