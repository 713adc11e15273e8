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
 */
public record SimulatedEngineFactory(int numParameters, int numBuffers, int featureSize, int numClasses,
                                     double nanosPerImage, long seed) implements EngineFactory {

    public SimulatedEngineFactory {
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
        return "simulated|" + numParameters + "|" + numBuffers + "|" + featureSize + "|" + numClasses + "|" + nanosPerImage + "|" + seed;
    }

    /** The engine: parameters kept (as loaded), gradients from a fixed pattern, time from the calibration. */
    static final class Engine implements GradientEngine {
        private final SimulatedEngineFactory f;
        private final float[] params;
        private final float[] pattern;
        private final float[] buffers;

        Engine(SimulatedEngineFactory f) {
            this.f = f;
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
            float scale = 1e-3f / (1 + (int) Math.floorMod(seed, 7L));
            for (int i = 0; i < gradSum.length; i++) {
                gradSum[i] += scale * pattern[i];
            }
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
            int n = to - from;
            return new StepStats(0.5 * n, 0, n);
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
