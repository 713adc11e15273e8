package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.engine.EngineStates;
import io.github.sparksnn.ml.train.net.AggregationServer;
import io.github.sparksnn.ml.train.net.AggregationTree;
import io.github.sparksnn.ml.train.net.InProcessHub;
import io.github.sparksnn.ml.train.net.PartialReceiver;
import io.github.sparksnn.ml.train.net.PeerLink;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.UpdateRule;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Barrier-mode training ({@link SyncMode#BARRIER}): the driver's aggregation service and the per-epoch loop.
 * Each epoch is one barrier stage whose tasks stay alive for all its rounds; the driver sends the state down
 * the {@link AggregationTree}, receives the root's total, applies the update rule and sends the new state.
 * When an attempt fails (a task died, a peer timed out), the driver closes its links, cancels the stage,
 * keeps the state after the last completed round and starts a new stage from there, at most
 * {@code spark.snn.barrier.maxRestarts} (default 3) times per epoch; the partial round is discarded, so the
 * result is bit-identical to an undisturbed run. Over sockets the rounds stream ({@link StreamedRound}): the driver
 * updates and sends the next state piece by piece while the sum arrives, and restores the state of a round that
 * fails part-way.
 *
 * <p>
 * Why one file: an attempt's life (launch, registration, rounds over either transport, and the classification of
 * its failure into restart, cancel or fatal) shares the attempt's state and its error paths; split, each piece would
 * need that state passed around and the failure rules would sit apart from the waits that raise them.
 */
final class BarrierLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BarrierLoop.class);

    /**
     * What a test sees of a run's aggregation service: where it listens, the run's credentials, its rejections
     * ({@code server} is null, and {@code port} 0, when the tasks run in this JVM and no socket is opened).
     */
    record ServiceHandle(String host, int port, PeerLink.Credentials credentials, AggregationServer server,
                         List<String> attemptNotes) {
        /** The service's rejected connections and failed attempts, in order. */
        List<String> notes() {
            // attemptNotes is a synchronized list: copying it takes its lock
            return server != null ? server.rejections() : new java.util.ArrayList<>(attemptNotes);
        }
    }

    /** The warning about spark.authenticate being off is logged once per JVM. */
    private static final java.util.concurrent.atomic.AtomicBoolean UNAUTHENTICATED_WARNED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Selects the transport: {@code auto} (in-process under a local master, else sockets) or {@code socket}. */
    static final String TRANSPORT = "spark.snn.aggregation.transport";
    /**
     * Under a local master, whether the tasks add the sums and apply the update themselves ({@link SharedRound}, the
     * default: {@code true}) or hand their sums to the driver, which does ({@code false}); the same bits either way.
     */
    static final String SHARED_ROUNDS = "spark.snn.aggregation.sharedRounds";

    /** Called with each barrier run's service right after it starts listening (tests only). */
    static volatile java.util.function.Consumer<ServiceHandle> serviceHook;

    /** Prefix of every error a barrier task raises, so the driver finds the root cause in Spark's stage failure. */
    static final String TASK_ERROR = "spark-snn barrier task: ";

    /** After {@link #TASK_ERROR}: the task's engine failed, so a restart would fail the same way. */
    static final String FATAL = "fatal: ";

    /** Spark would not run the barrier stage at all (it checks RDD chains, slots and dynamic allocation). */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /** Spark's reason for refusing a barrier stage ("Barrier execution mode does not ..."), or null. */
    static String refusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            int i = m == null ? -1 : m.indexOf("Barrier execution mode does not");
            if (i >= 0) {
                int end = m.indexOf('\n', i);
                return m.substring(i, end < 0 ? m.length() : end).trim();
            }
        }
        return null;
    }

    /** A barrier attempt that cannot go on (a peer closed, timed out or broke the protocol). */
    private static final class AttemptFailed extends Exception {
        private static final long serialVersionUID = 1L;

        AttemptFailed(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    private final JavaSparkContext jsc;
    private final DistributedTrainer.Config config;
    private final EngineFactory engines;
    private final UpdateRule.Factory rules;
    private final TrainingListener listener;

    final String runId;
    final int numPartitions;
    final int dim;
    /** The run's secret, in every task's closure; frames encrypted when Spark's network encryption is on. */
    final PeerLink.Credentials credentials;
    final AggregationTree tree;
    /** The sockets' service, or null when the tasks run in this JVM ({@link #inProcess}). */
    final AggregationServer server;
    /** Tasks run in the driver's JVM (a local master) and the transport is {@link InProcessHub}. */
    final boolean inProcess;
    /** In process, the tasks add the sums and update the parameters themselves ({@link SharedRound}). */
    private final boolean tasksUpdate;
    private final List<String> notes = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final String host;
    final int maxRestarts;
    final int stepTimeoutMs;
    final int connectTimeoutMs;
    int nextAttempt;
    int nextStep;

    BarrierLoop(JavaSparkContext jsc, DistributedTrainer.Config config, EngineFactory engines,
                UpdateRule.Factory rules, TrainingListener listener, String runId, int numPartitions, int dim) {
        this.jsc = jsc;
        this.config = config;
        this.engines = engines;
        this.rules = rules;
        this.listener = listener;
        this.runId = runId;
        this.numPartitions = numPartitions;
        this.dim = dim;
        org.apache.spark.SparkConf conf = jsc.getConf();
        this.credentials = PeerLink.Credentials.random().withEncryption(
                conf.getBoolean("spark.network.crypto.enabled", false));
        String h = conf.get("spark.driver.host", null);
        if (h == null) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostAddress();
            } catch (java.net.UnknownHostException e) {
                h = "127.0.0.1";
            }
        }
        this.host = h;
        String bind = conf.get("spark.driver.bindAddress", host);
        int port = conf.getInt("spark.snn.aggregation.port", 0);
        String local = jsc.getLocalProperty("spark.snn.barrier.maxRestarts");
        this.maxRestarts = local != null ? Integer.parseInt(local.trim())
                : conf.getInt("spark.snn.barrier.maxRestarts", 3);
        this.stepTimeoutMs = (int) Math.min(Integer.MAX_VALUE, config.stepTimeoutSeconds() * 1000L);
        this.connectTimeoutMs = Math.min(stepTimeoutMs, 60_000);
        this.tree = new AggregationTree(numPartitions, config.fanIn());
        this.inProcess = inProcess(jsc, config);
        this.tasksUpdate = inProcess && sharedRounds(jsc); // read before any stage: a bad value fails the fit here
        if (inProcess) {
            this.server = null;
            LOG.info("spark-snn barrier mode: {}, in-process (local master: tasks share the driver's JVM)", tree);
        } else {
            try {
                this.server = new AggregationServer(bind, port, credentials, Math.min(stepTimeoutMs, 10_000),
                        stepTimeoutMs);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e.getMessage(), e);
            }
            LOG.info("spark-snn barrier mode: {}, driver service on {}:{}{}", tree, host, server.port(),
                    credentials.encrypt() ? ", frames encrypted" : "");
            if (!conf.getBoolean("spark.authenticate", false) && UNAUTHENTICATED_WARNED.compareAndSet(false, true)) {
                LOG.warn("spark-snn barrier mode: spark.authenticate is off, so Spark sends task closures, and with "
                        + "them the run secret that authenticates the training connections, in clear; anyone on the "
                        + "network path can read it. Set spark.authenticate=true (and spark.network.crypto.enabled="
                        + "true to encrypt the training frames too).");
            }
        }
        java.util.function.Consumer<ServiceHandle> hook = serviceHook;
        if (hook != null) {
            hook.accept(new ServiceHandle(host, server == null ? 0 : server.port(), credentials, server, notes));
        }
    }

    /**
     * Whether the tasks reach the driver in process: under a local master (tasks are threads of this JVM) with
     * float32 transport, unless {@value #TRANSPORT} (a local property, else the Spark conf) says {@code socket}.
     * bfloat16 transport keeps the sockets, so a local run rounds exactly as a cluster does.
     */
    static boolean inProcess(JavaSparkContext jsc, DistributedTrainer.Config config) {
        String local = jsc.getLocalProperty(TRANSPORT);
        String t = (local != null ? local : jsc.getConf().get(TRANSPORT, "auto")).trim().toLowerCase(
                java.util.Locale.ROOT);
        if (!t.equals("auto") && !t.equals("socket")) {
            throw new IllegalArgumentException(TRANSPORT + " must be auto or socket, got '" + t + "'");
        }
        return t.equals("auto") && jsc.sc().isLocal() && !config.bf16Transport();
    }

    /** {@link #SHARED_ROUNDS}, from the caller's local property or the Spark configuration. */
    static boolean sharedRounds(JavaSparkContext jsc) {
        String local = jsc.getLocalProperty(SHARED_ROUNDS);
        String v = (local != null ? local : jsc.getConf().get(SHARED_ROUNDS, "true")).trim().toLowerCase(
                java.util.Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(SHARED_ROUNDS + " must be true or false, got '" + v + "'");
        }
        return v.equals("true");
    }

    /** Records why an attempt failed (tests and logs read it with the service's rejections). */
    private void note(String reason) {
        if (server != null) {
            server.note(reason);
        } else {
            notes.add(reason);
        }
    }

    List<BarrierEpochTask.Report> epoch(JavaRDD<PackedBlock> train, DistributedTrainer.State st, int epoch, int steps, double[] lrs,
                                        DistributedTrainer.EpochTotals tot) {
        nextStep = 0;
        int restarts = 0;
        while (true) {
            int attempt = nextAttempt++;
            BarrierEpochTask task = new BarrierEpochTask(runId, credentials, host, server == null ? 0 : server.port(),
                    attempt, engines,
                    config.syncInterval() > 1 ? rules : null, st.numParams, dim, config.seed(), epoch, steps,
                    config.syncInterval(), lrs, numPartitions, config.fanIn(), stepTimeoutMs, connectTimeoutMs,
                    config.bf16Transport(), inProcess);
            InProcessHub hub = inProcess ? InProcessHub.open(runId, attempt, tree) : null;
            SharedRound shared = hub != null && tasksUpdate && SharedRound.applies(st, config.syncInterval())
                    ? SharedRound.open(runId, attempt, hub, tree, st, lrs, dim, stepTimeoutMs, epoch) : null;
            // A job tag, not a job group: the caller's group (Zeppelin runs each paragraph in one, for its
            // cancel button) stays in place, and cancelling the tag stops this stage alone.
            String group = "spark-snn-" + runId + "-" + attempt;
            String interrupt = jsc.getLocalProperty("spark.job.interruptOnCancel");
            jsc.setJobDescription(String.format("spark-snn epoch %d/%d: barrier stage of %d tasks%s", epoch + 1,
                    config.epochs(), numPartitions, nextStep == 0 ? "" : ", from step " + (nextStep + 1)));
            jsc.addJobTag(group);
            jsc.setInterruptOnCancel(true);
            org.apache.spark.api.java.JavaFutureAction<List<BarrierEpochTask.Report>> future;
            try {
                future = barrierStage(train, task).collectAsync();
            } catch (RuntimeException e) {
                if (hub != null) {
                    hub.close();
                }
                if (shared != null) {
                    shared.close();
                }
                throw e;
            } finally {
                jsc.removeJobTag(group);
                jsc.setLocalProperty("spark.job.interruptOnCancel", interrupt);
                jsc.setJobDescription(null);
            }
            java.util.TreeMap<Integer, PeerLink> links = new java.util.TreeMap<>();
            try {
                long t0 = System.nanoTime();
                if (hub != null) {
                    inProcessRounds(future, hub, shared, st, epoch, steps, lrs, tot);
                } else {
                    socketRounds(future, links, attempt, st, epoch, steps, lrs, tot);
                }
                try {
                    if (hub != null) {
                        hub.publishEnd(steps);
                    }
                    for (PeerLink l : links.values()) {
                        l.sendEnd(epoch, steps);
                    }
                    long t2 = System.nanoTime();
                    List<BarrierEpochTask.Report> r = future.get(connectTimeoutMs + 60_000L,
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                    long t3 = System.nanoTime();
                    LOG.debug("spark-snn barrier epoch {}: stage start (launch, connect) {} ms, rounds {} ms, stage "
                            + "end {} ms", epoch + 1, (connectedAt - t0) / 1_000_000,
                            (t2 - connectedAt) / 1_000_000, (t3 - t2) / 1_000_000);
                    return r;
                } catch (Exception e) {
                    String cancelled = cancellation(e);
                    if (cancelled != null) {
                        // The caller cancelled the job while its last rounds ran: stop as jobs mode would.
                        note("attempt " + attempt + " of epoch " + (epoch + 1) + " was cancelled: " + cancelled);
                        throw BarrierLoop.<RuntimeException>sneaky(new org.apache.spark.SparkException(
                                "barrier-mode training was cancelled in epoch " + (epoch + 1) + " after its last step: "
                                        + cancelled, e.getCause() == null ? e : e.getCause()));
                    }
                    // Every round is applied: the epoch is complete whatever happened to the stage afterwards.
                    LOG.warn("spark-snn: the barrier stage of epoch {} ended badly after its last step: {}",
                            epoch + 1, e.toString());
                    jsc.cancelJobsWithTag(group);
                    return List.of();
                }
            } catch (AttemptFailed e) {
                closeAll(links);
                if (hub != null) {
                    hub.close();
                }
                if (shared != null) {
                    shared.close();
                }
                // The engine failed (a bad configuration, no GPU): a restart would fail the same way. The root cause
                // arrives up the tree (an ERROR frame) or, when Spark killed the others first, as the stage's own
                // failure (the first task to fail marks its error fatal).
                String fatal = e.getCause() instanceof io.github.sparksnn.ml.train.net.PeerFailure pf && pf.fatal()
                        ? pf.getMessage() : null;
                Throwable stage = stageFailure(future, fatal != null ? 60 : 5);
                if (fatal == null) {
                    String first = taskError(stage);
                    fatal = first != null && first.startsWith(FATAL) ? first.substring(FATAL.length()) : null;
                }
                if (fatal != null) {
                    note("attempt " + attempt + " of epoch " + (epoch + 1) + " failed: " + fatal);
                    jsc.cancelJobsWithTag(group);
                    // Report it as Spark reports a failed job in jobs mode, a SparkException, leading with the root
                    // cause (Spark names the task that failed last) and keeping Spark's failure as the cause.
                    throw BarrierLoop.<RuntimeException>sneaky(new org.apache.spark.SparkException(
                            "barrier-mode training failed in epoch " + (epoch + 1) + " at step " + (nextStep + 1)
                                    + ": " + fatal, stage == null ? e.getCause() : stage));
                }
                String cancelled = cancellation(stage);
                if (cancelled != null) {
                    // Someone cancelled the job (Zeppelin's cancel button, cancelJobGroup, a stopping context): stop,
                    // as jobs mode does, instead of restarting the stage they meant to end.
                    note("attempt " + attempt + " of epoch " + (epoch + 1) + " was cancelled: " + cancelled);
                    throw BarrierLoop.<RuntimeException>sneaky(new org.apache.spark.SparkException(
                            "barrier-mode training was cancelled in epoch " + (epoch + 1) + " at step " + (nextStep + 1)
                                    + ": " + cancelled, stage));
                }
                String reason = failureReason(future, group, e);
                note("attempt " + attempt + " of epoch " + (epoch + 1) + " failed at step "
                        + (nextStep + 1) + ": " + reason);
                restarts++;
                if (restarts > maxRestarts) {
                    throw new IllegalStateException("barrier-mode training failed in epoch " + (epoch + 1)
                            + " at step " + (nextStep + 1) + " after " + maxRestarts + " restarts "
                            + "(spark.snn.barrier.maxRestarts): " + reason, e.getCause());
                }
                LOG.warn("spark-snn: barrier stage of epoch {} failed at step {} ({}); restarting it from the "
                        + "last completed step (restart {} of at most {})", epoch + 1, nextStep + 1, reason,
                        restarts, maxRestarts);
            } finally {
                closeAll(links);
                if (hub != null) {
                    hub.close();
                }
                if (shared != null) {
                    shared.close();
                }
            }
        }
    }

    private long connectedAt;

    /**
     * The rounds of an attempt over sockets: register every task's address, keep the links of the driver's children,
     * then per round send the state down and receive the partial sums on {@link PartialReceiver}'s threads.
     */
    private void socketRounds(org.apache.spark.api.java.JavaFutureAction<?> future,
                              java.util.TreeMap<Integer, PeerLink> links, int attempt, DistributedTrainer.State st,
                              int epoch, int steps, double[] lrs, DistributedTrainer.EpochTotals tot)
            throws AttemptFailed {
        List<Integer> toDriver = tree.driverChildren();
        long waitingSince = System.nanoTime();
        long lastLog = waitingSince;
        try {
            // Registration: every task says where it listens; once all have, each learns all addresses.
            java.util.TreeMap<Integer, PeerLink> registered = new java.util.TreeMap<>();
            String[] addresses = new String[numPartitions];
            while (registered.size() < numPartitions) {
                PeerLink l = server.poll(200);
                if (l == null) {
                    if (future.isDone()) {
                        closeAll(registered);
                        Throwable t = stageFailure(future);
                        String refused = refusal(t);
                        if (refused != null && registered.isEmpty() && nextStep == 0) {
                            throw new Refused(refused, t);
                        }
                        throw new AttemptFailed("the barrier stage ended before its tasks connected"
                                + (t == null ? "" : ": " + t.getMessage()), t);
                    }
                    if (System.nanoTime() - lastLog > 30_000_000_000L) {
                        lastLog = System.nanoTime();
                        LOG.info("spark-snn: {} of {} barrier tasks registered after {} s (waiting for task "
                                        + "slots?)", registered.size(), numPartitions,
                                (lastLog - waitingSince) / 1_000_000_000L);
                    }
                    continue;
                }
                int p = l.peerPartition();
                if (l.peerAttempt() != attempt) {
                    server.reject(l, "stale attempt " + l.peerAttempt() + " (the current one is " + attempt + ")");
                } else if (p < 0 || p >= numPartitions) {
                    server.reject(l, "no partition " + p + " in this run of " + numPartitions);
                } else if (registered.containsKey(p)) {
                    server.reject(l, "duplicate partition " + p + " (already connected in attempt " + attempt
                            + ")");
                } else {
                    try {
                        l.readTimeout(Math.min(stepTimeoutMs, 10_000));
                        addresses[p] = l.readRegister();
                        registered.put(p, l);
                    } catch (java.io.IOException e) {
                        server.reject(l, e.getMessage());
                    }
                }
            }
            try {
                for (java.util.Map.Entry<Integer, PeerLink> e : registered.entrySet()) {
                    e.getValue().sendPeers(addresses);
                    if (toDriver.contains(e.getKey())) {
                        links.put(e.getKey(), e.getValue());
                    } else {
                        e.getValue().close();
                    }
                }
            } catch (java.io.IOException e) {
                closeAll(registered);
                throw e;
            }
            connectedAt = System.nanoTime();
            PeerLink[] ls = links.values().toArray(new PeerLink[0]);
            int[] parts = links.keySet().stream().mapToInt(Integer::intValue).toArray();
            int[] ends = java.util.Arrays.stream(parts).map(tree::subtreeEnd).toArray();
            int[] waits = java.util.Arrays.stream(parts).map(q -> (int) Math.min(Integer.MAX_VALUE,
                    (long) stepTimeoutMs * (tree.height(q) + 1))).toArray();
            try (PartialReceiver receiver = new PartialReceiver("the driver", ls, parts, ends, waits, numPartitions,
                    dim, config.bf16Transport())) {
                float[] held = null; // bfloat16 transport: the state the tasks hold, to send changes against
                // Streamed rounds: the driver updates and sends the next state piece by piece as the sum arrives.
                boolean streamed = !config.bf16Transport() && (config.syncInterval() > 1 || st.rule.elementWise());
                StreamedRound round = streamed ? new StreamedRound(st, dim, numPartitions) : null;
                boolean stateSent = false; // the previous streamed round sent this round's state already
                while (nextStep < steps) {
                    int step = nextStep;
                    int localSteps = Math.min(config.syncInterval(), steps - step);
                    checkStageAlive(future, step);
                    long s0 = System.nanoTime();
                    long b0 = bytes(links);
                    if (streamed) {
                        if (!stateSent) {
                            float[] state = EngineStates.of(st.params, st.buffers);
                            for (PeerLink l : ls) {
                                l.sendState(epoch, step, state, dim);
                            }
                        }
                        receiver.startStreaming(epoch, step);
                        int following = step + localSteps < steps ? step + localSteps : -1;
                        StreamedRound.Result r = round.run(receiver, ls, config.syncInterval() > 1, lrs[step], epoch,
                                following);
                        stateSent = following >= 0;
                        drainStrays(attempt);
                        // The round's waits for pieces and its writes are transfer; only its own work is counted.
                        tot.optimizerNanos += r.updateNanos();
                        finishRound(r.stats(), null, epoch, step, localSteps, steps, lrs, tot,
                                r.pathNanos() + r.addNanos(), s0, () -> tot.driverBytes += bytes(links) - b0);
                        continue;
                    }
                    float[] state = EngineStates.of(st.params, st.buffers);
                    if (!config.bf16Transport() || held == null) {
                        for (PeerLink l : ls) {
                            l.sendState(epoch, step, state, dim);
                        }
                        held = config.bf16Transport() ? state.clone() : null;
                    } else {
                        short[] delta = roundedChange(held, state, st);
                        for (PeerLink l : ls) {
                            l.sendDelta16(epoch, step, delta, dim);
                        }
                    }
                    receiver.start(epoch, step);
                    OrderedSum sum = new OrderedSum(numPartitions);
                    long path = 0;
                    for (int i = 0; i < ls.length; i++) {
                        path = Math.max(path, receiver.addTo(i, sum));
                    }
                    long merge = receiver.mergeNanos();
                    drainStrays(attempt);
                    finishRound(sum.result(), st, epoch, step, localSteps, steps, lrs, tot, path + merge, s0, () -> {
                        for (PeerLink l : links.values()) {
                            l.recycle();
                        }
                        tot.driverBytes += bytes(links) - b0;
                    });
                }
            }
        } catch (java.io.IOException e) {
            throw new AttemptFailed(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailed("interrupted", e);
        }
    }


    /**
     * The driver's side of a round once the total has arrived, the same for both transports: apply the update rule
     * (unless {@code st} is null: a streamed round applied it piece by piece as the sum arrived),
     * account the round's times ({@code aggregationNanos}: the longest path of partial sums plus the driver's own
     * merge), let {@code release} free the transport's buffers, and report the step.
     */
    private void finishRound(OrderedSum.Node node, DistributedTrainer.State st, int epoch, int step, int localSteps,
                             int steps, double[] lrs, DistributedTrainer.EpochTotals tot, long aggregationNanos,
                             long roundStart, Runnable release) {
        if (st != null) { // null: the round applied its update as it streamed (StreamedRound)
            long o0 = System.nanoTime();
            DistributedTrainer.applyRound(node, st, config.syncInterval() > 1, lrs[step]);
            tot.optimizerNanos += System.nanoTime() - o0;
        }
        release.run();
        tot.aggregationNanos += aggregationNanos;
        long dt = System.nanoTime() - roundStart;
        DistributedTrainer.record(tot, node, dt);
        nextStep = step + localSteps;
        listener.onStep(epoch, config.epochs(), step + localSteps - 1, steps,
                node.count == 0 ? Double.NaN : node.lossSum / node.count, node.count, node.count / (dt / 1e9));
    }

    /**
     * The rounds of an attempt whose tasks run in this JVM ({@link InProcessHub}): wait until every task has joined
     * (or Spark refused the stage), then per round put the state in every task's queue and collect the driver's
     * children's partial sums, by reference.
     */
    private void inProcessRounds(org.apache.spark.api.java.JavaFutureAction<?> future, InProcessHub hub,
                                 SharedRound shared, DistributedTrainer.State st, int epoch, int steps, double[] lrs,
                                 DistributedTrainer.EpochTotals tot) throws AttemptFailed {
        long waitingSince = System.nanoTime();
        long lastLog = waitingSince;
        try {
            while (!hub.awaitJoined(200)) {
                if (future.isDone()) {
                    Throwable t = stageFailure(future);
                    String refused = refusal(t);
                    if (refused != null && hub.joinedCount() == 0 && nextStep == 0) {
                        throw new Refused(refused, t);
                    }
                    throw new AttemptFailed("the barrier stage ended before its tasks started"
                            + (t == null ? "" : ": " + t.getMessage()), t);
                }
                if (System.nanoTime() - lastLog > 30_000_000_000L) {
                    lastLog = System.nanoTime();
                    LOG.info("spark-snn: {} of {} barrier tasks started after {} s (waiting for task slots?)",
                            hub.joinedCount(), numPartitions, (lastLog - waitingSince) / 1_000_000_000L);
                }
            }
            connectedAt = System.nanoTime();
            if (shared != null) {
                sharedRounds(future, hub, shared, epoch, steps, lrs, tot);
                return;
            }
            int[] kids = tree.driverChildren().stream().mapToInt(Integer::intValue).toArray();
            int[] waits = java.util.Arrays.stream(kids).map(q -> (int) Math.min(Integer.MAX_VALUE,
                    (long) stepTimeoutMs * (tree.height(q) + 1))).toArray();
            while (nextStep < steps) {
                int step = nextStep;
                int localSteps = Math.min(config.syncInterval(), steps - step);
                checkStageAlive(future, step);
                long s0 = System.nanoTime();
                hub.publishState(epoch, step, EngineStates.of(st.params, st.buffers));
                OrderedSum sum = new OrderedSum(numPartitions);
                InProcessHub.Collected c = hub.collect(AggregationTree.DRIVER, kids, waits, epoch, step, s0, sum,
                        "the driver", future::isDone);
                finishRound(sum.result(), st, epoch, step, localSteps, steps, lrs, tot, c.pathNanos + c.mergeNanos,
                        s0, () -> { });
            }
        } catch (java.io.IOException e) {
            throw new AttemptFailed(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailed("interrupted", e);
        }
    }

    /**
     * The rounds of an attempt whose tasks update the parameters themselves ({@link SharedRound}): the driver hands
     * out the first state, then only follows the rounds as they complete (progress, metrics), waiting for each at
     * most as long as a task waits for its parent, and watching the stage.
     */
    private void sharedRounds(org.apache.spark.api.java.JavaFutureAction<?> future, InProcessHub hub,
                              SharedRound shared, int epoch, int steps, double[] lrs,
                              DistributedTrainer.EpochTotals tot) throws java.io.IOException, AttemptFailed {
        long waitNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
                Math.min(Integer.MAX_VALUE, (long) stepTimeoutMs * (tree.depth() + 2)));
        long s0 = System.nanoTime();
        hub.publishState(epoch, nextStep, shared.state());
        try {
            while (nextStep < steps) {
                int step = nextStep;
                checkStageAlive(future, step);
                SharedRound.Done d = shared.awaitDone(200_000_000L);
                if (d == null) {
                    if (System.nanoTime() - s0 > waitNanos) {
                        throw new java.io.IOException("the driver heard of no completed round for epoch "
                                + (epoch + 1) + ", step " + (step + 1) + " within " + waitNanos / 1_000_000 + " ms");
                    }
                    continue;
                }
                s0 = sharedRoundDone(d, epoch, steps, lrs, tot, s0);
            }
        } catch (java.io.IOException | AttemptFailed | RuntimeException e) {
            // Rounds the tasks completed before the failure are applied to the parameters already: count them,
            // so the restart begins after the last of them, not before it.
            SharedRound.Done d;
            while ((d = shared.pollDone()) != null) {
                s0 = sharedRoundDone(d, epoch, steps, lrs, tot, s0);
            }
            throw e;
        }
    }

    /** The bookkeeping of a round the tasks completed; returns when it ended (the next round's start). */
    private long sharedRoundDone(SharedRound.Done d, int epoch, int steps, double[] lrs,
                                 DistributedTrainer.EpochTotals tot, long roundStart) {
        if (d.step() != nextStep) {
            throw new IllegalStateException("the tasks completed step " + (d.step() + 1) + " while the driver "
                    + "expected step " + (nextStep + 1));
        }
        tot.optimizerNanos += d.updateNanos();
        finishRound(d.stats(), null, epoch, d.step(), 1, steps, lrs, tot, 0, roundStart, () -> { });
        return d.endNanos();
    }

    /**
     * A stage that ended before its last round (cancelled by the caller, killed with its executor) fails the attempt
     * now, not at the next timeout: Spark may end the job while its tasks, which notice a kill only at their next
     * check, still answer.
     */
    private static void checkStageAlive(org.apache.spark.api.java.JavaFutureAction<?> future, int step)
            throws AttemptFailed {
        if (future.isDone()) {
            Throwable t = stageFailure(future, 0);
            throw new AttemptFailed("the barrier stage ended before step " + (step + 1)
                    + (t == null ? "" : ": " + t.getMessage()), t);
        }
    }

    /**
     * bfloat16 transport: the change from the state the tasks hold to the driver's, rounded to bfloat16; the held
     * state and the driver's own parameters and buffers both become {@code held + rounded change}, so the driver's
     * master copy stays equal, bit for bit, to every task's (and a restarted stage, sent the full state, resumes
     * exactly).
     */
    private short[] roundedChange(float[] held, float[] state, DistributedTrainer.State st) {
        short[] delta = new short[dim];
        for (int i = 0; i < dim; i++) {
            delta[i] = io.github.sparksnn.ml.train.net.Bf16.encode(state[i] - held[i]);
            held[i] += io.github.sparksnn.ml.train.net.Bf16.decode(delta[i]);
        }
        System.arraycopy(held, 0, st.params, 0, st.numParams);
        System.arraycopy(held, st.numParams, st.buffers, 0, st.buffers.length);
        return delta;
    }

    /** Rejects links that arrived during the rounds: no task of a running attempt connects twice. */
    private void drainStrays(int attempt) throws InterruptedException {
        PeerLink l;
        while ((l = server.poll(0)) != null) {
            int p = l.peerPartition();
            server.reject(l, l.peerAttempt() != attempt
                    ? "stale attempt " + l.peerAttempt() + " (the current one is " + attempt + ")"
                    : "duplicate partition " + p + " (already connected in attempt " + attempt + ")");
        }
    }

    private long bytes(java.util.Map<Integer, PeerLink> links) {
        long b = 0;
        for (PeerLink l : links.values()) {
            b += l.bytesSent() + l.bytesReceived();
        }
        return b;
    }

    /**
     * The root cause of a failed attempt: a task's own error when Spark reports one within a few seconds (it
     * names the partition and the step), else the driver's. Cancels the stage and waits for it to end.
     */
    private String failureReason(org.apache.spark.api.java.JavaFutureAction<?> future, String group,
                                 AttemptFailed failure) {
        String driverReason = failure.getMessage();
        String reason = driverReason;
        if (failure.getCause() instanceof io.github.sparksnn.ml.train.net.PeerFailure) {
            // A task sent the root cause up the tree: nothing Spark says about the others adds to it.
            jsc.cancelJobsWithTag(group);
            awaitEnd(future);
            return reason;
        }
        try {
            future.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            String task = taskError(e.getCause() == null ? e : e.getCause());
            if (task != null && !task.equals(driverReason)) {
                reason = driverReason + "; first task error: " + task;
            }
        } catch (Exception e) {
            // still running or interrupted: cancel it below
        }
        jsc.cancelJobsWithTag(group);
        awaitEnd(future);
        return reason;
    }

    private void awaitEnd(org.apache.spark.api.java.JavaFutureAction<?> future) {
        try {
            future.get(120, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // cancelled, as intended
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }

    /** The stage's own failure (the job's exception) once Spark reports it, or null within 60 s. */
    private static Throwable stageFailure(org.apache.spark.api.java.JavaFutureAction<?> future) {
        return stageFailure(future, 60);
    }

    /** The stage's own failure once Spark reports it, or null within {@code seconds}. */
    private static Throwable stageFailure(org.apache.spark.api.java.JavaFutureAction<?> future, int seconds) {
        try {
            future.get(seconds, java.util.concurrent.TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (Exception e) {
            return null;
        }
    }

    /** Throws a SparkException (checked in Java's eyes) from code that cannot declare it, as Spark's own API does. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** Spark's words for a cancelled job: "Job 7 cancelled part of cancelled job group g", "... because ...". */
    private static final java.util.regex.Pattern CANCELLED = java.util.regex.Pattern.compile(
            "Job \\d+ cancelled.*?(?= SQLSTATE|\\)|\\n|$)");

    /**
     * Spark's word that the stage's job was cancelled by someone else than this loop (a job group, all jobs, a
     * stopping context), or null. Cancellations of this loop's own tag are not the caller's.
     */
    static String cancellation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            java.util.regex.Matcher x = m == null ? null : CANCELLED.matcher(m);
            if (x != null && x.find() && !x.group().contains("spark-snn-")) {
                return x.group().trim();
            }
        }
        return null;
    }

    /** The first task error line of a Spark failure ({@link #TASK_ERROR}-prefixed), or null. */
    static String taskError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m == null) {
                continue;
            }
            int i = m.indexOf(TASK_ERROR);
            if (i >= 0) {
                int end = m.indexOf('\n', i);
                return m.substring(i + TASK_ERROR.length(), end < 0 ? m.length() : end).trim();
            }
        }
        return null;
    }

    private static void closeAll(java.util.Map<Integer, PeerLink> links) {
        for (PeerLink l : links.values()) {
            l.close();
        }
        links.clear();
    }

    /** {@code train.barrier().mapPartitions(task)}: one task per partition, launched together. */
    private static JavaRDD<BarrierEpochTask.Report> barrierStage(JavaRDD<PackedBlock> train, BarrierEpochTask task) {
        scala.reflect.ClassTag<BarrierEpochTask.Report> tag = scala.reflect.ClassTag$.MODULE$.apply(
                BarrierEpochTask.Report.class);
        scala.Function1<scala.collection.Iterator<PackedBlock>, scala.collection.Iterator<BarrierEpochTask.Report>> f =
                (scala.Function1<scala.collection.Iterator<PackedBlock>, scala.collection.Iterator<BarrierEpochTask.Report>>
                        & java.io.Serializable) it -> scala.jdk.javaapi.CollectionConverters.asScala(
                        task.runChecked(scala.jdk.javaapi.CollectionConverters.asJava(it)));
        return JavaRDD.fromRDD(train.rdd().barrier().mapPartitions(f, false, tag), tag);
    }
}
