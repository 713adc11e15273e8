package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.train.GradientEngine;

import java.util.SplittableRandom;

/**
 * A small, exact {@link GradientEngine} for testing the distributed machinery independently of the spiking
 * core: multinomial logistic regression {@code p = softmax(W x + b)}, loss {@code -log p_y} summed over the
 * samples, with optional Gaussian input noise drawn from the call's seed (standing in for Poisson encoding,
 * so that seed handling is exercised). Parameters: {@code W} (C x F, row-major) then {@code b} (C).
 */
public final class SoftmaxEngine implements GradientEngine {
    private final int f;
    private final int c;
    private final double noise;
    private final float[] w;
    private final float[] x = new float[0];

    public SoftmaxEngine(int featureSize, int numClasses, long initSeed, double noise) {
        this.f = featureSize;
        this.c = numClasses;
        this.noise = noise;
        this.w = new float[c * f + c];
        SplittableRandom r = new SplittableRandom(initSeed);
        for (int i = 0; i < c * f; i++) {
            w[i] = (float) ((r.nextDouble() - 0.5) * 0.2);
        }
    }

    @Override
    public int numParameters() {
        return w.length;
    }

    @Override
    public int featureSize() {
        return f;
    }

    @Override
    public int numClasses() {
        return c;
    }

    @Override
    public void setParameters(float[] params) {
        if (params.length != w.length) {
            throw new IllegalArgumentException("expected " + w.length + " parameters, got " + params.length);
        }
        System.arraycopy(params, 0, w, 0, w.length);
    }

    @Override
    public float[] parameters() {
        return w.clone();
    }

    private void probs(float[] features, int i, SplittableRandom rnd, float[] xi, double[] p) {
        for (int j = 0; j < f; j++) {
            xi[j] = features[i * f + j] + (rnd == null ? 0f : (float) (noise * rnd.nextGaussian()));
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c; k++) {
            float z = w[c * f + k];
            for (int j = 0; j < f; j++) {
                z += w[k * f + j] * xi[j];
            }
            p[k] = z;
            max = Math.max(max, z);
        }
        double s = 0;
        for (int k = 0; k < c; k++) {
            p[k] = StrictMath.exp(p[k] - max);
            s += p[k];
        }
        for (int k = 0; k < c; k++) {
            p[k] /= s;
        }
    }

    @Override
    public StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum) {
        SplittableRandom rnd = noise > 0 ? new SplittableRandom(seed) : null;
        float[] xi = new float[f];
        double[] p = new double[c];
        double loss = 0;
        long correct = 0;
        for (int i = from; i < to; i++) {
            probs(features, i, rnd, xi, p);
            int y = labels[i];
            loss -= StrictMath.log(Math.max(p[y], 1e-300));
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (p[k] > p[best]) {
                    best = k;
                }
            }
            if (best == y) {
                correct++;
            }
            for (int k = 0; k < c; k++) {
                float d = (float) (p[k] - (k == y ? 1 : 0));
                for (int j = 0; j < f; j++) {
                    gradSum[k * f + j] += d * xi[j];
                }
                gradSum[c * f + k] += d;
            }
        }
        return new StepStats(loss, correct, to - from);
    }

    @Override
    public void predictRates(float[] features, int from, int to, long seed, float[] ratesOut) {
        float[] xi = new float[f];
        double[] p = new double[c];
        for (int i = from; i < to; i++) {
            probs(features, i, null, xi, p);
            for (int k = 0; k < c; k++) {
                ratesOut[(i - from) * c + k] = (float) p[k];
            }
        }
    }

    /** Builds {@link SoftmaxEngine}s on executors. */
    public record Factory(int featureSize, int numClasses, long initSeed, double noise) implements EngineFactory {
        @Override
        public GradientEngine create() {
            return new SoftmaxEngine(featureSize, numClasses, initSeed, noise);
        }

        @Override
        public String cacheKey() {
            return "softmax:" + featureSize + ":" + numClasses + ":" + initSeed + ":" + noise;
        }
    }
}
