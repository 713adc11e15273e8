package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.engine.EngineCache;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.net.AggregationTree;
import io.github.sparksnn.ml.train.net.CutThrough;
import io.github.sparksnn.ml.train.net.Frame;
import io.github.sparksnn.ml.train.net.InProcessHub;
import io.github.sparksnn.ml.train.net.Listener;
import io.github.sparksnn.ml.train.net.PartialReceiver;
import io.github.sparksnn.ml.train.net.PeerLink;
import io.github.sparksnn.ml.train.net.ProtocolException;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.UpdateRule;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.net.SocketTimeoutException;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * What one task of a barrier-mode epoch does (the closure of {@code rdd.barrier().mapPartitions}): it keeps its
 * packed partition and its engine replica for the whole stage and runs every round of the epoch in a loop.
 *
 * <p>Start: the task listens on an ephemeral port of its executor's host when it has children in the
 * {@link AggregationTree}, registers that {@code host:port} with the driver's aggregation service (whose address
 * is in this closure), which answers with every task's address once all have registered; it then connects to its
 * parent (keeping the registration connection when the parent is the driver) and accepts its children. Every
 * connection is authenticated with the run's secret (see {@link PeerLink}).
 *
 * <p>Per round: read the state the round starts from (the first one tells where the stage starts, so a restarted
 * stage resumes at the driver's last completed step), forward it to the children, compute this partition's leaf
 * ({@link StepTask#leaf}, the same computation as the job-per-step mode), add the children's partial sums in
 * {@link OrderedSum}'s fixed order and send the result to the parent. The epoch ends when the parent says END.
 * Any error (a peer that closes, a read that times out after {@code stepTimeoutMs}, a protocol violation) fails the
 * task with a message naming the partition, the peer and the step; Spark then fails the barrier stage and the
 * driver restarts it from the last completed step.
 */
final class BarrierEpochTask implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BarrierEpochTask.class);

    /**
     * What a task reports when its epoch ends. {@code waitNanos}: waits outside the engine (for the state between
     * steps and for the children's sums); over sockets also {@code stateWaitNanos}, the part spent waiting for the
     * state, and {@code sendNanos}, the time from the engine's end until the task's sum had left, less the waits for
     * its children: what the overlap with the backward pass did not hide (0 in process). {@code computeCpuNanos}: the
     * task thread's CPU time during its engine calls (-1 where the JVM cannot tell), so that an engine slowed by
     * other threads taking its core (compute well above CPU) is told apart from a slow engine.
     */
    record Report(int partition, String executor, String backend, int rounds, long computeNanos, long waitNanos,
                  long bytesSent, long bytesReceived, long stateWaitNanos, long sendNanos, long computeCpuNanos)
            implements Serializable {
    }

    final String runId;
    final PeerLink.Credentials credentials;
    final String driverHost;
    final int driverPort;
    final int attempt;
    final EngineFactory engines;
    final UpdateRule.Factory localRules;
    final int numParams;
    final int dim;
    final long seed;
    final int epoch;
    final int stepsPerEpoch;
    final int syncInterval;
    final double[] lrs;
    final int numPartitions;
    final int fanIn;
    final int stepTimeoutMs;
    final int connectTimeoutMs;
    final boolean bf16;
    /** The tasks run in the driver's JVM and reach it through its {@link InProcessHub}, not sockets. */
    final boolean inProcess;
    /** The round in progress (for ERROR frames); set by the loop. */
    private transient int lastStep;
    /** The parent's partition (-1: the driver); set by {@link #run}. */
    private transient int upPartition;

    BarrierEpochTask(String runId, PeerLink.Credentials credentials, String driverHost, int driverPort, int attempt,
                     EngineFactory engines, UpdateRule.Factory localRules, int numParams, int dim, long seed, int epoch,
                     int stepsPerEpoch, int syncInterval, double[] lrs, int numPartitions, int fanIn, int stepTimeoutMs,
                     int connectTimeoutMs, boolean bf16, boolean inProcess) {
        this.bf16 = bf16;
        this.inProcess = inProcess;
        this.runId = runId;
        this.credentials = credentials;
        this.driverHost = driverHost;
        this.driverPort = driverPort;
        this.attempt = attempt;
        this.engines = engines;
        this.localRules = localRules;
        this.numParams = numParams;
        this.dim = dim;
        this.seed = seed;
        this.epoch = epoch;
        this.stepsPerEpoch = stepsPerEpoch;
        this.syncInterval = syncInterval;
        this.lrs = lrs;
        this.numPartitions = numPartitions;
        this.fanIn = fanIn;
        this.stepTimeoutMs = stepTimeoutMs;
        this.connectTimeoutMs = connectTimeoutMs;
    }

    /** {@link #run} with every error raised as one {@link BarrierLoop#TASK_ERROR}-prefixed line. */
    Iterator<Report> runChecked(Iterator<PackedBlock> blocks) {
        try {
            return run(blocks);
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            if (!m.startsWith("partition ")) {
                BarrierTaskContext ctx = BarrierTaskContext.get();
                m = "partition " + (ctx == null ? "?" : ctx.partitionId()) + " (epoch " + (epoch + 1) + "): " + m;
            }
            boolean fatal = e instanceof io.github.sparksnn.ml.train.net.PeerFailure pf ? pf.fatal()
                    : !(e instanceof IOException);
            throw new IllegalStateException(BarrierLoop.TASK_ERROR + (fatal ? BarrierLoop.FATAL : "") + m, e);
        }
    }

    Iterator<Report> run(Iterator<PackedBlock> blocks) throws IOException {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int p = ctx.partitionId();
        PackedBlock block = null;
        while (blocks.hasNext()) {
            PackedBlock b = blocks.next();
            if (block != null) {
                throw new IllegalStateException("more than one packed block in partition " + b.partition);
            }
            block = b;
        }
        if (block == null || block.partition != p) {
            throw new IllegalStateException("partition " + p + " lacks its packed block");
        }
        AggregationTree tree = new AggregationTree(numPartitions, fanIn);
        if (inProcess) {
            return Collections.singletonList(runInProcess(block, tree, ctx, p)).iterator();
        }
        List<Integer> kids = tree.children(p);
        String myHost = hostOf(ctx.getTaskInfos()[p].address());
        Listener server = null;
        PeerLink up = null;
        PeerLink[] down = new PeerLink[kids.size()];
        Thread watchdog = null;
        try {
            if (!kids.isEmpty()) {
                server = new Listener("spark-snn partition " + p, myHost, 0, credentials, p,
                        Math.min(connectTimeoutMs, HANDSHAKE_MS), stepTimeoutMs, MAX_PENDING_HANDSHAKES);
                java.util.function.Consumer<String> hook = listenHook;
                if (hook != null) {
                    hook.accept(myHost + ":" + server.port());
                }
            }
            // Rendezvous through the driver's service, not BarrierTaskContext.allGather: Spark's barrier calls poll
            // their RPC once a second, which cost about a second per stage.
            PeerLink registration = PeerLink.connect(driverHost, driverPort, credentials, attempt, p, -1,
                    connectTimeoutMs, connectTimeoutMs);
            String[] addresses;
            try {
                registration.sendRegister(server == null ? "" : myHost + ":" + server.port());
                addresses = registration.readPeers(numPartitions);
            } catch (IOException | RuntimeException e) {
                registration.close();
                throw e;
            }
            int parent = tree.parent(p);
            upPartition = parent;
            if (parent == AggregationTree.DRIVER) {
                up = registration;
                up.readTimeout(stepTimeoutMs);
            } else {
                registration.close();
                String a = addresses[parent];
                up = PeerLink.connect(hostOf(a), portOf(a), credentials, attempt, p, parent, connectTimeoutMs,
                        stepTimeoutMs);
            }
            if (server != null) {
                acceptChildren(server, kids, down, p);
                server.close();
                server = null;
            }
            PeerLink upLink = up;
            watchdog = startWatchdog(ctx, () -> {
                upLink.close();
                for (PeerLink d : down) {
                    d.close();
                }
            });
            try {
                return Collections.singletonList(loop(block, tree, kids, up, down, p)).iterator();
            } catch (IOException | RuntimeException e) {
                // The root cause travels up the tree as it is; a task that only saw its child fail passes the
                // child's message on, so the driver names the partition and step where it started.
                // Network trouble may pass on a restart; an engine that failed (bad configuration, no GPU) would
                // fail again, so the driver stops at once.
                String m = String.valueOf(e.getMessage());
                boolean fatal = e instanceof io.github.sparksnn.ml.train.net.PeerFailure pf ? pf.fatal()
                        : !(e instanceof IOException);
                up.sendError(epoch, lastStep, e instanceof io.github.sparksnn.ml.train.net.PeerFailure
                        || m.startsWith("partition ") ? m : "partition " + p + " (epoch " + (epoch + 1) + "): " + m,
                        fatal);
                throw e;
            }
        } finally {
            if (watchdog != null) {
                watchdog.interrupt();
            }
            if (server != null) {
                server.close();
            }
            if (up != null) {
                up.close();
            }
            for (PeerLink d : down) {
                if (d != null) {
                    d.close();
                }
            }
        }
    }

    /**
     * The task in the driver's JVM: the same rounds as {@link #loop}, with state and partial sums passed by reference
     * through the driver's {@link InProcessHub}.
     */
    private Report runInProcess(PackedBlock block, AggregationTree tree, BarrierTaskContext ctx, int p)
            throws IOException {
        InProcessHub hub = InProcessHub.find(runId, attempt);
        Thread watchdog = startWatchdog(ctx, () -> hub.interrupt(p, "partition " + p + " was killed by Spark"));
        try {
            hub.join(p);
            return loopInProcess(block, tree, hub, p);
        } catch (IOException | RuntimeException e) {
            // The root cause wakes every waiter; a task that only saw another fail passes nothing new.
            if (!(e instanceof io.github.sparksnn.ml.train.net.PeerFailure)) {
                String m = String.valueOf(e.getMessage());
                hub.fail(m.startsWith("partition ") ? m : "partition " + p + " (epoch " + (epoch + 1) + "): " + m,
                        !(e instanceof IOException));
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
    }

    private Report loopInProcess(PackedBlock block, AggregationTree tree, InProcessHub hub, int p)
            throws IOException {
        Shares own = new Shares();
        long waitNanos = 0;
        int[] kids = tree.children(p).stream().mapToInt(Integer::intValue).toArray();
        int[] kidTimeouts = java.util.Arrays.stream(kids).map(k -> timeout(tree.height(k))).toArray();
        int upTimeout = timeout(tree.depth() + 2);
        String name = "partition " + p;
        String backend;
        try (EngineCache.Lease lease = EngineCache.acquire(runId, engines)) {
            backend = lease.engine.backendDescription();
            int expected = -1;
            while (true) {
                String what = expected < 0 ? "the state of its first step" : "the state of step " + (expected + 1);
                long w0 = System.nanoTime();
                InProcessHub.Message m = hub.nextState(p, upTimeout);
                long waited = System.nanoTime() - w0;
                if (m == null) {
                    throw new IOException(name + " (epoch " + (epoch + 1) + "): no word from the driver within "
                            + upTimeout + " ms while waiting for " + what);
                }
                if (m instanceof InProcessHub.End) {
                    break;
                }
                if (expected >= 0) { // between steps; the wait for the first state is the stage's start-up
                    waitNanos += waited;
                }
                if (!(m instanceof InProcessHub.State s) || s.epoch() != epoch || s.step() < 0
                        || s.step() >= stepsPerEpoch || s.step() % syncInterval != 0
                        || (expected >= 0 && s.step() != expected) || s.state().length != dim) {
                    throw new IllegalStateException(name + ": unexpected " + m + " from the driver (epoch " + epoch
                            + (expected >= 0 ? ", step " + expected : "") + ")");
                }
                int step = s.step();
                lastStep = step;
                checkNotKilled(p, step);
                SharedRound shared = expected < 0 ? SharedRound.find(runId, attempt) : null;
                if (shared != null) {
                    // The tasks update the parameters themselves, step after step, until the epoch's last.
                    waitNanos += sharedRounds(lease, block, shared, own, step, p);
                    expected = stepsPerEpoch;
                    continue;
                }
                long roundStart = System.nanoTime();
                OrderedSum sum = new OrderedSum(numPartitions).add(p, own.compute(lease, block, s.state(), step));
                long w1 = System.nanoTime();
                InProcessHub.Collected c = hub.collect(p, kids, kidTimeouts, epoch, step, roundStart, sum, name,
                        null);
                waitNanos += System.nanoTime() - w1 - c.mergeNanos;
                hub.sendPartial(p, epoch, step, sum.pending(), c.pathNanos + c.mergeNanos);
                expected = step + syncInterval;
                own.sent(lease, block, expected);
            }
        }
        SparkEnv env = SparkEnv.get();
        return new Report(p, env == null ? "?" : env.executorId(), backend, own.rounds, own.computeNanos, waitNanos,
                0, 0, 0, 0, own.computeCpuNanos);
    }

    /**
     * Task {@code p}'s rounds from {@code first} to the epoch's end through {@link SharedRound}: compute, put the leaf
     * in, take part in the sum and the update, go on with the new state. Returns the time spent waiting for the other
     * tasks (the barrier waits, less this task's own part of the update).
     */
    private long sharedRounds(EngineCache.Lease lease, PackedBlock block, SharedRound shared, Shares own, int first,
                              int p) throws IOException {
        long waited = 0;
        for (int step = first; step < stepsPerEpoch; step++) {
            lastStep = step;
            checkNotKilled(p, step);
            long roundStart = System.nanoTime();
            OrderedSum.Node leaf = own.compute(lease, block, shared.state(), step);
            long w0 = System.nanoTime();
            shared.run(p, step, leaf, roundStart);
            waited += System.nanoTime() - w0;
            own.sent(lease, block, step + 1);
        }
        return waited;
    }

    /** A whole handshake with a child takes at most this long (a real one takes milliseconds). */
    static final int HANDSHAKE_MS = 10_000;
    /** Handshakes a task's listener runs at once; beyond, the oldest is dropped (see {@link Listener}). */
    static final int MAX_PENDING_HANDSHAKES = 256;

    /** Called with a task's listening address right after it binds, before it registers (tests only). */
    static volatile java.util.function.Consumer<String> listenHook;

    /**
     * Waits, until {@code connectTimeoutMs} after the call, for every child's authenticated link. The listener
     * has already dropped strangers (a port scan, garbage, a connection that drips bytes: see {@link Listener});
     * an authenticated link of the wrong attempt or partition is rejected here and the wait goes on.
     */
    private void acceptChildren(Listener server, List<Integer> kids, PeerLink[] down, int p) throws IOException {
        int missing = kids.size();
        long deadline = System.nanoTime() + connectTimeoutMs * 1_000_000L;
        while (missing > 0) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            PeerLink l;
            try {
                l = left <= 0 ? null : server.poll(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("partition " + p + " (epoch " + (epoch + 1) + ") was interrupted while "
                        + "waiting for its children " + kids, e);
            }
            if (l == null) {
                throw new IOException("partition " + p + " (epoch " + (epoch + 1) + "): children " + kids
                        + " did not all connect within " + connectTimeoutMs + " ms (" + server.rejectedCount()
                        + " other connections rejected)");
            }
            int i = kids.indexOf(l.peerPartition());
            if (l.peerAttempt() != attempt || i < 0 || down[i] != null) {
                server.reject(l, l.peerAttempt() != attempt ? "stale attempt " + l.peerAttempt()
                        : i < 0 ? "partition " + l.peerPartition() + " is not a child of " + p
                        : "duplicate partition " + l.peerPartition());
            } else {
                down[i] = l;
                missing--;
            }
        }
    }

    /**
     * Runs {@code onKill} (closing the links, or waking the task's in-process waits) when Spark kills the task (a
     * sibling failed), so blocked reads end at once.
     */
    private static Thread startWatchdog(BarrierTaskContext ctx, Runnable onKill) {
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    if (ctx.isInterrupted()) {
                        onKill.run();
                        return;
                    }
                    Thread.sleep(50);
                }
            } catch (InterruptedException ignored) {
                // the task ended
            }
        }, "spark-snn barrier watchdog " + ctx.partitionId());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private Report loop(PackedBlock block, AggregationTree tree, List<Integer> kids, PeerLink up, PeerLink[] down,
                        int p) throws IOException {
        // Two states: the reader fills the next round's while the engine still reads this round's.
        float[][] states = {new float[dim], new float[dim]};
        Shares own = new Shares();
        long waitNanos = 0;
        long stateWaitNanos = 0;
        long sendNanos = 0;
        String backend = "?";
        int[] kidIndex = kids.stream().mapToInt(Integer::intValue).toArray();
        int[] kidEnds = kids.stream().mapToInt(tree::subtreeEnd).toArray();
        int[] kidTimeouts = kids.stream().mapToInt(k -> timeout(tree.height(k))).toArray();
        java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spark-snn state from the parent of partition " + p);
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spark-snn partial sum of partition " + p);
            t.setDaemon(true);
            return t;
        });
        try (EngineCache.Lease lease = EngineCache.acquire(runId, engines);
             PartialReceiver receiver = new PartialReceiver("partition " + p, down, kidIndex, kidEnds, kidTimeouts,
                     numPartitions, dim, bf16);
             java.io.Closeable stopReader = reader::shutdownNow;
             java.io.Closeable stopSender = sender::shutdownNow) {
            backend = lease.engine.backendDescription();
            int expected = -1;
            java.util.concurrent.Future<Frame> ahead = null;
            int cur = 0;
            while (true) {
                long w0 = System.nanoTime();
                Frame f = ahead == null ? nextState(tree, up, down, states[cur], null, expected, p) : await(ahead, p);
                ahead = null;
                long waited = System.nanoTime() - w0;
                if (f.type() == Frame.END) {
                    break;
                }
                if (expected >= 0) { // between steps; the wait for the first state is the stage's start-up
                    waitNanos += waited;
                    stateWaitNanos += waited;
                }
                int step = f.step();
                lastStep = step;
                checkNotKilled(p, step);
                receiver.startStreaming(epoch, step);
                expected = step + syncInterval;
                // The next state streams in (and on to the children) while this round's sum goes up: the driver
                // sends its piece k as soon as the sum's piece k is complete, so both directions move at once. The
                // sum's pieces go up while the backward pass still runs, the last layers' first (OverlappedShare).
                int next = expected;
                float[] into = states[cur ^ 1];
                float[] prev = states[cur];
                ahead = reader.submit(() -> nextState(tree, up, down, into, prev, next, p));
                OverlappedShare share = OverlappedShare.of(block, step, Math.min(syncInterval, stepsPerEpoch - step),
                        stepsPerEpoch, numParams, dim);
                java.util.concurrent.Future<Long> sending = sender.submit(() -> CutThrough.send(up, p, share,
                        receiver, down.length, numPartitions, epoch, step, dim, bf16));
                try {
                    share.done(own.compute(lease, block, prev, step, share));
                } catch (RuntimeException | Error e) {
                    share.fail(e);
                    throw e;
                }
                long s0 = System.nanoTime();
                long childWait = await(sending, p);
                // send: from the computation's end until the sum has left, less the waits for the children
                sendNanos += Math.max(0, System.nanoTime() - s0 - childWait);
                waitNanos += childWait;
                own.sent(lease, block, expected);
                cur ^= 1;
            }
        }
        long sent = up.bytesSent();
        long received = up.bytesReceived();
        for (PeerLink d : down) {
            sent += d.bytesSent();
            received += d.bytesReceived();
        }
        SparkEnv env = SparkEnv.get();
        return new Report(p, env == null ? "?" : env.executorId(), backend, own.rounds, own.computeNanos, waitNanos,
                sent, received, stateWaitNanos, sendNanos, own.computeCpuNanos);
    }

    /**
     * Reads the parent's next frame: the END of the epoch (passed on to the children), or the state of round
     * {@code expected} ({@code -1}: the first), checked and relayed to the children piece by piece as it arrives.
     */
    private Frame nextState(AggregationTree tree, PeerLink up, PeerLink[] down, float[] state, float[] prev,
                            int expected, int p) throws IOException {
        String what = expected < 0 ? "the state of its first step" : "the state of step " + (expected + 1);
        int upTimeout = timeout(tree.depth() + 2);
        up.readTimeout(upTimeout);
        Frame f;
        try {
            f = up.readHeader(what);
        } catch (SocketTimeoutException e) {
            throw new IOException("partition " + p + " (epoch " + (epoch + 1) + "): no word from "
                    + (tree.parent(p) < 0 ? "the driver" : "partition " + tree.parent(p)) + " within "
                    + upTimeout + " ms while waiting for " + what);
        }
        up.checkFromParent(f);
        if (f.type() == Frame.END) {
            if (f.epoch() != epoch || f.step() != stepsPerEpoch) { // END carries the epoch's step count
                throw new ProtocolException("partition " + p + ": unexpected " + f + " from "
                        + (upPartition < 0 ? "the driver" : "partition " + upPartition) + " (epoch " + epoch
                        + ", end at step " + stepsPerEpoch + ")");
            }
            for (PeerLink d : down) {
                d.sendEnd(epoch, f.step());
            }
            return f;
        }
        int step = f.step();
        boolean stateFrame = f.type() == Frame.STATE || (f.type() == Frame.DELTA16 && bf16 && expected >= 0);
        if (!stateFrame || f.epoch() != epoch || step < 0 || step >= stepsPerEpoch
                || step % syncInterval != 0 || (expected >= 0 && step != expected)) {
            throw new ProtocolException("partition " + p + ": unexpected " + f + " from its parent (epoch "
                    + epoch + (expected >= 0 ? ", step " + expected : "") + ")");
        }
        if (f.type() == Frame.DELTA16 && prev != null && prev != state) {
            System.arraycopy(prev, 0, state, 0, dim); // a change against the state the round before started from
        }
        up.relayState(f, state, dim, down);
        return f;
    }

    /** What another thread of the task computed (the state read ahead, the sum sent), its failure rethrown here. */
    private static <T> T await(java.util.concurrent.Future<T> ahead, int p) throws IOException {
        try {
            return ahead.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("partition " + p + " was interrupted while waiting for its parent or its sum", e);
        }
    }

    /**
     * The task's own share of every round, the same over both transports ({@link StepTask#leaf}, as in jobs mode).
     * Two gradient buffers: round r's stays with its receivers (by reference, in process) until the driver sends round
     * r + 1's state, while round r + 1's is cleared, and its rows gathered, in the other one as the task waits.
     */
    private final class Shares {
        private final float[][] scratch = {new float[numParams], new float[numParams]};
        private StepTask.Prepared next;
        int rounds;
        long computeNanos;
        long computeCpuNanos;

        private float[] streamed;

        /** This partition's leaf of the round starting at {@code step} from {@code state}. */
        OrderedSum.Node compute(EngineCache.Lease lease, PackedBlock block, float[] state, int step) {
            return compute(lease, block, state, step, null);
        }

        /** As above, telling {@code share} (may be null) each range of the gradient as it becomes final. */
        OrderedSum.Node compute(EngineCache.Lease lease, PackedBlock block, float[] state, int step,
                                OverlappedShare share) {
            long cpu0 = threadCpuNanos();
            int localSteps = Math.min(syncInterval, stepsPerEpoch - step);
            double[] roundLrs = java.util.Arrays.copyOfRange(lrs, step, step + localSteps);
            OrderedSum.Node leaf = StepTask.leaf(lease, block, state, numParams, syncInterval > 1 ? localRules : null,
                    seed, epoch, step, stepsPerEpoch, localSteps, roundLrs, scratch[rounds & 1], next, share,
                    streamed);
            if (share != null && leaf.vector != null && leaf.vector.length == dim && dim != numParams) {
                streamed = leaf.vector; // sent by the time the next round starts: its storage is reused
            }
            computeNanos += leaf.computeNanos;
            long cpu1 = threadCpuNanos();
            computeCpuNanos = cpu0 < 0 || cpu1 < 0 || computeCpuNanos < 0 ? -1 : computeCpuNanos + cpu1 - cpu0;
            return leaf;
        }

        /** The round's partial sum has left: prepare round {@code nextStep} (a gradient round) while waiting. */
        void sent(EngineCache.Lease lease, PackedBlock block, int nextStep) {
            rounds++;
            next = syncInterval == 1 && nextStep < stepsPerEpoch
                    ? StepTask.prepare(lease, block, seed, epoch, nextStep, stepsPerEpoch, scratch[rounds & 1]) : null;
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** This thread's CPU time in ns, -1 where the JVM does not measure it. */
    private static long threadCpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /** Ends the task at a round's start once Spark has killed it (a cancelled job, a failed sibling). */
    private void checkNotKilled(int p, int step) throws IOException {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        if (ctx != null && ctx.isInterrupted()) {
            throw new IOException("partition " + p + " (epoch " + (epoch + 1) + ") was killed by Spark before step "
                    + (step + 1) + ": " + ctx.getKillReason().getOrElse(() -> "no reason given"));
        }
    }

    /** {@code levels} step timeouts in ms, capped at the largest socket timeout. */
    private int timeout(int levels) {
        return (int) Math.min(Integer.MAX_VALUE, (long) stepTimeoutMs * levels);
    }

    static String hostOf(String address) {
        int i = address.lastIndexOf(':');
        String h = i < 0 ? address : address.substring(0, i);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    static int portOf(String address) {
        int i = address.lastIndexOf(':');
        if (i < 0) {
            throw new IllegalArgumentException("no port in task address '" + address + "'");
        }
        return Integer.parseInt(address.substring(i + 1));
    }
}
