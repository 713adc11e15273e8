package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.ml.train.plan.BatchPlan;
import io.github.sparksnn.ml.train.plan.Seeds;
import io.github.sparksnn.train.GradientEngine;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JVM-wide cache of engine replicas on each executor (and on the driver in local mode), keyed by
 * training run and engine configuration, so that a step ships only parameters and not a network.
 *
 * <p>Engines are not thread-safe, so each key holds a pool: a task {@link #acquire borrows} a
 * {@link Lease} (engine plus scratch buffers), uses it alone and {@link Lease#close returns} it. At most
 * {@link #MAX_RUNS} keys are kept, least recently used first out (closing their engines); a run releases its
 * key when it ends ({@link #release}). Nothing cached affects results: an engine receives the full
 * parameter vector and buffers ({@link GradientEngine#buffers()}) before every use, so a fresh executor and a
 * warm one compute the same bits.
 */
public final class EngineCache {
    /** Upper bound on cached runs per JVM (each holds network replicas and scratch buffers). */
    public static final int MAX_RUNS = 4;

    private static final Map<String, ArrayDeque<Lease>> POOLS = new LinkedHashMap<>(8, 0.75f, true);

    private EngineCache() {
    }

    /** Borrows an engine for {@code runId} + factory configuration, building one when the pool is empty. */
    public static Lease acquire(String runId, EngineFactory factory) {
        String key = runId + "|" + factory.cacheKey();
        synchronized (POOLS) {
            ArrayDeque<Lease> pool = POOLS.computeIfAbsent(key, k -> new ArrayDeque<>());
            Lease lease = pool.pollFirst();
            evictBeyondBound();
            if (lease != null) {
                return lease;
            }
        }
        // Build outside the lock: building a network may take a while and other tasks should not wait.
        return new Lease(key, factory.create());
    }

    /** Drops (and closes) every engine of a run in this JVM; returns how many were closed. */
    public static int release(String runId) {
        int closed = 0;
        synchronized (POOLS) {
            Iterator<Map.Entry<String, ArrayDeque<Lease>>> it = POOLS.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, ArrayDeque<Lease>> e = it.next();
                if (e.getKey().startsWith(runId + "|")) {
                    for (Lease l : e.getValue()) {
                        l.engine.close();
                        closed++;
                    }
                    it.remove();
                }
            }
        }
        return closed;
    }

    /** Number of cached (idle) engines in this JVM, for tests and diagnostics. */
    public static int idleEngines() {
        synchronized (POOLS) {
            return POOLS.values().stream().mapToInt(ArrayDeque::size).sum();
        }
    }

    private static void evictBeyondBound() {
        while (POOLS.size() > MAX_RUNS) {
            Iterator<Map.Entry<String, ArrayDeque<Lease>>> it = POOLS.entrySet().iterator();
            Map.Entry<String, ArrayDeque<Lease>> eldest = it.next();
            for (Lease l : eldest.getValue()) {
                l.engine.close();
            }
            it.remove();
        }
    }

    /** One borrowed engine with its reusable buffers; return it with {@link #close()}. */
    public static final class Lease implements AutoCloseable {
        private final String key;
        public final GradientEngine engine;
        private float[] featureScratch = new float[0];
        private int[] labelScratch = new int[0];
        private int[] permutation;
        private long permutationKey = Long.MIN_VALUE;

        Lease(String key, GradientEngine engine) {
            this.key = key;
            this.engine = engine;
        }

        /** A scratch feature buffer of at least {@code n} floats (contents undefined). */
        public float[] features(int n) {
            if (featureScratch.length < n) {
                featureScratch = new float[n];
            }
            return featureScratch;
        }

        /** A scratch label buffer of at least {@code n} ints. */
        public int[] labels(int n) {
            if (labelScratch.length < n) {
                labelScratch = new int[n];
            }
            return labelScratch;
        }

        /** The epoch permutation of a partition, computed once per (epoch, partition) and reused across steps. */
        public int[] permutation(int n, long runSeed, int epoch, int partition) {
            long k = Seeds.derive(runSeed, epoch, partition, n);
            if (permutation == null || permutationKey != k) {
                permutation = BatchPlan.permutation(n, runSeed, epoch, partition);
                permutationKey = k;
            }
            return permutation;
        }

        @Override
        public void close() {
            synchronized (POOLS) {
                ArrayDeque<Lease> pool = POOLS.get(key);
                if (pool == null) {
                    // The run was released or evicted meanwhile: do not resurrect it.
                    engine.close();
                } else {
                    pool.addFirst(this);
                }
            }
        }
    }
}
