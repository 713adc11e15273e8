package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.engine.EngineCache;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.engine.EngineStates;
import io.github.sparksnn.ml.train.net.AggregationTree;
import io.github.sparksnn.ml.train.net.InProcessHub;
import io.github.sparksnn.ml.train.plan.BatchPlan;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.plan.Seeds;
import io.github.sparksnn.ml.train.state.CheckpointStore;
import io.github.sparksnn.ml.train.state.EpochMetrics;
import io.github.sparksnn.ml.train.state.TrainingCheckpoint;
import io.github.sparksnn.ml.train.state.UpdateRule;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import io.github.sparksnn.train.GradientEngine;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Synchronous data-parallel mini-batch training over packed partitions.
 *
 * <p>Per step {@code s} of epoch {@code e} every partition gathers its share of global batch {@code s} (see
 * {@link BatchPlan}) into a scratch buffer and asks a cached engine replica for the gradient sum over it, with the seed
 * {@code derive(seed, e, s, p)}; the sums are added through an {@link OrderedSum}, so the float additions follow a
 * fixed tree over partition indices; the driver divides by the number of samples in the batch and applies the
 * {@link UpdateRule}. Given the same seed and partitioning the parameters are therefore bit-identical across executor
 * counts, timing, retries, killed executors and the two ways of moving the vectors ({@link SyncMode}):
 * <ul>
 *   <li><b>barrier</b>: one barrier stage per epoch ({@link BarrierEpochTask}); tasks keep their partition and engine
 *       for all its steps and exchange the state and the partial sums with the driver's aggregation service over an
 *       {@link io.github.sparksnn.ml.train.net.AggregationTree} of authenticated sockets, or, under a local master
 *       whose tasks are threads of the driver's JVM, through an {@link InProcessHub} by reference. A failed stage
 *       restarts from the driver's last completed step.</li>
 *   <li><b>jobs</b>: one Spark job per step: the driver broadcasts the state and {@code treeAggregate} brings the
 *       partition sums back ({@code aggregationDepth}).</li>
 * </ul>
 * {@code auto} picks barrier when the cluster has a task slot for every partition and no dynamic allocation.
 *
 * <p>With {@code syncInterval = k > 1} each task runs {@code k} consecutive steps locally (a fresh update
 * rule per round, local mean gradients) and returns its parameter delta weighted by its sample count; the
 * driver adds the weighted mean delta (parameter averaging, "local SGD", FedAvg with the client optimizer reset
 * each round). The local rule's state (Adam's moments and step count) starts from zero every round and the
 * driver's rule is not used: keeping per-task optimizer state across rounds would tie the bits to which executor
 * kept it. Rounds do not cross epochs.
 *
 * <p>Buffers (non-trainable state: batch-norm running statistics, {@link GradientEngine#buffers()}) follow
 * PyTorch DDP without SyncBatchNorm: each step broadcasts them with the parameters, every task loads them
 * before computing, its replica updates them from its own share's batch statistics (the forward pass
 * normalizes with per-partition batch statistics too), and the task returns them weighted by its sample count
 * in the same {@link OrderedSum} leaf as its gradient; the driver's new buffers are the sample-weighted mean
 * {@code sum_p n_p b_p / sum_p n_p} over the non-empty partitions. Deterministic like the parameters, but only
 * close to the running statistics of single-JVM training on the whole batch (variances are averaged, not
 * pooled: the spread between partition means is left out). With {@code syncInterval > 1} the buffers after the
 * round's local steps are averaged the same way.
 *
 * <p>Checkpoints (parameters, buffers, update-rule state, epoch counter, history) are written every
 * {@code checkpointInterval} epochs and after the last; {@code resume} restarts after the latest one.
 */
public final class DistributedTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);

    /**
     * Settings of one run. {@code fingerprint} identifies the configuration for checkpoint matching.
     * {@code syncMode}: barrier stage per epoch, job per step, or auto; {@code fanIn}: the most partial sums
     * the driver receives per step in barrier mode ({@code AggregationTree}; 0: a star, every task to the driver);
     * {@code stepTimeoutSeconds}: how long any peer may stay silent in barrier mode before the step fails;
     * {@code bf16Transport}: barrier mode moves partial sums and state changes as bfloat16 (half the bytes,
     * deterministic, not bit-identical to float32 transport; jobs mode always moves float32).
     */
    public record Config(long seed, int batchSize, int epochs, int aggregationDepth, int syncInterval,
                         String checkpointDir, int checkpointInterval, boolean resume, String fingerprint,
                         SyncMode syncMode, int fanIn, int stepTimeoutSeconds, boolean bf16Transport) {
        public Config {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            }
            if (epochs < 0) {
                throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
            }
            if (aggregationDepth < 1) {
                throw new IllegalArgumentException("aggregationDepth must be >= 1, got " + aggregationDepth);
            }
            if (syncInterval < 1) {
                throw new IllegalArgumentException("syncInterval must be >= 1, got " + syncInterval);
            }
            if (checkpointInterval < 1) {
                throw new IllegalArgumentException("checkpointInterval must be >= 1, got " + checkpointInterval);
            }
            if (resume && (checkpointDir == null || checkpointDir.isBlank())) {
                throw new IllegalArgumentException("resume needs a checkpointDir");
            }
            if (syncMode == null) {
                throw new IllegalArgumentException("syncMode must be auto, barrier or jobs");
            }
            if (fanIn < 0) {
                throw new IllegalArgumentException("aggregationFanIn must be >= 0 (0: star), got " + fanIn);
            }
            if (stepTimeoutSeconds < 1) {
                throw new IllegalArgumentException("stepTimeout must be >= 1 second, got " + stepTimeoutSeconds);
            }
        }

        /** The defaults: auto mode, fan-in 2, 300 s step timeout. */
        public Config(long seed, int batchSize, int epochs, int aggregationDepth, int syncInterval,
                      String checkpointDir, int checkpointInterval, boolean resume, String fingerprint) {
            this(seed, batchSize, epochs, aggregationDepth, syncInterval, checkpointDir, checkpointInterval, resume,
                    fingerprint, SyncMode.AUTO, 2, 300, false);
        }

        /** Without bfloat16 transport. */
        public Config(long seed, int batchSize, int epochs, int aggregationDepth, int syncInterval,
                      String checkpointDir, int checkpointInterval, boolean resume, String fingerprint,
                      SyncMode syncMode, int fanIn, int stepTimeoutSeconds) {
            this(seed, batchSize, epochs, aggregationDepth, syncInterval, checkpointDir, checkpointInterval, resume,
                    fingerprint, syncMode, fanIn, stepTimeoutSeconds, false);
        }

        /** This configuration in another synchronization mode (and fan-in). */
        public Config with(SyncMode mode, int fanIn) {
            return new Config(seed, batchSize, epochs, aggregationDepth, syncInterval, checkpointDir,
                    checkpointInterval, resume, fingerprint, mode, fanIn, stepTimeoutSeconds, bf16Transport);
        }

        /** This configuration with (or without) bfloat16 vectors on barrier mode's sockets. */
        public Config withBf16Transport(boolean on) {
            return new Config(seed, batchSize, epochs, aggregationDepth, syncInterval, checkpointDir,
                    checkpointInterval, resume, fingerprint, syncMode, fanIn, stepTimeoutSeconds, on);
        }

        /** This configuration with another step timeout. */
        public Config withStepTimeout(int seconds) {
            return new Config(seed, batchSize, epochs, aggregationDepth, syncInterval, checkpointDir,
                    checkpointInterval, resume, fingerprint, syncMode, fanIn, seconds, bf16Transport);
        }
    }

    /**
     * Final parameters and buffers, per-epoch history, the epoch training resumed after (0 if none), the mode that
     * ran, and in barrier mode what each partition ran on ({@code partition -> "executor X: backend"}).
     */
    public record Result(float[] params, float[] buffers, List<EpochMetrics> history, int resumedFromEpoch,
                         SyncMode syncMode, List<String> partitionBackends) {
    }

    private final JavaSparkContext jsc;
    private final Config config;
    private final EngineFactory engines;
    private final UpdateRule.Factory rules;
    private final LrSchedule schedule;
    private TrainingListener listener = TrainingListener.NONE;

    public DistributedTrainer(JavaSparkContext jsc, Config config, EngineFactory engines, UpdateRule.Factory rules,
                              LrSchedule schedule) {
        this.jsc = jsc;
        this.config = config;
        this.engines = engines;
        this.rules = rules;
        this.schedule = schedule;
    }

    public DistributedTrainer listener(TrainingListener l) {
        this.listener = l == null ? TrainingListener.NONE : l;
        return this;
    }

    /**
     * Trains from {@code initialParams} on the packed {@code train} blocks ({@code sizes[p]} samples in
     * partition {@code p}); {@code validation} (may be null) is evaluated after every epoch. No buffers: for
     * engines without non-trainable state.
     */
    public Result fit(JavaRDD<PackedBlock> train, int[] sizes, JavaRDD<PackedBlock> validation, float[] initialParams) {
        return fit(train, sizes, validation, initialParams, new float[0]);
    }

    /**
     * As {@link #fit(JavaRDD, int[], JavaRDD, float[])}, starting from {@code initialBuffers} (the layout of the
     * engines' {@link GradientEngine#buffers()}, e.g. a fresh replica's).
     */
    public Result fit(JavaRDD<PackedBlock> train, int[] sizes, JavaRDD<PackedBlock> validation, float[] initialParams,
                      float[] initialBuffers) {
        long total = Arrays.stream(sizes).asLongStream().sum();
        if (total == 0) {
            throw new IllegalArgumentException("the training DataFrame is empty");
        }
        final int numPartitions = sizes.length;
        int largest = Arrays.stream(sizes).max().orElse(0);
        if (numPartitions > 1 && largest > 1.5 * total / numPartitions) {
            // Every step waits for the partition with the largest share: say so rather than run slowly in silence.
            LOG.warn("spark-snn: uneven partitions (sizes {}): the largest holds {}% of the data and sets every step's "
                    + "time; repartition the input (e.g. df.repartition({})) to spread it", Arrays.toString(sizes),
                    100L * largest / total, numPartitions);
        }
        final int steps = BatchPlan.stepsPerEpoch(total, config.batchSize());
        final String runId = UUID.randomUUID().toString();
        final String fingerprint = config.fingerprint() + "|partitions=" + Arrays.toString(sizes);

        float[] params = initialParams.clone();
        float[] buffers = initialBuffers.clone();
        final int numParams = params.length;
        UpdateRule rule = rules.create(params.length);
        List<EpochMetrics> history = new ArrayList<>();
        int startEpoch = 0;
        CheckpointStore store = config.checkpointDir() == null || config.checkpointDir().isBlank() ? null
                : new CheckpointStore(config.checkpointDir(), jsc.hadoopConfiguration());
        if (config.resume()) {
            // checked against this run (configuration, sizes, optimizer kind and buffers) as it is read
            Optional<TrainingCheckpoint> cp = store.latest(fingerprint, params.length, buffers.length,
                    rules.create(params.length));
            if (cp.isPresent()) {
                TrainingCheckpoint c = cp.get();
                float[] cb = c.buffers();
                params = c.params().clone();
                buffers = cb.clone();
                rule.restore(c.optimizerState());
                history.addAll(c.history());
                startEpoch = c.completedEpochs();
                LOG.info("resuming from the checkpoint after epoch {} in {}", startEpoch, config.checkpointDir());
            } else {
                LOG.info("no checkpoint in {}: starting from scratch", config.checkpointDir());
            }
        }
        final int resumedFrom = startEpoch;
        SyncMode mode = resolveMode(numPartitions);
        State st = new State(params, buffers, rule, numParams);
        List<String> backends = new ArrayList<>();
        BarrierLoop barrier = null;
        try {
            if (mode == SyncMode.BARRIER) {
                barrier = new BarrierLoop(jsc, config, engines, rules, listener, runId, numPartitions,
                        numParams + buffers.length);
            }
            for (int epoch = startEpoch; epoch < config.epochs(); epoch++) {
                listener.onEpochStart(epoch, config.epochs(), steps);
                long t0 = System.nanoTime();
                EpochTotals tot = new EpochTotals();
                double[] lrs = new double[steps];
                for (int i = 0; i < steps; i++) {
                    lrs[i] = schedule.at(epoch, i, steps, config.epochs());
                }
                List<BarrierEpochTask.Report> reports = null;
                if (barrier != null) {
                    try {
                        reports = barrier.epoch(train, st, epoch, steps, lrs, tot);
                    } catch (BarrierLoop.Refused e) {
                        // Spark refused the barrier stage before any step ran (an RDD chain it does not allow, too
                        // few slots after all, dynamic allocation): auto goes on with a job per step.
                        if (config.syncMode() == SyncMode.BARRIER) {
                            throw new IllegalArgumentException("syncMode=barrier cannot run: " + e.getMessage()
                                    + "; use syncMode=auto or jobs, or repartition the input", e.getCause());
                        }
                        LOG.info("spark-snn: Spark refused the barrier stage ({}); falling back to one Spark job per "
                                + "step (syncMode=jobs)", e.getMessage());
                        barrier.close();
                        barrier = null;
                        mode = SyncMode.JOBS;
                    }
                }
                double taskWait = Double.NaN, taskBytes = Double.NaN;
                if (reports != null) {
                    backends.clear();
                    double wait = 0, bytes = 0, compute = 0, stateWait = 0, send = 0, cpu = 0;
                    boolean cpuKnown = true;
                    int tasks = 0;
                    for (BarrierEpochTask.Report r : reports) {
                        backends.add("partition " + r.partition() + ": executor " + r.executor() + ", "
                                + r.backend());
                        if (r.rounds() > 0) {
                            wait += r.waitNanos() / 1e6 / r.rounds();
                            bytes += (double) (r.bytesSent() + r.bytesReceived()) / r.rounds();
                            compute += r.computeNanos() / 1e6 / r.rounds();
                            stateWait += r.stateWaitNanos() / 1e6 / r.rounds();
                            send += r.sendNanos() / 1e6 / r.rounds();
                            cpu += r.computeCpuNanos() / 1e6 / r.rounds();
                            cpuKnown &= r.computeCpuNanos() >= 0;
                            tasks++;
                        }
                    }
                    if (tasks > 0) {
                        taskWait = wait / tasks;
                        taskBytes = bytes / tasks;
                        // The step's phases on a task, means over tasks: what the overlap with the backward pass
                        // leaves of the sending after the engine's end, and of the wait for the next state. Only
                        // over sockets: in process nothing is sent, and the line would only say zeros.
                        if (bytes > 0) {
                            LOG.info(String.format(java.util.Locale.ROOT, "spark-snn epoch %d per step and task: "
                                    + "compute %.2f ms (%s), send after compute %.2f ms, wait for the state %.2f ms",
                                    epoch + 1, compute / tasks, cpuKnown ? String.format(java.util.Locale.ROOT,
                                            "the task thread on a CPU %.2f ms of it", cpu / tasks)
                                            : "CPU time not measured", send / tasks, stateWait / tasks));
                        }
                    }
                } else {
                    jobsEpoch(train, st, runId, numPartitions, epoch, steps, lrs, tot);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double valAcc = validation == null ? Double.NaN
                        : evaluate(validation, st.params, st.buffers, runId, epoch);
                int rounds = Math.max(1, tot.rounds);
                EpochMetrics m = new EpochMetrics(epoch + 1, tot.lossSum / Math.max(1, tot.count),
                        (double) tot.correct / Math.max(1, tot.count), valAcc, seconds, tot.count / seconds, tot.rounds,
                        tot.stepNanos / 1e6 / rounds, tot.computeNanos / 1e6 / rounds,
                        tot.computeSumNanos / 1e6 / rounds, mode.toString(),
                        barrier == null ? Double.NaN : tot.aggregationNanos / 1e6 / rounds,
                        tot.optimizerNanos / 1e6 / rounds,
                        barrier == null ? Double.NaN : (double) tot.driverBytes / rounds, taskWait, taskBytes);
                history.add(m);
                listener.onEpoch(m);
                boolean last = epoch + 1 == config.epochs();
                if (store != null && ((epoch + 1) % config.checkpointInterval() == 0 || last)) {
                    store.save(new TrainingCheckpoint(fingerprint, epoch + 1, (long) (epoch + 1) * steps,
                            st.params.clone(), st.buffers.clone(), rule.state(), rule.bufferNames(), history));
                }
            }
            if (barrier == null && config.epochs() > startEpoch) {
                backends.addAll(backends(train, runId));
            }
        } finally {
            if (barrier != null) {
                barrier.close();
            }
            jsc.setJobDescription(null);
            releaseEverywhere(runId, numPartitions);
        }
        return new Result(st.params, st.buffers, Collections.unmodifiableList(history), resumedFrom, mode,
                List.copyOf(backends));
    }

    /** The driver's training state: parameters and buffers (updated in place) and the update rule. */
    static final class State {
        final float[] params;
        final float[] buffers;
        final UpdateRule rule;
        final int numParams;

        State(float[] params, float[] buffers, UpdateRule rule, int numParams) {
            this.params = params;
            this.buffers = buffers;
            this.rule = rule;
            this.numParams = numParams;
        }
    }

    /** Sums over the rounds of an epoch. */
    static final class EpochTotals {
        double lossSum;
        long correct;
        long count;
        long stepNanos;
        long computeNanos;
        long computeSumNanos;
        long aggregationNanos;
        long optimizerNanos;
        long driverBytes;
        int rounds;
    }

    /** Parameters from which the driver's element-wise update runs in {@link #UPDATE_THREADS} ranges at once. */
    static final int PARALLEL_UPDATE_MIN = 1 << 16;
    /** The driver's threads for the update: its cores (the common fork-join pool plus the calling thread). */
    static final int UPDATE_THREADS = Math.min(8, Runtime.getRuntime().availableProcessors());

    /**
     * Applies one round's total to the driver state, identically in both modes: the buffers become the
     * sample-weighted mean of the partitions' buffers; the parameters take the update rule's step on the mean
     * gradient, or (local steps) the sample-weighted mean delta.
     */
    static void applyRound(OrderedSum.Node node, State st, boolean localSteps, double lr) {
        if (node.count <= 0 || node.vector == null) {
            return;
        }
        float[] all = node.vector;
        float inv = 1f / node.count;
        int numParams = st.numParams;
        if (all.length != numParams + st.buffers.length) {
            throw new IllegalStateException("tasks returned " + all.length + " values, expected "
                    + numParams + " parameters + " + st.buffers.length + " buffer values");
        }
        float[] v = all.length == numParams ? all : Arrays.copyOf(all, numParams);
        for (int i = 0; i < st.buffers.length; i++) { // sample-weighted mean of the partitions' buffers
            st.buffers[i] = all[numParams + i] * inv;
        }
        if (!localSteps && st.rule.elementWise() && numParams >= PARALLEL_UPDATE_MIN && UPDATE_THREADS > 1) {
            // The tasks wait for this update, so it runs on the driver's cores, not on one: element-wise rules in
            // index ranges, each {@code gradScale * sum} as one float multiplication, the bits of dividing first.
            io.github.sparksnn.train.optim.Optimizer.Update u = st.rule.begin(numParams, lr);
            float[] params = st.params;
            java.util.stream.IntStream.range(0, UPDATE_THREADS).parallel().forEach(r -> {
                int lo = (int) ((long) numParams * r / UPDATE_THREADS);
                int hi = (int) ((long) numParams * (r + 1) / UPDATE_THREADS);
                u.apply(params, all, inv, lo, hi);
            });
        } else if (!localSteps) {
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
            st.rule.step(st.params, v, lr);
        } else {
            // v holds sum_p n_p * (theta_p - theta): add the sample-weighted mean delta.
            for (int i = 0; i < v.length; i++) {
                st.params[i] += v[i] * inv;
            }
        }
    }

    /** The job-per-step loop ({@link SyncMode#JOBS}): a broadcast and a {@code treeAggregate} per round. */
    private void jobsEpoch(JavaRDD<PackedBlock> train, State st, String runId, int numPartitions, int epoch, int steps,
                           double[] epochLrs, EpochTotals tot) {
        for (int step = 0; step < steps; step += config.syncInterval()) {
            int localSteps = Math.min(config.syncInterval(), steps - step);
            double[] lrs = Arrays.copyOfRange(epochLrs, step, step + localSteps);
            long s0 = System.nanoTime();
            Broadcast<float[]> bc = jsc.broadcast(EngineStates.of(st.params, st.buffers));
            StepTask task = new StepTask(runId, engines, config.syncInterval() > 1 ? rules : null,
                    bc, st.numParams, config.seed(), epoch, step, steps, localSteps, lrs, numPartitions);
            jsc.setJobDescription(String.format("spark-snn epoch %d/%d, step %d/%d", epoch + 1,
                    config.epochs(), step + 1, steps));
            OrderedSum sum = train.mapPartitions(task::run).treeAggregate(new OrderedSum(numPartitions),
                    OrderedSum::merge, OrderedSum::merge, config.aggregationDepth());
            OrderedSum.Node node = sum.result();
            long o0 = System.nanoTime();
            applyRound(node, st, task.localRules != null, lrs[0]);
            tot.optimizerNanos += System.nanoTime() - o0;
            bc.destroy();
            long dt = System.nanoTime() - s0;
            record(tot, node, dt);
            listener.onStep(epoch, config.epochs(), step + localSteps - 1, steps,
                    node.count == 0 ? Double.NaN : node.lossSum / node.count, node.count, node.count / (dt / 1e9));
        }
    }

    static void record(EpochTotals tot, OrderedSum.Node node, long stepNanos) {
        tot.stepNanos += stepNanos;
        tot.computeNanos += node.maxComputeNanos;
        tot.computeSumNanos += node.computeNanos;
        tot.rounds++;
        tot.lossSum += node.lossSum;
        tot.correct += node.correct;
        tot.count += node.count;
    }

    /**
     * The mode to run: {@code jobs} and {@code barrier} as configured ({@code barrier} fails with the reason when it
     * cannot run), {@code auto} barrier when it can run, else jobs with one log line saying why.
     */
    SyncMode resolveMode(int numPartitions) {
        if (config.syncMode() == SyncMode.JOBS) {
            return SyncMode.JOBS;
        }
        String why = barrierUnavailable(jsc, numPartitions);
        if (why == null) {
            return SyncMode.BARRIER;
        }
        if (config.syncMode() == SyncMode.BARRIER) {
            throw new IllegalArgumentException("syncMode=barrier cannot run: " + why
                    + "; use syncMode=auto or jobs (one Spark job per step)");
        }
        LOG.info("spark-snn: barrier-mode training cannot run ({}); falling back to one Spark job per step "
                + "(syncMode=jobs)", why);
        return SyncMode.JOBS;
    }

    /** Why a barrier stage of {@code numPartitions} tasks cannot run here, or null when it can. */
    public static String barrierUnavailable(JavaSparkContext jsc, int numPartitions) {
        org.apache.spark.SparkConf conf = jsc.getConf();
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            return "dynamic allocation is on (spark.dynamicAllocation.enabled=true), which Spark's barrier "
                    + "execution mode does not support";
        }
        int slots = taskSlots(jsc);
        if (slots < numPartitions) {
            return numPartitions + " partitions need " + numPartitions + " concurrent task slots, and "
                    + jsc.master() + " has " + slots;
        }
        return null;
    }

    /**
     * Concurrent task slots: from the master for local modes ({@code local[N]}, {@code local-cluster[n,c,m]}),
     * else Spark's default parallelism (the cluster's registered cores), divided by {@code spark.task.cpus}.
     */
    static int taskSlots(JavaSparkContext jsc) {
        String master = jsc.master().trim();
        int cores;
        java.util.regex.Matcher m;
        if (master.equals("local")) {
            cores = 1;
        } else if ((m = java.util.regex.Pattern.compile("local\\[(\\*|\\d+)(,\\s*\\d+)?]").matcher(master)).matches()) {
            cores = m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
        } else if ((m = java.util.regex.Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,.*]")
                .matcher(master)).matches()) {
            cores = Integer.parseInt(m.group(1)) * Integer.parseInt(m.group(2));
        } else {
            cores = jsc.sc().defaultParallelism();
        }
        return cores / Math.max(1, jsc.getConf().getInt("spark.task.cpus", 1));
    }

    /** What each partition's cached engine runs on (jobs mode; barrier tasks report it with their epoch). */
    private List<String> backends(JavaRDD<PackedBlock> train, String runId) {
        EngineFactory f = engines;
        jsc.setJobDescription("spark-snn: which backend each partition ran on");
        List<String> out = train.map(b -> {
            try (EngineCache.Lease lease = EngineCache.acquire(runId, f)) {
                org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
                return "partition " + b.partition + ": executor " + (env == null ? "?" : env.executorId()) + ", "
                        + lease.engine.backendDescription();
            }
        }).collect();
        jsc.setJobDescription(null);
        return out;
    }

    /** Accuracy of {@code params} + {@code buffers} on packed blocks (integer counts: any sum order). */
    public double evaluate(JavaRDD<PackedBlock> blocks, float[] params, float[] buffers, String runId, int epoch) {
        Broadcast<float[]> bc = jsc.broadcast(EngineStates.of(params, buffers));
        final int numParams = params.length;
        EngineFactory f = engines;
        jsc.setJobDescription(String.format("spark-snn validation after epoch %d", epoch + 1));
        long[] cc = blocks.map(b -> {
            try (EngineCache.Lease lease = EngineCache.acquire(runId, f)) {
                EngineStates.load(lease.engine, bc.value(), numParams);
                return countCorrect(lease.engine, b, epoch);
            }
        }).fold(new long[2], (a, b) -> new long[]{a[0] + b[0], a[1] + b[1]});
        bc.destroy();
        return cc[1] == 0 ? Double.NaN : (double) cc[0] / cc[1];
    }

    /** Correct predictions and size of a block, with the parameters and buffers already loaded. */
    static long[] countCorrect(GradientEngine engine, PackedBlock b, int epoch) {
        int k = engine.numClasses();
        int chunk = 256;
        float[] rates = new float[chunk * k];
        long correct = 0;
        for (int from = 0; from < b.size; from += chunk) {
            int to = Math.min(b.size, from + chunk);
            engine.predictRates(b.features, from, to, Seeds.derive(0, Seeds.EVAL, b.partition, from), rates);
            for (int i = from; i < to; i++) {
                if (argmax(rates, (i - from) * k, k) == b.labels[i]) {
                    correct++;
                }
            }
        }
        return new long[]{correct, b.size};
    }

    /** Index of the largest of {@code a[off .. off+k)}, the first on ties (as MLlib's argmax). */
    public static int argmax(float[] a, int off, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (a[off + j] > a[off + best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Best effort: ask every executor to drop the run's engines (a job with a few tasks per executor core);
     * executors it misses drop them when the cache's bound evicts the run.
     */
    private void releaseEverywhere(String runId, int numPartitions) {
        EngineCache.release(runId);
        try {
            int n = Math.max(numPartitions, jsc.defaultParallelism()) * 2;
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                idx.add(i);
            }
            jsc.setJobDescription("spark-snn release engine replicas");
            jsc.parallelize(idx, n).foreachPartition(it -> EngineCache.release(runId));
        } catch (RuntimeException e) {
            LOG.warn("could not release engine replicas on executors: {}", e.toString());
        } finally {
            jsc.setJobDescription(null);
        }
    }
}
