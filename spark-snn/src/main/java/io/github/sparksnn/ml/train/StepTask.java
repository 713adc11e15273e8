package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.engine.EngineCache;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.engine.EngineStates;
import io.github.sparksnn.ml.train.plan.BatchPlan;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.UpdateRule;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import io.github.sparksnn.train.GradientEngine;
import org.apache.spark.broadcast.Broadcast;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;

/**
 * What one partition does in one synchronized step (the task closure): borrow the cached engine, load the
 * broadcast parameters and buffers, gather this partition's share of the global batch and return its gradient
 * sum as a leaf of an {@link OrderedSum}. With {@code localRules != null} it runs {@code localSteps} steps with a
 * fresh local update rule and returns {@code n_p * (theta_p - theta)} instead.
 *
 * <p>The broadcast {@code state} is the parameter vector followed by the engine's buffers (batch-norm running
 * statistics, {@link GradientEngine#buffers()}); the leaf's vector likewise is the gradient sum (or weighted
 * delta) followed by {@code n_p * b_p}, the replica's buffers after the step weighted by its sample count, so the
 * driver's ordered sum yields the sample-weighted mean of the partitions' buffers.
 */
final class StepTask implements Serializable {
    private static final long serialVersionUID = 1L;

    final String runId;
    final EngineFactory engines;
    final UpdateRule.Factory localRules;
    final Broadcast<float[]> state;
    final int numParams;
    final long seed;
    final int epoch;
    final int firstStep;
    final int stepsPerEpoch;
    final int localSteps;
    final double[] lrs;
    final int numPartitions;

    StepTask(String runId, EngineFactory engines, UpdateRule.Factory localRules, Broadcast<float[]> state, int numParams,
             long seed, int epoch, int firstStep, int stepsPerEpoch, int localSteps, double[] lrs, int numPartitions) {
        this.numPartitions = numPartitions;
        this.numParams = numParams;
        this.runId = runId;
        this.engines = engines;
        this.localRules = localRules;
        this.state = state;
        this.seed = seed;
        this.epoch = epoch;
        this.firstStep = firstStep;
        this.stepsPerEpoch = stepsPerEpoch;
        this.localSteps = localSteps;
        this.lrs = lrs;
    }

    Iterator<OrderedSum> run(Iterator<PackedBlock> blocks) {
        OrderedSum.Node leaf = null;
        int partition = -1;
        while (blocks.hasNext()) {
            PackedBlock b = blocks.next();
            if (leaf != null) {
                throw new IllegalStateException("more than one packed block in partition " + b.partition);
            }
            partition = b.partition;
            leaf = localRules == null ? gradientStep(b) : localRound(b);
        }
        if (leaf == null) {
            throw new IllegalStateException("a partition without its packed block");
        }
        return Collections.singletonList(new OrderedSum(numPartitions).add(partition, leaf)).iterator();
    }

    private OrderedSum.Node gradientStep(PackedBlock b) {
        int from = BatchPlan.shareStart(b.size, firstStep, stepsPerEpoch);
        int to = BatchPlan.shareEnd(b.size, firstStep, stepsPerEpoch);
        if (to <= from) {
            return new OrderedSum.Node(null, 0, 0, 0, 0);
        }
        try (EngineCache.Lease lease = EngineCache.acquire(runId, engines)) {
            return leaf(lease, b, state.value(), numParams, null, seed, epoch, firstStep, stepsPerEpoch, 1, lrs, null);
        }
    }

    private OrderedSum.Node localRound(PackedBlock b) {
        try (EngineCache.Lease lease = EngineCache.acquire(runId, engines)) {
            return leaf(lease, b, state.value(), numParams, localRules, seed, epoch, firstStep, stepsPerEpoch,
                    localSteps, lrs, null);
        }
    }

    /**
     * Partition {@code b}'s leaf of one round, the one computation both synchronization modes share (so both give
     * the same bits): with {@code localRules == null} the gradient sum over its share of step {@code firstStep},
     * else {@code n_p * (theta_p - theta)} after {@code localSteps} local steps; followed by the weighted buffers.
     * {@code state} is {@code params ++ buffers}; {@code scratch} (may be null) is a reusable gradient array of
     * {@code numParams} floats, overwritten.
     */
    static OrderedSum.Node leaf(EngineCache.Lease lease, PackedBlock b, float[] state, int numParams,
                                UpdateRule.Factory localRules, long seed, int epoch, int firstStep, int stepsPerEpoch,
                                int localSteps, double[] lrs, float[] scratch) {
        return leaf(lease, b, state, numParams, localRules, seed, epoch, firstStep, stepsPerEpoch, localSteps, lrs,
                scratch, null);
    }

    /**
     * One gradient round's inputs gathered ahead of its state: the share's rows and labels in the lease's scratch
     * arrays and a zeroed gradient buffer. A barrier task prepares round {@code s + 1} while it waits for the
     * state of {@code s + 1}, which takes the gather and the clearing off the step's critical path; the
     * computation and its bits are unchanged.
     */
    record Prepared(int step, int n, float[] x, int[] y, float[] grad) {
    }

    /**
     * Gathers round {@code step}'s share into the lease's scratch and clears {@code grad} (a new array when null or
     * of the wrong length); null when the partition has no rows in that round.
     */
    static Prepared prepare(EngineCache.Lease lease, PackedBlock b, long seed, int epoch, int step, int stepsPerEpoch,
                            float[] grad) {
        int from = BatchPlan.shareStart(b.size, step, stepsPerEpoch);
        int to = BatchPlan.shareEnd(b.size, step, stepsPerEpoch);
        if (to <= from) {
            return null;
        }
        int n = to - from;
        float[] x = lease.features(n * b.featureSize);
        int[] y = lease.labels(n);
        gather(b, lease.permutation(b.size, seed, epoch, b.partition), from, to, x, y);
        int m = lease.engine.numParameters();
        float[] g = grad != null && grad.length == m ? grad : new float[m];
        java.util.Arrays.fill(g, 0f);
        return new Prepared(step, n, x, y, g);
    }

    /**
     * {@link #leaf(EngineCache.Lease, PackedBlock, float[], int, UpdateRule.Factory, long, int, int, int, int,
     * double[], float[])} with the inputs of a gradient round already {@link #prepare prepared} (used when
     * {@code prepared} is of round {@code firstStep}, else gathered here into {@code scratch}).
     */
    static OrderedSum.Node leaf(EngineCache.Lease lease, PackedBlock b, float[] state, int numParams,
                                UpdateRule.Factory localRules, long seed, int epoch, int firstStep, int stepsPerEpoch,
                                int localSteps, double[] lrs, float[] scratch, Prepared prepared) {
        return leaf(lease, b, state, numParams, localRules, seed, epoch, firstStep, stepsPerEpoch, localSteps, lrs,
                scratch, prepared, null, null);
    }

    /**
     * As above; a gradient round with {@code share != null} tells it each range of the gradient as the backward pass
     * makes it final ({@link OverlappedShare#streamFrom}, {@code reuse} its vector's storage), so its sender streams
     * while the engine still computes. The leaf's bits are the same.
     */
    static OrderedSum.Node leaf(EngineCache.Lease lease, PackedBlock b, float[] state, int numParams,
                                UpdateRule.Factory localRules, long seed, int epoch, int firstStep, int stepsPerEpoch,
                                int localSteps, double[] lrs, float[] scratch, Prepared prepared,
                                OverlappedShare share, float[] reuse) {
        if (localRules == null) {
            int from = BatchPlan.shareStart(b.size, firstStep, stepsPerEpoch);
            int to = BatchPlan.shareEnd(b.size, firstStep, stepsPerEpoch);
            if (to <= from) {
                return new OrderedSum.Node(null, 0, 0, 0, 0);
            }
            long t0 = System.nanoTime();
            GradientEngine engine = lease.engine;
            EngineStates.load(engine, state, numParams);
            Prepared in = prepared != null && prepared.step() == firstStep ? prepared
                    : prepare(lease, b, seed, epoch, firstStep, stepsPerEpoch, scratch);
            long stepSeed = BatchPlan.stepSeed(seed, epoch, firstStep, b.partition);
            GradientEngine.StepStats st;
            float[] vector;
            if (share == null) {
                st = engine.accumulateGradient(in.x(), in.y(), 0, in.n(), stepSeed, in.grad());
                vector = EngineStates.withWeightedBuffers(in.grad(), engine, in.n());
            } else {
                share.streamFrom(engine, in.grad(), reuse);
                st = engine.accumulateGradient(in.x(), in.y(), 0, in.n(), stepSeed, in.grad(), share);
                vector = share.vector(); // grad ++ n * buffers, built range by range as the ranges became final
            }
            return new OrderedSum.Node(vector, st.lossSum(), st.correct(), st.count(), System.nanoTime() - t0);
        }
        long t0 = System.nanoTime();
        GradientEngine engine = lease.engine;
        EngineStates.load(engine, state, numParams);
        float[] start = java.util.Arrays.copyOf(state, numParams);
        float[] theta = start.clone();
        UpdateRule rule = localRules.create(theta.length);
        int[] perm = lease.permutation(b.size, seed, epoch, b.partition);
        float[] grad = new float[theta.length];
        double lossSum = 0;
        long correct = 0;
        long count = 0;
        for (int i = 0; i < localSteps; i++) {
            int step = firstStep + i;
            int from = BatchPlan.shareStart(b.size, step, stepsPerEpoch);
            int to = BatchPlan.shareEnd(b.size, step, stepsPerEpoch);
            if (to <= from) {
                continue;
            }
            int n = to - from;
            float[] x = lease.features(n * b.featureSize);
            int[] y = lease.labels(n);
            gather(b, perm, from, to, x, y);
            engine.setParameters(theta);
            java.util.Arrays.fill(grad, 0f);
            GradientEngine.StepStats st = engine.accumulateGradient(x, y, 0, n,
                    BatchPlan.stepSeed(seed, epoch, step, b.partition), grad);
            float inv = 1f / n;
            for (int j = 0; j < grad.length; j++) {
                grad[j] *= inv;
            }
            rule.step(theta, grad, lrs[i]);
            lossSum += st.lossSum();
            correct += st.correct();
            count += st.count();
        }
        if (count == 0) {
            return new OrderedSum.Node(null, 0, 0, 0, System.nanoTime() - t0);
        }
        for (int j = 0; j < theta.length; j++) {
            theta[j] = (theta[j] - start[j]) * count;
        }
        return new OrderedSum.Node(EngineStates.withWeightedBuffers(theta, engine, count), lossSum, correct, count,
                System.nanoTime() - t0);
    }

    /** Copies rows {@code perm[from..to)} of the block into contiguous scratch arrays. */
    static void gather(PackedBlock b, int[] perm, int from, int to, float[] x, int[] y) {
        int f = b.featureSize;
        for (int i = from; i < to; i++) {
            int r = perm[i];
            System.arraycopy(b.features, r * f, x, (i - from) * f, f);
            y[i - from] = b.labels[r];
        }
    }
}
