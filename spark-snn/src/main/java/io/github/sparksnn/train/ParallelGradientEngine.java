package io.github.sparksnn.train;

import io.github.sparksnn.train.optim.Optimizer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several threads outside Spark ({@link EngineConfig#threads()} > 1): data parallelism over {@code threads}
 * single-threaded {@link CpuGradientEngine} replicas. A call's samples are split into contiguous shares, one per
 * replica; each replica's random draws are keyed by the sample's index in the whole call, so they equal a single
 * engine's; the per-replica gradient sums are added in replica order, so the result is deterministic for a given
 * thread count (it differs from one thread only by float summation order, and by batch-norm statistics, which
 * are per share).
 *
 * <p>Buffers (batch-norm running statistics): each replica updates its own from its share's batch statistics;
 * after every {@link #accumulateGradient} call they are combined into the share-size-weighted mean
 * {@code sum_r n_r b_r / sum_r n_r} (in double, replica order, rounded once to float, so a single non-empty share
 * passes through bit-exactly) and loaded back into every replica, so all replicas predict alike and
 * {@link #buffers()} is that mean. This is data-parallel BN without synchronized batch statistics (PyTorch DDP
 * without SyncBatchNorm): close to, not equal to, one thread's running statistics.
 */
public final class ParallelGradientEngine implements GradientEngine {
    private final List<CpuGradientEngine> replicas = new ArrayList<>();
    /**
     * Per thread, one block per replica: each thread sums its range of the replicas' gradients block by block, read
     * from the replicas' (off-heap) gradients into these L1-sized arrays. Measured on the MLP's 203,530 parameters:
     * copying both whole gradients to the heap first, then adding, took 155 µs for half the range, against 15 µs for
     * the addition alone.
     */
    private final float[][][] blocks;
    private final float[][] sums;
    private static final int BLOCK = 2048;
    /** Replica r >= 1 runs on worker r - 1; replica 0 on the calling thread. */
    private final SpinningWorkers workers;
    /**
     * The parameters of the last {@link #setParameters} (a copy), loaded into each replica by its own thread at the
     * start of its next call ({@code stale[r]}): the uploads run in parallel, not one after the other on the caller.
     * {@link #trainStep} loads its new parameters into the replicas itself, range by range.
     */
    private final float[] params;
    private final boolean[] stale;

    public ParallelGradientEngine(EngineConfig config) {
        int threads = config.threads();
        EngineConfig one = config.withThreads(1);
        for (int i = 0; i < threads; i++) {
            replicas.add(new CpuGradientEngine(one));
        }
        blocks = new float[threads][threads][BLOCK];
        sums = new float[threads][BLOCK];
        params = replicas.get(0).parameters();
        stale = new boolean[threads];
        workers = new SpinningWorkers(threads - 1, "snn-engine-worker");
    }

    @Override
    public int numParameters() {
        return replicas.get(0).numParameters();
    }

    @Override
    public int featureSize() {
        return replicas.get(0).featureSize();
    }

    @Override
    public int numClasses() {
        return replicas.get(0).numClasses();
    }

    @Override
    public void setParameters(float[] params) {
        if (params.length != this.params.length) { // checked now, as a replica would: the load is deferred
            throw new IllegalArgumentException("expected " + this.params.length + " parameters, got " + params.length);
        }
        System.arraycopy(params, 0, this.params, 0, params.length);
        java.util.Arrays.fill(stale, true);
    }

    /** The last {@link #setParameters}, or, once every replica is up to date, the replicas' parameters. */
    @Override
    public float[] parameters() {
        for (boolean s : stale) {
            if (s) {
                return params.clone();
            }
        }
        return replicas.get(0).parameters();
    }

    /** Brings replica {@code r} up to the last {@link #setParameters}; called on the thread that runs it. */
    private CpuGradientEngine replica(int r) {
        CpuGradientEngine e = replicas.get(r);
        if (stale[r]) {
            e.setParameters(params);
            stale[r] = false;
        }
        return e;
    }

    /** The replicas' common buffers (see the class comment). */
    @Override
    public float[] buffers() {
        return replicas.get(0).buffers();
    }

    @Override
    public void setBuffers(float[] buffers) {
        for (CpuGradientEngine e : replicas) {
            e.setBuffers(buffers);
        }
    }

    /** Loads the share-weighted mean of the replicas' buffers into every replica. */
    private void combineBuffers(int from, int to) {
        int nb = replicas.get(0).buffers().length;
        if (nb == 0 || to <= from) {
            return;
        }
        double[] acc = new double[nb];
        for (int r = 0; r < replicas.size(); r++) {
            int n = shareStart(from, to, r + 1) - shareStart(from, to, r);
            if (n == 0) {
                continue;
            }
            float[] b = replicas.get(r).buffers();
            for (int j = 0; j < nb; j++) {
                acc[j] += (double) n * b[j];
            }
        }
        float[] mean = new float[nb];
        for (int j = 0; j < nb; j++) {
            mean[j] = (float) (acc[j] / (to - from));
        }
        setBuffers(mean);
    }

    private int shareStart(int from, int to, int i) {
        return from + (int) ((long) (to - from) * i / replicas.size());
    }

    @Override
    public StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum) {
        if (gradSum.length != numParameters()) {
            throw new IllegalArgumentException("gradSum has length " + gradSum.length + ", expected " + numParameters());
        }
        StepStats total = runShares((r, a, b) -> replica(r).shareGradientInPlace(features, labels, a, b, seed,
                a - from), from, to, r -> sumRange(r, gradSum, false));
        combineBuffers(from, to);
        return total;
    }

    /**
     * Reports each range final once every replica's backward pass has made it final: replica {@code r > 0} publishes
     * the lowest index it has finished ({@code finished[r]}); replica 0, on the calling thread, waits at each of its
     * own layer boundaries until every other replica has passed it, adds that range of the shares into
     * {@code gradSum} in replica order (the additions of the plain call) and reports it. The sum runs on one thread
     * instead of spread over all, a few microseconds a layer, for a gradient that can leave during the backward pass
     * (a Spark task with {@code spark.task.cpus > 1} sends it up the aggregation tree meanwhile).
     */
    @Override
    public StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum,
                                        FinalRanges done) {
        if (gradSum == null || done == null) {
            throw new IllegalArgumentException("gradSum and the listener of final ranges must not be null");
        }
        if (gradSum.length != numParameters()) {
            throw new IllegalArgumentException("gradSum has length " + gradSum.length + ", expected " + numParameters());
        }
        final int n = replicas.size();
        final java.util.concurrent.atomic.AtomicIntegerArray finished = new java.util.concurrent.atomic.AtomicIntegerArray(n);
        for (int r = 0; r < n; r++) {
            finished.set(r, numParameters());
        }
        final java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        final int[] reported = {numParameters()};
        StepStats total = runShares((r, a, b) -> {
            try {
                return replica(r).shareGradientInPlace(features, labels, a, b, seed, a - from, (lo, hi) -> {
                    if (r > 0) {
                        finished.set(r, lo);
                        return;
                    }
                    awaitPassed(finished, lo, failed);
                    addShares(lo, reported[0], gradSum);
                    reported[0] = lo;
                    done.completed(lo, hi);
                });
            } catch (RuntimeException | Error e) {
                failed.set(true);
                throw e;
            }
        }, from, to, r -> { });
        combineBuffers(from, to);
        return total;
    }

    /** Waits until every replica but the caller's has made {@code [lo, ..)} final (or one of them failed). */
    private static void awaitPassed(java.util.concurrent.atomic.AtomicIntegerArray finished, int lo,
                                    java.util.concurrent.atomic.AtomicBoolean failed) {
        long t0 = System.nanoTime();
        for (int q = 1; q < finished.length(); q++) {
            while (finished.get(q) > lo) {
                if (failed.get()) {
                    throw new IllegalStateException("another replica's share failed (see the engine's workers)");
                }
                if (System.nanoTime() - t0 < 50_000) {
                    Thread.onSpinWait();
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                }
            }
        }
    }

    /** {@code gradSum[j] += g_0[j], += g_1[j], ...} for {@code j} in {@code [lo, hi)}, block by block, on this thread. */
    private void addShares(int lo, int hi, float[] gradSum) {
        final float[][] blk = blocks[0];
        for (int b = lo; b < hi; b += BLOCK) {
            final int len = Math.min(BLOCK, hi - b);
            for (int q = 0; q < replicas.size(); q++) {
                replicas.get(q).readGradient(b, blk[q], 0, len);
            }
            for (float[] g : blk) {
                for (int j = 0; j < len; j++) {
                    gradSum[b + j] += g[j];
                }
            }
        }
    }

    /** A replica's share of a call: samples {@code [a, b)}. */
    @FunctionalInterface
    private interface Share {
        StepStats compute(int replica, int a, int b);
    }

    /**
     * Runs replica {@code r}'s share of {@code [from, to)} for every replica, and then, once all shares exist,
     * {@code afterAll.accept(r)} on the same thread; returns the shares' statistics added in replica order. Replicas
     * 1.. run on the workers, replica 0 on the calling thread: one hand-off fewer per call, and no third thread
     * waiting for a core (measured: a pool worker took ~0.2 ms to start while the caller still held its core). The
     * hand-offs spin before they park ({@link SpinningWorkers}). When a share fails, no {@code afterAll} runs: the
     * caller's sums and parameters are left as they were, and the failure is rethrown once every worker is idle.
     */
    private StepStats runShares(Share share, int from, int to, java.util.function.IntConsumer afterAll) {
        final int n = replicas.size();
        final AtomicInteger computed = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        for (int i = 1; i < n; i++) {
            final int r = i, a = shareStart(from, to, i), b = shareStart(from, to, i + 1);
            workers.start(r - 1, () -> {
                StepStats st = computeShare(share, r, a, b, computed, failed);
                SpinningWorkers.awaitCount(computed, n);
                if (!failed.get()) { // a failed share leaves the sums and parameters untouched
                    afterAll.accept(r);
                }
                return st;
            });
        }
        StepStats total;
        try {
            total = computeShare(share, 0, from, shareStart(from, to, 1), computed, failed);
            SpinningWorkers.awaitCount(computed, n);
            if (!failed.get()) {
                afterAll.accept(0);
            }
        } catch (RuntimeException | Error e) {
            for (int i = 1; i < n; i++) {
                workers.joinQuietly(i - 1);
            }
            throw e;
        }
        RuntimeException failure = null;
        for (int i = 1; i < n; i++) {
            try {
                total = total.plus(workers.join(i - 1));
            } catch (RuntimeException e) { // join every worker before reporting, so none is left busy
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return total;
    }

    private static StepStats computeShare(Share share, int r, int a, int b, AtomicInteger computed,
                                          java.util.concurrent.atomic.AtomicBoolean failed) {
        try {
            return share.compute(r, a, b);
        } catch (RuntimeException | Error e) {
            failed.set(true);
            throw e;
        } finally {
            computed.incrementAndGet();
        }
    }

    /**
     * The fused step in parallel: replica {@code r}'s thread computes its share, waits for the others, and then, for
     * its own range of indices, sums the shares into {@code grad} (in replica order, from zero, as
     * {@link #accumulateGradient} into a zeroed array does), applies the optimizer's update there and loads that
     * range of the new parameters into every replica. The bits equal the default's; nothing runs on the caller
     * alone, and no replica loads the whole vector at its next call.
     */
    @Override
    public StepStats trainStep(float[] features, int[] labels, int from, int to, long seed, float[] grad,
                               float[] params, Optimizer.Update update) {
        GradientEngine.checkStepArrays(this, from, to, grad, params);
        final float scale = 1f / (to - from);
        StepStats total = runShares((r, a, b) -> replica(r).shareGradientInPlace(features, labels, a, b, seed,
                a - from), from, to, r -> updateRange(r, grad, params, update, scale));
        combineBuffers(from, to);
        return total;
    }

    /** Replica {@code r}'s range of {@link #trainStep}'s sum, update and parameter copy. */
    private void updateRange(int r, float[] grad, float[] params, Optimizer.Update update, float scale) {
        int lo = rangeStart(grad.length, r), hi = rangeStart(grad.length, r + 1);
        sumRange(r, grad, true);
        update.apply(params, grad, scale, lo, hi);
        for (CpuGradientEngine e : replicas) { // while the range is in cache; no replica reads until the next call
            e.network().setParameters(params, lo, hi);
        }
    }

    private int rangeStart(int n, int r) {
        return (int) ((long) n * r / replicas.size());
    }

    /**
     * Once every replica has its share's gradient: {@code gradSum[j] += g_0[j]}, then {@code += g_1[j]}, ... (replica
     * order, as one thread would add them) for replica {@code r}'s range of the indices, block by block; with
     * {@code fromZero} the sum starts from 0 instead of {@code gradSum}'s values (the bits of a zeroed array).
     */
    private void sumRange(int r, float[] gradSum, boolean fromZero) {
        int lo = rangeStart(gradSum.length, r), hi = rangeStart(gradSum.length, r + 1);
        final float[][] blk = blocks[r];
        for (int b = lo; b < hi; b += BLOCK) {
            final int len = Math.min(BLOCK, hi - b);
            for (int q = 0; q < replicas.size(); q++) {
                replicas.get(q).readGradient(b, blk[q], 0, len);
            }
            if (blk.length == 2) { // one pass: (gradSum + g0) + g1, the same additions in order
                // one index for all three arrays (C2 leaves a loop over two offsets scalar): the sum is built in
                // this thread's block and copied over
                final float[] g0 = blk[0], g1 = blk[1], acc = sums[r];
                if (fromZero) {
                    for (int j = 0; j < len; j++) {
                        acc[j] = 0f + g0[j] + g1[j];
                    }
                } else {
                    System.arraycopy(gradSum, b, acc, 0, len);
                    for (int j = 0; j < len; j++) {
                        acc[j] = acc[j] + g0[j] + g1[j];
                    }
                }
                System.arraycopy(acc, 0, gradSum, b, len);
                continue;
            }
            if (fromZero) {
                java.util.Arrays.fill(gradSum, b, b + len, 0f);
            }
            for (float[] g : blk) {
                for (int j = 0; j < len; j++) {
                    gradSum[b + j] += g[j];
                }
            }
        }
    }

    @Override
    public void predictRates(float[] features, int from, int to, long seed, float[] ratesOut) {
        int k = numClasses();
        runShares((r, a, b) -> {
            replica(r).predictRates(features, a, b, seed, ratesOut, (a - from) * k, a - from);
            return StepStats.ZERO;
        }, from, to, r -> { });
    }

    /** The replicas' backend and how many threads share the work, e.g. {@code cpu (...) x 4 threads}. */
    @Override
    public String backendDescription() {
        return replicas.get(0).backendDescription() + " x " + replicas.size() + " threads";
    }

    @Override
    public void close() {
        workers.close();
        for (CpuGradientEngine e : replicas) {
            e.close();
        }
    }
}
