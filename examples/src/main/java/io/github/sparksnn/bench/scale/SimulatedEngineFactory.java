package io.github.sparksnn.bench.scale;

import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.train.GradientEngine;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Bench only ({@code snn bench scale --compute simulated}): engines that do not compute. A gradient call waits
 * {@code nanosPerImage} per image, the real engine's time per image measured on this machine for the same model
 * and share, and adds a fixed, seeded pattern of real size to the gradient sum; so P tasks on two cores behave
 * like P machines for the network (real-sized vectors on real sockets through the shaped links), while the cores
 * stay free for the sockets, the driver and the daemons. Nothing in the product selects it: the bench hands it
 * to {@link io.github.sparksnn.ml.train.DistributedTrainer} in place of the engine factory the Estimator resolves.
 *
 * <p>The wait parks the thread ({@link LockSupport#parkNanos}) and re-parks until the deadline, so it uses no core.
 * The pattern is the same for every call (deterministic), scaled by {@code 1e-3 / (1 + seed % 7)} so that the sum
 * is not constant; the loss reported is {@code 0.5} per image, nothing is classified correctly. A model with batch
 * norm has {@code numBuffers} running statistics: kept as loaded, so they travel as the real model's do.
 *
 * <p>{@code finalSchedule} ({@link Calibration#finalSchedule}, empty: the whole gradient at the call's end) says when
 * the real engine's backward pass makes each range of the gradient final, as {@code from@fraction} pairs, the last
 * range first: a call that reports final ranges ({@link GradientEngine.FinalRanges}) reports {@code [from, end)} at
 * that fraction of its wait, so a simulated task sends its gradient during its backward pass as a real one does.
 */
public record SimulatedEngineFactory(int numParameters, int numBuffers, int featureSize, int numClasses,
                                     double nanosPerImage, long seed, String finalSchedule) implements EngineFactory {

    /** Without a schedule: the gradient is final at the call's end. */
    public SimulatedEngineFactory(int numParameters, int numBuffers, int featureSize, int numClasses,
                                  double nanosPerImage, long seed) {
        this(numParameters, numBuffers, featureSize, numClasses, nanosPerImage, seed, "");
    }

    public SimulatedEngineFactory {
        schedule(finalSchedule, numParameters); // checked here, on the driver, before any task runs
        if (numParameters < 1 || numBuffers < 0 || featureSize < 1 || numClasses < 1) {
            throw new IllegalArgumentException("sizes must be positive (buffers: >= 0)");
        }
        if (!(nanosPerImage >= 0) || Double.isInfinite(nanosPerImage)) {
            throw new IllegalArgumentException("nanosPerImage must be finite and >= 0, got " + nanosPerImage);
        }
    }

    @Override
    public GradientEngine create() {
        return new Engine(this);
    }

    @Override
    public String cacheKey() {
        return "simulated|" + numParameters + "|" + numBuffers + "|" + featureSize + "|" + numClasses + "|" + nanosPerImage + "|" + seed
                + "|" + finalSchedule;
    }

    /**
     * Parses {@code from@fraction,...}: starts strictly descending inside {@code (0, numParameters)}, fractions in
     * [0, 1] and non-decreasing. Returns {@code {froms, fractions}}.
     */
    static double[][] schedule(String spec, int numParameters) {
        if (spec == null || spec.isBlank()) {
            return new double[][]{new double[0], new double[0]};
        }
        String[] parts = spec.split(",");
        double[][] out = {new double[parts.length], new double[parts.length]};
        double lastFrom = numParameters;
        double lastAt = 0;
        for (int i = 0; i < parts.length; i++) {
            String[] kv = parts[i].trim().split("@");
            try {
                if (kv.length != 2) {
                    throw new NumberFormatException("not from@fraction");
                }
                int from = Integer.parseInt(kv[0].trim());
                double at = Double.parseDouble(kv[1].trim());
                if (from <= 0 || from >= lastFrom || !(at >= lastAt && at <= 1)) {
                    throw new NumberFormatException("starts must descend inside (0, " + numParameters + ") and "
                            + "fractions rise inside [0, 1]");
                }
                out[0][i] = from;
                out[1][i] = at;
                lastFrom = from;
                lastAt = at;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad final-range schedule entry '" + parts[i] + "' in '" + spec
                        + "': " + e.getMessage());
            }
        }
        return out;
    }

    /** The engine: parameters kept (as loaded), gradients from a fixed pattern, time from the calibration. */
    static final class Engine implements GradientEngine {
        private final SimulatedEngineFactory f;
        private final float[] params;
        private final float[] pattern;
        private final float[] buffers;
        private final double[][] schedule;

        Engine(SimulatedEngineFactory f) {
            this.f = f;
            this.schedule = schedule(f.finalSchedule, f.numParameters);
            this.buffers = new float[f.numBuffers];
            this.params = new float[f.numParameters];
            this.pattern = new float[f.numParameters];
            SplittableRandom r = new SplittableRandom(f.seed);
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (float) (r.nextDouble() - 0.5);
            }
        }

        @Override
        public int numParameters() {
            return f.numParameters;
        }

        @Override
        public int featureSize() {
            return f.featureSize;
        }

        @Override
        public int numClasses() {
            return f.numClasses;
        }

        @Override
        public void setParameters(float[] p) {
            copyExact(p, params, "parameters");
        }

        @Override
        public float[] parameters() {
            return params.clone();
        }

        @Override
        public float[] buffers() {
            return buffers.clone();
        }

        @Override
        public void setBuffers(float[] b) {
            copyExact(b, buffers, "buffer values");
        }

        /** Copies {@code from} into {@code into}, which must be as long (the engine's setters). */
        private static void copyExact(float[] from, float[] into, String what) {
            if (from.length != into.length) {
                throw new IllegalArgumentException("expected " + into.length + " " + what + ", got " + from.length);
            }
            System.arraycopy(from, 0, into, 0, into.length);
        }

        @Override
        public StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed,
                                            float[] gradSum) {
            long deadline = System.nanoTime() + Math.round(f.nanosPerImage * (to - from));
            StepStats s = addPattern(from, to, seed, gradSum);
            waitUntil(deadline);
            return s;
        }

        /** The same call, reporting the ranges at the schedule's fractions of the wait, then the rest at its end. */
        @Override
        public StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed,
                                            float[] gradSum, FinalRanges done) {
            long t0 = System.nanoTime();
            long wait = Math.round(f.nanosPerImage * (to - from));
            StepStats s = addPattern(from, to, seed, gradSum);
            int end = f.numParameters;
            for (int i = 0; i < schedule[0].length; i++) {
                waitUntil(t0 + Math.round(wait * schedule[1][i]));
                int start = (int) schedule[0][i];
                done.completed(start, end);
                end = start;
            }
            waitUntil(t0 + wait);
            done.completed(0, end);
            return s;
        }

        /** Adds the call's gradient (the scaled pattern) into {@code gradSum}, without waiting. */
        private StepStats addPattern(int from, int to, long seed, float[] gradSum) {
            float scale = 1e-3f / (1 + (int) Math.floorMod(seed, 7L));
            for (int i = 0; i < gradSum.length; i++) {
                gradSum[i] += scale * pattern[i];
            }
            int n = to - from;
            return new StepStats(0.5 * n, 0, n);
        }

        private static void waitUntil(long deadline) {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
        }

        @Override
        public void predictRates(float[] features, int from, int to, long seed, float[] ratesOut) {
            Arrays.fill(ratesOut, 0, (to - from) * f.numClasses, 0f);
        }

        @Override
        public String backendDescription() {
            return String.format(java.util.Locale.ROOT, "simulated (%.1f us per image, no compute)",
                    f.nanosPerImage / 1e3);
        }
    }
}
