package io.github.sparksnn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
    private final float[][] partial;
    private final ExecutorService pool;
    /**
     * The parameters of the last {@link #setParameters} (a copy), loaded into each replica by its own thread at the
     * start of its next call ({@code stale[r]}): the uploads run in parallel, not one after the other on the caller.
     */
    private final float[] params;
    private final boolean[] stale;

    public ParallelGradientEngine(EngineConfig config) {
        int threads = config.threads();
        EngineConfig one = config.withThreads(1);
        for (int i = 0; i < threads; i++) {
            replicas.add(new CpuGradientEngine(one));
        }
        partial = new float[threads][replicas.get(0).numParameters()];
        params = replicas.get(0).parameters();
        stale = new boolean[threads];
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "snn-engine-worker");
            t.setDaemon(true);
            return t;
        });
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

    @Override
    public float[] parameters() {
        return params.clone();
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
        // Replicas 1.. run on the pool, replica 0 on the calling thread: one hand-off fewer per call, and no third
        // thread waiting for a core (measured: a worker took ~0.2 ms to start while the caller still held its core).
        // Once all partial sums exist, each thread adds up its own range of them into gradSum (no second hand-off).
        final CountDownLatch computed = new CountDownLatch(replicas.size());
        List<Future<StepStats>> fs = new ArrayList<>(replicas.size());
        for (int i = 1; i < replicas.size(); i++) {
            final int r = i, a = shareStart(from, to, i), b = shareStart(from, to, i + 1);
            fs.add(pool.submit(() -> {
                StepStats st;
                try {
                    st = replica(r).shareGradient(features, labels, a, b, seed, partial[r], a - from);
                } finally {
                    computed.countDown();
                }
                sumRange(r, computed, gradSum);
                return st;
            }));
        }
        StepStats total;
        try {
            try {
                total = replica(0).shareGradient(features, labels, from, shareStart(from, to, 1), seed, partial[0], 0);
            } finally {
                computed.countDown();
            }
            sumRange(0, computed, gradSum);
        } catch (RuntimeException e) {
            for (Future<StepStats> f : fs) {
                joinQuietly(f);
            }
            throw e;
        }
        for (int i = 0; i < fs.size(); i++) {
            total = total.plus(join(fs.get(i)));
        }
        combineBuffers(from, to);
        return total;
    }

    /**
     * Once every replica has its partial sum: {@code gradSum[j] += partial[0][j]}, then {@code += partial[1][j]}, ...
     * (replica order, as one thread would add them) for replica {@code r}'s share of the indices.
     */
    private void sumRange(int r, CountDownLatch computed, float[] gradSum) {
        try {
            computed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        int n = gradSum.length, lo = (int) ((long) n * r / replicas.size()), hi = (int) ((long) n * (r + 1) / replicas.size());
        if (partial.length == 2) { // one pass over the range: (gradSum + p0) + p1, the same additions in order
            final float[] p0 = partial[0], p1 = partial[1];
            for (int j = lo; j < hi; j++) {
                gradSum[j] = gradSum[j] + p0[j] + p1[j];
            }
            return;
        }
        for (float[] p : partial) {
            for (int j = lo; j < hi; j++) {
                gradSum[j] += p[j];
            }
        }
    }

    @Override
    public void predictRates(float[] features, int from, int to, long seed, float[] ratesOut) {
        List<Future<StepStats>> fs = new ArrayList<>(replicas.size());
        int k = numClasses();
        for (int i = 0; i < replicas.size(); i++) {
            final int r = i, a = shareStart(from, to, i), b = shareStart(from, to, i + 1);
            fs.add(pool.submit(() -> {
                replica(r).predictRates(features, a, b, seed, ratesOut, (a - from) * k, a - from);
                return StepStats.ZERO;
            }));
        }
        for (Future<StepStats> f : fs) {
            join(f);
        }
    }

    /** Waits for a worker whose result no longer matters (the caller's share failed), so no replica is left busy. */
    private static void joinQuietly(Future<StepStats> f) {
        try {
            f.get();
        } catch (Exception ignored) {
            // the caller's own failure is the one reported
        }
    }

    private static StepStats join(Future<StepStats> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(c);
        }
    }

    /** The replicas' backend and how many threads share the work, e.g. {@code cpu (...) x 4 threads}. */
    @Override
    public String backendDescription() {
        return replicas.get(0).backendDescription() + " x " + replicas.size() + " threads";
    }

    @Override
    public void close() {
        pool.shutdownNow();
        for (CpuGradientEngine e : replicas) {
            e.close();
        }
    }
}
