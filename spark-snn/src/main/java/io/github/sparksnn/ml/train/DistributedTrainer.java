package io.github.sparksnn.ml.train;

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
 * <p>Per step {@code s} of epoch {@code e} the driver broadcasts the flat parameter vector; every partition
 * gathers its share of global batch {@code s} (see {@link BatchPlan}) into a scratch buffer and asks a
 * cached engine replica for the gradient sum over it, with the seed {@code derive(seed, e, s, p)};
 * {@code treeAggregate} brings the sums to the driver through an {@link OrderedSum}, so the float additions
 * follow a fixed tree over partition indices; the driver divides by the number of samples in the batch,
 * applies the {@link UpdateRule} and destroys the broadcast. Given the same seed and partitioning the
 * parameters are therefore bit-identical across executor counts, timing, retries and killed executors.
 *
 * <p>With {@code syncInterval = k > 1} each task runs {@code k} consecutive steps locally (a fresh update
 * rule per round, local mean gradients) and returns its parameter delta weighted by its sample count; the
 * driver adds the weighted mean delta (parameter averaging, "local SGD"). Rounds do not cross epochs.
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

    /** Settings of one run. {@code fingerprint} identifies the configuration for checkpoint matching. */
    public record Config(long seed, int batchSize, int epochs, int aggregationDepth, int syncInterval,
                         String checkpointDir, int checkpointInterval, boolean resume, String fingerprint) {
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
        }
    }

    /** Final parameters and buffers, per-epoch history, and the epoch training resumed after (0 if none). */
    public record Result(float[] params, float[] buffers, List<EpochMetrics> history, int resumedFromEpoch) {
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
            Optional<TrainingCheckpoint> cp = store.latest();
            if (cp.isPresent()) {
                TrainingCheckpoint c = cp.get();
                if (!c.fingerprint().equals(fingerprint)) {
                    throw new IllegalArgumentException("checkpoint in " + config.checkpointDir()
                            + " belongs to another configuration:\n  checkpoint: " + c.fingerprint()
                            + "\n  this run:   " + fingerprint);
                }
                if (c.params().length != params.length) {
                    throw new IllegalArgumentException("checkpoint has " + c.params().length
                            + " parameters, the model " + params.length);
                }
                float[] cb = c.buffers() == null ? new float[0] : c.buffers();
                if (cb.length != buffers.length) {
                    throw new IllegalArgumentException("checkpoint has " + cb.length
                            + " buffer values (batch-norm running statistics), the model " + buffers.length);
                }
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
        try {
            for (int epoch = startEpoch; epoch < config.epochs(); epoch++) {
                listener.onEpochStart(epoch, config.epochs(), steps);
                long t0 = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                long count = 0;
                long stepNanos = 0;
                long computeNanos = 0;
                long computeSumNanos = 0;
                int rounds = 0;
                for (int step = 0; step < steps; step += config.syncInterval()) {
                    int localSteps = Math.min(config.syncInterval(), steps - step);
                    double[] lrs = new double[localSteps];
                    for (int i = 0; i < localSteps; i++) {
                        lrs[i] = schedule.at(epoch, step + i, steps, config.epochs());
                    }
                    long s0 = System.nanoTime();
                    Broadcast<float[]> bc = jsc.broadcast(EngineStates.of(params, buffers));
                    StepTask task = new StepTask(runId, engines, config.syncInterval() > 1 ? rules : null,
                            bc, numParams, config.seed(), epoch, step, steps, localSteps, lrs, numPartitions);
                    jsc.setJobDescription(String.format("spark-snn epoch %d/%d, step %d/%d", epoch + 1,
                            config.epochs(), step + 1, steps));
                    OrderedSum sum = train.mapPartitions(task::run).treeAggregate(new OrderedSum(numPartitions),
                            OrderedSum::merge, OrderedSum::merge, config.aggregationDepth());
                    OrderedSum.Node node = sum.result();
                    if (node.count > 0 && node.vector != null) {
                        float[] all = node.vector;
                        float inv = 1f / node.count;
                        if (all.length != numParams + buffers.length) {
                            throw new IllegalStateException("tasks returned " + all.length + " values, expected "
                                    + numParams + " parameters + " + buffers.length + " buffer values");
                        }
                        float[] v = all.length == numParams ? all : Arrays.copyOf(all, numParams);
                        for (int i = 0; i < buffers.length; i++) { // sample-weighted mean of the partitions' buffers
                            buffers[i] = all[numParams + i] * inv;
                        }
                        if (task.localRules == null) {
                            for (int i = 0; i < v.length; i++) {
                                v[i] *= inv;
                            }
                            rule.step(params, v, lrs[0]);
                        } else {
                            // v holds sum_p n_p * (theta_p - theta): add the sample-weighted mean delta.
                            for (int i = 0; i < v.length; i++) {
                                params[i] += v[i] * inv;
                            }
                        }
                    }
                    bc.destroy();
                    long dt = System.nanoTime() - s0;
                    stepNanos += dt;
                    computeNanos += node.maxComputeNanos;
                    computeSumNanos += node.computeNanos;
                    rounds++;
                    lossSum += node.lossSum;
                    correct += node.correct;
                    count += node.count;
                    listener.onStep(epoch, config.epochs(), step + localSteps - 1, steps,
                            node.count == 0 ? Double.NaN : node.lossSum / node.count, node.count,
                            node.count / (dt / 1e9));
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double valAcc = validation == null ? Double.NaN
                        : evaluate(validation, params, buffers, runId, epoch);
                EpochMetrics m = new EpochMetrics(epoch + 1, lossSum / Math.max(1, count),
                        (double) correct / Math.max(1, count), valAcc, seconds, count / seconds, rounds,
                        stepNanos / 1e6 / rounds, computeNanos / 1e6 / rounds, computeSumNanos / 1e6 / rounds);
                history.add(m);
                listener.onEpoch(m);
                boolean last = epoch + 1 == config.epochs();
                if (store != null && ((epoch + 1) % config.checkpointInterval() == 0 || last)) {
                    store.save(new TrainingCheckpoint(fingerprint, epoch + 1, (long) (epoch + 1) * steps, params.clone(),
                            buffers.clone(), rule.state(), new ArrayList<>(history)));
                }
            }
        } finally {
            jsc.setJobDescription(null);
            releaseEverywhere(runId, numPartitions);
        }
        return new Result(params, buffers, Collections.unmodifiableList(history), resumedFrom);
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
