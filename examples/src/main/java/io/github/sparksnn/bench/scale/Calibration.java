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

    /** The calibration's images and labels: Fashion-MNIST's first {@code 4 * batch} when installed, else seeded noise. */
    private record Inputs(float[] x, int[] y, int n) {
    }

    private static Inputs inputs(EngineConfig cfg, int batch, Path dataDir) {
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
        return new Inputs(x, y, n);
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
        Inputs in = inputs(cfg, batch, dataDir);
        float[] x = in.x();
        int[] y = in.y();
        int n = in.n();
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

    /**
     * When the real engine's backward pass makes each range of the gradient final, for {@link SimulatedEngineFactory}:
     * over {@code calls} calls (after a warm-up of as many), the median time of each reported range as a fraction of
     * its call, in {@code from@fraction,...} form, the last range first, without the last range (which is final at
     * the call's end). Empty when the engine reports the whole gradient at once.
     */
    public static String finalSchedule(EngineConfig cfg, int batch, Path dataDir, int calls) {
        Inputs in = inputs(cfg, batch, dataDir);
        int shares = in.n() / batch;
        try (GradientEngine e = cfg.create()) {
            float[] g = new float[e.numParameters()];
            java.util.List<Integer> froms = new java.util.ArrayList<>();
            java.util.List<double[]> at = new java.util.ArrayList<>();
            for (int s = 0; s < 2 * calls; s++) {
                int k = s % shares;
                int call = s - calls;
                long t0 = System.nanoTime();
                java.util.List<long[]> seen = new java.util.ArrayList<>();
                e.accumulateGradient(in.x(), in.y(), k * batch, (k + 1) * batch, s, g,
                        (from, to) -> seen.add(new long[]{from, System.nanoTime()}));
                double total = System.nanoTime() - t0;
                if (call < 0) {
                    continue; // warm-up
                }
                if (call > 0 && seen.size() - 1 != froms.size()) {
                    throw new IllegalStateException("the engine reported " + seen.size() + " final ranges in one call"
                            + " and " + (froms.size() + 1) + " in another");
                }
                for (int r = 0; r + 1 < seen.size(); r++) {
                    if (call == 0) {
                        froms.add((int) seen.get(r)[0]);
                        at.add(new double[calls]);
                    }
                    at.get(r)[call] = Math.min(1, (seen.get(r)[1] - t0) / total);
                }
            }
            StringBuilder sb = new StringBuilder();
            double last = 0;
            for (int r = 0; r < froms.size(); r++) {
                double[] t = at.get(r);
                Arrays.sort(t);
                last = Math.max(last, t[calls / 2]); // medians of later ranges never come before earlier ones
                sb.append(sb.length() == 0 ? "" : ",").append(froms.get(r)).append('@')
                        .append(String.format(java.util.Locale.ROOT, "%.4f", last));
            }
            return sb.toString();
        }
    }
}
