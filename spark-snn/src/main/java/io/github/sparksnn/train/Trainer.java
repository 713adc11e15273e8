package io.github.sparksnn.train;

import io.github.sparksnn.train.optim.LearningRateSchedule;
import io.github.sparksnn.train.optim.Optimizer;
import java.util.SplittableRandom;

/**
 * Single-JVM training over one {@link GradientEngine}: per epoch, a seeded shuffle of the training set, then
 * mini-batches; per batch, one {@link GradientEngine#trainStep}: the engine's gradient sum divided by the batch
 * size, one {@link Optimizer} step at the epoch's scheduled learning rate, and the new parameters loaded back into
 * the engine (an engine with several threads does the last three in parallel ranges). After each epoch, optional
 * evaluation through {@link GradientEngine#predictRates} (accuracy of the arg-max firing rate).
 *
 * <p>Reproducible: the shuffle order of epoch {@code e} and the engine seed of step {@code s} are pure functions of
 * ({@link TrainerConfig#seed()}, e, s), so the same seed, data, engine and optimizer give bit-identical parameters.
 * The steady-state loop allocates no buffers: batch, gradient and parameter arrays are reused (a step allocates
 * only a few small objects: the optimizer's update rule, the engine's hand-off state).
 */
public final class Trainer {

    private final GradientEngine engine;
    private final Optimizer optimizer;
    private final TrainerConfig config;
    private final int featureSize;
    private final int numClasses;
    private final float[] params;
    private final float[] grad;
    private final float[] batchX;
    private final int[] batchY;
    private float[] rates = new float[0];

    /** Takes the engine's current parameters as the starting point. */
    public Trainer(GradientEngine engine, Optimizer optimizer, TrainerConfig config) {
        this.engine = engine;
        this.optimizer = optimizer;
        this.config = config;
        this.featureSize = engine.featureSize();
        this.numClasses = engine.numClasses();
        this.params = engine.parameters();
        if (params.length != engine.numParameters()) {
            throw new IllegalStateException("engine returned " + params.length + " parameters but declares "
                    + engine.numParameters());
        }
        this.grad = new float[params.length];
        this.batchX = new float[Math.multiplyExact(config.batchSize(), featureSize)];
        this.batchY = new int[config.batchSize()];
    }

    public TrainerConfig config() {
        return config;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** A copy of the current parameters. */
    public float[] parameters() {
        return params.clone();
    }

    /**
     * Trains {@link TrainerConfig#epochs()} epochs on ({@code x}, {@code y}), evaluating on ({@code testX},
     * {@code testY}) after each epoch when they are non-null.
     */
    public TrainingHistory fit(float[] x, int[] y, float[] testX, int[] testY, TrainingListener listener) {
        checkData(x, y, "training");
        if ((testX == null) != (testY == null)) {
            throw new IllegalArgumentException("give both test features and test labels, or neither");
        }
        if (testX != null) {
            checkData(testX, testY, "test");
        }
        TrainingListener l = listener == null ? TrainingListener.NONE : listener;
        TrainingHistory history = new TrainingHistory();
        for (int e = 0; e < config.epochs(); e++) {
            EpochResult r = trainEpoch(e, x, y, l);
            if (testX != null) {
                long t0 = System.nanoTime();
                double acc = evaluate(testX, testY);
                r = new EpochResult(r.epoch(), r.learningRate(), r.steps(), r.trainLoss(), r.trainAccuracy(), acc,
                        r.trainSeconds(), (System.nanoTime() - t0) * 1e-9, r.samples());
            }
            history.add(r);
            l.onEpoch(r);
        }
        return history;
    }

    /** One epoch of training with index {@code epoch} (0-based; picks the shuffle order and the learning rate). */
    public EpochResult trainEpoch(int epoch, float[] x, int[] y, TrainingListener listener) {
        checkData(x, y, "training");
        TrainingListener l = listener == null ? TrainingListener.NONE : listener;
        final int n = y.length;
        final int bs = config.batchSize();
        LearningRateSchedule schedule = config.schedule().resolve(config.epochs());
        final double lr = schedule.learningRate(config.learningRate(), epoch);
        final int[] order = config.shuffle() ? permutation(config.seed(), epoch, n) : null;
        final int batches = (n + bs - 1) / bs;
        long t0 = System.nanoTime();
        GradientEngine.StepStats total = GradientEngine.StepStats.ZERO;
        for (int b = 0; b < batches; b++) {
            int from = b * bs;
            int count = Math.min(bs, n - from);
            long seed = stepSeed(config.seed(), epoch, b);
            // the engine sums over samples and the update divides by the count: the optimizer sees the mean
            Optimizer.Update update = optimizer.begin(params.length, lr);
            GradientEngine.StepStats s;
            if (order == null) {
                s = engine.trainStep(x, y, from, from + count, seed, grad, params, update);
            } else {
                for (int i = 0; i < count; i++) {
                    int src = order[from + i];
                    System.arraycopy(x, src * featureSize, batchX, i * featureSize, featureSize);
                    batchY[i] = y[src];
                }
                s = engine.trainStep(batchX, batchY, 0, count, seed, grad, params, update);
            }
            if (s.count() != count) {
                throw new IllegalStateException("engine reported " + s.count() + " samples for a batch of " + count);
            }
            total = total.plus(s);
            l.onBatch(epoch, b, batches, s);
        }
        double secs = (System.nanoTime() - t0) * 1e-9;
        return new EpochResult(epoch, lr, batches, n == 0 ? Double.NaN : total.lossSum() / n,
                n == 0 ? Double.NaN : (double) total.correct() / n, Double.NaN, secs, 0, n);
    }

    /** Accuracy of the arg-max firing rate (first maximum on ties) on ({@code x}, {@code y}). */
    public double evaluate(float[] x, int[] y) {
        checkData(x, y, "evaluation");
        final int n = y.length;
        if (n == 0) {
            return Double.NaN;
        }
        final int chunk = config.evalBatchSize();
        int need = Math.min(chunk, n) * numClasses;
        if (rates.length < need) {
            rates = new float[need];
        }
        long correct = 0;
        long evalSeed = evalSeed(config.seed());
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            engine.predictRates(x, from, to, evalSeed, rates);
            for (int i = from; i < to; i++) {
                if (argmax(rates, (i - from) * numClasses, numClasses) == y[i]) {
                    correct++;
                }
            }
        }
        return (double) correct / n;
    }

    /** Index of the first maximum of {@code a[off .. off+k)}. */
    public static int argmax(float[] a, int off, int k) {
        int best = 0;
        float bv = a[off];
        for (int j = 1; j < k; j++) {
            if (a[off + j] > bv) {
                bv = a[off + j];
                best = j;
            }
        }
        return best;
    }

    /** The shuffle order of an epoch: a Fisher-Yates permutation of {@code 0..n-1} seeded by (seed, epoch). */
    public static int[] permutation(long seed, int epoch, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(mix(seed, 0x5348554646L /* "SHUFF" */, epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The engine seed of step {@code step} of {@code epoch}. */
    public static long stepSeed(long seed, int epoch, int step) {
        return mix(mix(seed, 0x53544550L /* "STEP" */, epoch), step, 0);
    }

    /** The fixed engine seed of evaluation (the same every epoch, so accuracies are comparable). */
    public static long evalSeed(long seed) {
        return mix(seed, 0x4556414cL /* "EVAL" */, 0);
    }

    /** SplitMix64 finalizer over a combination of three values: a cheap, well-spread seed derivation. */
    static long mix(long a, long b, long c) {
        long z = a * 0x9E3779B97F4A7C15L + b * 0xBF58476D1CE4E5B9L + c * 0x94D049BB133111EBL + 0x2545F4914F6CDD1DL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void checkData(float[] x, int[] y, String what) {
        if (x == null || y == null) {
            throw new IllegalArgumentException(what + " features and labels must not be null");
        }
        if ((long) y.length * featureSize != x.length) {
            throw new IllegalArgumentException(what + " data: " + x.length + " floats for " + y.length
                    + " labels, expected " + featureSize + " floats per sample (" + (long) y.length * featureSize
                    + ")");
        }
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || y[i] >= numClasses) {
                throw new IllegalArgumentException(what + " label " + y[i] + " at index " + i + " outside [0, "
                        + numClasses + ")");
            }
        }
    }
}
