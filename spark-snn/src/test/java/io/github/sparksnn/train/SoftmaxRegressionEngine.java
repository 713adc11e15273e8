package io.github.sparksnn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A tiny, exact GradientEngine for testing trainer logic: multinomial logistic regression
 * {@code p = softmax(W x + b)}, loss {@code -log p[y]} summed over samples. Records every call's samples so tests
 * can check what the trainer fed it.
 */
final class SoftmaxRegressionEngine implements GradientEngine {

    final int d;
    final int k;
    private final float[] w; // k*d weights then k biases
    final List<int[]> seenLabels = new ArrayList<>();
    final List<float[]> seenFirstFeature = new ArrayList<>();
    final List<Long> seeds = new ArrayList<>();

    SoftmaxRegressionEngine(int d, int k, long seed) {
        this.d = d;
        this.k = k;
        this.w = new float[k * d + k];
        Random r = new Random(seed);
        for (int i = 0; i < k * d; i++) {
            w[i] = (float) (0.01 * r.nextGaussian());
        }
    }

    @Override
    public int numParameters() {
        return w.length;
    }

    @Override
    public int featureSize() {
        return d;
    }

    @Override
    public int numClasses() {
        return k;
    }

    @Override
    public void setParameters(float[] params) {
        System.arraycopy(params, 0, w, 0, w.length);
    }

    @Override
    public float[] parameters() {
        return w.clone();
    }

    private void probs(float[] x, int i, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            double z = w[k * d + c];
            for (int j = 0; j < d; j++) {
                z += w[c * d + j] * x[i * d + j];
            }
            p[c] = z;
            max = Math.max(max, z);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(p[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
    }

    @Override
    public StepStats accumulateGradient(float[] x, int[] labels, int from, int to, long seed, float[] gradSum) {
        int[] seen = new int[to - from];
        float[] firstFeature = new float[to - from];
        double[] p = new double[k];
        double loss = 0;
        long correct = 0;
        for (int i = from; i < to; i++) {
            seen[i - from] = labels[i];
            firstFeature[i - from] = x[i * d];
            probs(x, i, p);
            int y = labels[i];
            loss -= Math.log(p[y]);
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (p[c] > p[best]) {
                    best = c;
                }
            }
            if (best == y) {
                correct++;
            }
            for (int c = 0; c < k; c++) {
                double dz = p[c] - (c == y ? 1 : 0);
                for (int j = 0; j < d; j++) {
                    gradSum[c * d + j] += (float) (dz * x[i * d + j]);
                }
                gradSum[k * d + c] += (float) dz;
            }
        }
        seenLabels.add(seen);
        seenFirstFeature.add(firstFeature);
        seeds.add(seed);
        return new StepStats(loss, correct, to - from);
    }

    @Override
    public void predictRates(float[] x, int from, int to, long seed, float[] ratesOut) {
        double[] p = new double[k];
        for (int i = from; i < to; i++) {
            probs(x, i, p);
            for (int c = 0; c < k; c++) {
                ratesOut[(i - from) * k + c] = (float) p[c];
            }
        }
    }

    /** The value of feature 0 of sample i: a distinct small float per sample. */
    static float id(int i) {
        return i * 1e-4f;
    }

    /** Gaussian blobs: class c centered at 2.5 * e_(c+1), noise 0.7; feature 0 is {@link #id}(i). */
    static float[][] blobs(int n, int d, int k, long seed, int[] labelsOut) {
        Random r = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(k);
            labelsOut[i] = c;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (r.nextGaussian() * 0.7 + (j == c + 1 ? 2.5 : 0));
            }
            x[i * d] = id(i); // identifies the sample; small, so it barely matters to the model
        }
        return new float[][] {x};
    }
}
