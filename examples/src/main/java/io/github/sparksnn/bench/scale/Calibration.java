package io.github.sparksnn.bench.scale;

import io.github.sparksnn.data.IdxDataset;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The real engine's time per image on this machine, for {@link SimulatedEngineFactory}: one engine on one thread,
 * the same model and share (batch per task) as the tasks, Fashion-MNIST images when installed (else seeded noise).
 * The engine first runs until the JIT has compiled its kernels (at least {@code warmupCalls} calls, or 2 s), then
 * the median of {@code calls} timed gradient calls, divided by the batch.
 */
public final class Calibration {
    private Calibration() {
    }

    public static double nanosPerImage(EngineConfig cfg, int batch, Path dataDir, int warmupCalls, int calls) {
        return measure(cfg, batch, dataDir, warmupCalls, calls).nanosPerImage();
    }

    /**
     * The median time per image and the spread of the calls: {@code cv} is the interquartile range over 1.349 (a
     * normal distribution's IQR in standard deviations) divided by the median, robust to the odd call that a shared
     * machine's scheduler stretches.
     */
    public record Result(double nanosPerImage, double cv) {
    }

    /** As {@link #nanosPerImage}, with the calls' spread. */
    public static Result measure(EngineConfig cfg, int batch, Path dataDir, int warmupCalls, int calls) {
        if (calls < 4) {
            throw new IllegalArgumentException("calls must be >= 4 for a spread, got " + calls);
        }
        float[] x;
        int[] y;
        int n = batch * 4;
        if (Files.isRegularFile(dataDir.resolve("train-images-idx3-ubyte.gz"))
                || Files.isRegularFile(dataDir.resolve("train-images-idx3-ubyte"))) {
            IdxDataset d = IdxReader.load(dataDir, true).head(n);
            x = d.features();
            y = d.labels();
            n = y.length;
        } else {
            SplittableRandom r = new SplittableRandom(7);
            x = new float[n * cfg.featureSize()];
            y = new int[n];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(cfg.numClasses());
            }
        }
        int shares = n / batch;
        try (GradientEngine e = cfg.create()) {
            float[] g = new float[e.numParameters()];
            long until = System.nanoTime() + 2_000_000_000L;
            for (int s = 0; s < warmupCalls || System.nanoTime() < until; s++) {
                int k = s % shares;
                e.accumulateGradient(x, y, k * batch, (k + 1) * batch, s, g);
            }
            double[] t = new double[calls];
            for (int s = 0; s < calls; s++) {
                int k = s % shares;
                Arrays.fill(g, 0f);
                long t0 = System.nanoTime();
                e.accumulateGradient(x, y, k * batch, (k + 1) * batch, s, g);
                t[s] = (System.nanoTime() - t0) / (double) batch;
            }
            Arrays.sort(t);
            double median = t[calls / 2];
            double iqr = t[(3 * calls) / 4] - t[calls / 4];
            return new Result(median, iqr / 1.349 / median);
        }
    }
}
