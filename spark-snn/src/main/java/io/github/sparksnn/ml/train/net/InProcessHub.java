package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Barrier mode's transport when the tasks run inside the driver's JVM (Spark's {@code local[*]} master): the same
 * rounds, the same {@link AggregationTree} and the same {@link OrderedSum} additions as over sockets, but state and
 * partial sums pass between threads by reference, through one queue per receiver, so nothing is serialized,
 * copied or sent through the loopback device. On the 784-512-10 MLP that moved 6.4 MB through loopback per step,
 * 2-3 ms against 2-6 ms of compute.
 *
 * <p>The driver opens a hub per stage attempt before launching the stage, and a task finds it by run id and
 * attempt ({@link #find}); a task that does not (it runs in another JVM) fails with a message saying so. The
 * driver puts each round's state in every task's queue (the array is shared read-only; each task copies it into its
 * engine), a task adds its children's pending nodes to its own leaf exactly as {@code PartialReceiver} does and
 * hands its pending nodes to its parent. Vectors are handed over, not copied: a sender does not touch them again
 * until the next round's state arrives, which the driver sends only after it has used the total.
 *
 * <p>Failures: a task that fails calls {@link #fail}, which wakes every waiter with the root cause; a receiver
 * that waits longer than its timeout fails with the same message the socket transport gives; the driver also
 * gives up when the stage ends under it; {@link #close} (the driver's, at the end of an attempt) stops the
 * attempt's stragglers.
 */
public final class InProcessHub implements AutoCloseable {
    private static final ConcurrentHashMap<String, InProcessHub> OPEN = new ConcurrentHashMap<>();

    /** What travels between the driver and the tasks. */
    public sealed interface Message permits State, End, Partial, Failure {
    }

    /** The state (parameters ++ buffers) that round {@code step} starts from; shared, read-only. */
    public record State(int epoch, int step, float[] state) implements Message {
    }

    /** The epoch is over after {@code step} steps. */
    public record End(int step) implements Message {
    }

    /** A subtree's partial sum: its pending nodes (shared, not copied) and its longest path of engine time. */
    record Partial(int from, int epoch, int step, List<OrderedSum.Pending> nodes, long pathNanos)
            implements Message {
    }

    /** The attempt failed: {@code message} is the root cause; {@code fatal} as in {@link PeerFailure}. */
    record Failure(String message, boolean fatal) implements Message {
    }

    private final String key;
    final AggregationTree tree;
    final int numPartitions;
    private final BlockingQueue<Message>[] states;
    /** Partial sums to task {@code p} at index {@code p}, to the driver at index {@code numPartitions}. */
    private final BlockingQueue<Message>[] partials;
    private final boolean[] joined;
    private int joinCount;
    private volatile Failure failure;
    /** Why Spark killed task {@code p}, once it has ({@link #interrupt}). */
    private final String[] interruptions;
    /** Told of every failure and interruption, to wake waiters outside the queues (see {@link #onWake}). */
    private volatile Runnable wake = () -> { };

    @SuppressWarnings("unchecked")
    private InProcessHub(String key, AggregationTree tree) {
        this.key = key;
        this.tree = tree;
        this.numPartitions = tree.numTasks();
        this.states = new BlockingQueue[numPartitions];
        this.partials = new BlockingQueue[numPartitions + 1];
        for (int i = 0; i < numPartitions; i++) {
            states[i] = new LinkedBlockingQueue<>();
        }
        for (int i = 0; i <= numPartitions; i++) {
            partials[i] = new LinkedBlockingQueue<>();
        }
        this.joined = new boolean[numPartitions];
        this.interruptions = new String[numPartitions];
    }

    /**
     * {@code r} runs (on the failing or interrupting thread) after every {@link #fail} and {@link #interrupt}, so
     * a rendezvous of the attempt's threads outside these queues (the driver's shared rounds) wakes at once.
     */
    public void onWake(Runnable r) {
        wake = r;
    }

    /** The attempt's failure as the exception a waiter throws, or null while it runs. */
    public PeerFailure failure() {
        Failure f = failure;
        return f == null ? null : new PeerFailure(f.message(), f.fatal());
    }

    /** Why Spark killed task {@code p}, or null. */
    public String interruption(int p) {
        return interruptions[p];
    }

    private static String key(String runId, int attempt) {
        return runId + "#" + attempt;
    }

    /** The driver's hub for one stage attempt, open until {@link #close}. */
    public static InProcessHub open(String runId, int attempt, AggregationTree tree) {
        InProcessHub hub = new InProcessHub(key(runId, attempt), tree);
        if (OPEN.putIfAbsent(hub.key, hub) != null) {
            throw new IllegalStateException("an in-process aggregation hub for run " + runId + ", attempt " + attempt
                    + " is already open");
        }
        return hub;
    }

    /** The hub of run {@code runId}'s attempt {@code attempt} in this JVM. */
    public static InProcessHub find(String runId, int attempt) {
        InProcessHub hub = OPEN.get(key(runId, attempt));
        if (hub == null) {
            throw new IllegalStateException("no in-process aggregation hub for attempt " + attempt + " of run " + runId
                    + " in this JVM: the task runs outside the driver's JVM (set "
                    + "spark.snn.aggregation.transport=socket) or the attempt is over");
        }
        return hub;
    }

    /** Number of hubs open in this JVM (tests check that none leak). */
    public static int openCount() {
        return OPEN.size();
    }

    /** Task {@code p} has started; a second task for the same partition is refused. */
    public synchronized void join(int p) {
        if (failure != null) {
            throw new IllegalStateException("partition " + p + " joined attempt " + key + " after it failed: "
                    + failure.message());
        }
        if (joined[p]) {
            throw new IllegalStateException("duplicate partition " + p + " in attempt " + key);
        }
        joined[p] = true;
        joinCount++;
        notifyAll();
    }

    /**
     * Waits up to {@code timeoutMs} for every task to join; false on timeout. Throws the failure if one was reported.
     */
    public synchronized boolean awaitJoined(long timeoutMs) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000L;
        while (joinCount < numPartitions) {
            throwIfFailed();
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    public synchronized int joinedCount() {
        return joinCount;
    }

    /** The driver: round {@code step} starts from {@code state} (every task gets the same array). */
    public void publishState(int epoch, int step, float[] state) {
        State m = new State(epoch, step, state);
        for (BlockingQueue<Message> q : states) {
            q.add(m);
        }
    }

    /** The driver: the epoch ends after {@code step} steps. */
    public void publishEnd(int step) {
        End m = new End(step);
        for (BlockingQueue<Message> q : states) {
            q.add(m);
        }
    }

    /**
     * Task {@code p}: the next state or end, waiting at most {@code timeoutMs}; {@code null} on timeout. A reported
     * failure is thrown as a {@link PeerFailure} (not fatal here: the task that failed reports the root cause).
     */
    public Message nextState(int p, long timeoutMs) throws IOException {
        Message m;
        try {
            m = states[p].poll(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("partition " + p + " was interrupted while waiting for its state", e);
        }
        if (m instanceof Failure f) {
            throw new PeerFailure(f.message(), false);
        }
        return m;
    }

    /** Task {@code p} hands its subtree's partial sum to its parent. */
    public void sendPartial(int p, int epoch, int step, List<OrderedSum.Pending> nodes, long pathNanos) {
        int parent = tree.parent(p);
        partials[parent == AggregationTree.DRIVER ? numPartitions : parent]
                .add(new Partial(p, epoch, step, nodes, pathNanos));
    }

    /**
     * What one {@link #collect} measured: the longest path of engine time among the sums it received, and the
     * nanoseconds it spent adding them.
     */
    public static final class Collected {
        public long pathNanos;
        public long mergeNanos;
    }

    /**
     * Waits for the partial sums of {@code from} (the children of the receiver {@code to}, a partition or
     * {@link AggregationTree#DRIVER}) for (epoch, step) and adds them to {@code sum}. Child {@code from[i]} may take
     * until {@code roundStart + timeoutsMs[i]}; {@code stageOver}, checked at least every 200 ms, ends the wait
     * when the stage died without a word. {@code receiver} names the receiving side in errors.
     */
    public Collected collect(int to, int[] from, int[] timeoutsMs, int epoch, int step, long roundStart, OrderedSum sum,
                      String receiver, BooleanSupplier stageOver) throws IOException {
        BlockingQueue<Message> q = partials[to == AggregationTree.DRIVER ? numPartitions : to];
        boolean[] got = new boolean[from.length];
        int missing = from.length;
        Collected c = new Collected();
        while (missing > 0) {
            int first = -1;
            long deadline = Long.MAX_VALUE;
            for (int i = 0; i < from.length; i++) {
                long d = roundStart + timeoutsMs[i] * 1_000_000L;
                if (!got[i] && d < deadline) {
                    deadline = d;
                    first = i;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException(receiver + " got no partial sum from partition " + from[first] + " for epoch "
                        + (epoch + 1) + ", step " + (step + 1) + " within " + timeoutsMs[first]
                        + " ms (stepTimeout per tree level)");
            }
            Message m;
            try {
                m = q.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(receiver + " was interrupted while waiting for partial sums", e);
            }
            if (m == null) {
                if (stageOver != null && stageOver.getAsBoolean()) {
                    throwIfFailed();
                    throw new IOException("the barrier stage ended while " + receiver + " waited for the partial "
                            + "sums of step " + (step + 1));
                }
                continue;
            }
            if (m instanceof Failure f) {
                throw new PeerFailure(f.message(), f.fatal());
            }
            if (!(m instanceof Partial p) || p.epoch() != epoch || p.step() != step) {
                throw new IllegalStateException(receiver + " got " + m + " while waiting for the partial sums of "
                        + "epoch " + (epoch + 1) + ", step " + (step + 1));
            }
            int i = indexOf(from, p.from());
            if (i < 0 || got[i]) {
                throw new IllegalStateException(receiver + " got a partial sum from partition " + p.from()
                        + (i < 0 ? ", not one of its children " + Arrays.toString(from) : " twice"));
            }
            got[i] = true;
            missing--;
            long t0 = System.nanoTime();
            for (OrderedSum.Pending n : p.nodes()) {
                sum.addPending(n.level(), n.index(), n.node());
            }
            c.mergeNanos += System.nanoTime() - t0;
            c.pathNanos = Math.max(c.pathNanos, p.pathNanos());
        }
        return c;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The attempt failed ({@code message} is the root cause, as a task saw it): every waiter wakes with it. The first
     * failure wins; later ones (the echoes of the first) are dropped.
     */
    public void fail(String message, boolean fatal) {
        Failure f;
        synchronized (this) {
            if (failure != null) {
                return;
            }
            f = new Failure(message, fatal);
            failure = f;
            notifyAll();
        }
        for (BlockingQueue<Message> q : states) {
            q.add(f);
        }
        for (BlockingQueue<Message> q : partials) {
            q.add(f);
        }
        wake.run();
    }

    /** Wakes task {@code p} alone (Spark killed it): its wait ends with {@code message}. */
    public void interrupt(int p, String message) {
        Failure f = new Failure(message, false);
        interruptions[p] = message;
        states[p].add(f);
        partials[p].add(f);
        wake.run();
    }

    private void throwIfFailed() throws PeerFailure {
        Failure f = failure;
        if (f != null) {
            throw new PeerFailure(f.message(), f.fatal());
        }
    }

    /** Ends the attempt: later tasks of it do not find the hub, and waiting ones wake. */
    @Override
    public void close() {
        OPEN.remove(key, this);
        fail("the driver ended attempt " + key, false);
    }
}
