package io.github.sparksnn.train;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Throughput of the CPU engine (not a test: run it, read the figures). Times {@code steps} training steps of
 * {@code batch} random samples (gradient over the batch plus a plain Adam update on the flat vectors, as a
 * trainer does), after {@code warmup} untimed steps, with GEMM time and FLOPs counted by the backend; and, on the
 * same backend, native sgemm alone on the first linear layer's three products for comparison.
 */
public final class EngineBenchmark {
    private EngineBenchmark() {
    }

    /** Figures of one run. */
    public record Report(String backend, int batch, int steps, double imagesPerSecond, double msPerStep,
                         double imagesPerCpuSecond, double gemmShare, double engineGemmGflops, double plainSgemmGflops) {
        public String format() {
            return String.format(Locale.ROOT,
                    "backend: %s%nbatch %d, %d timed steps: %.0f images/s wall (%.2f ms/step), %.0f images per process CPU-second%n"
                            + "GEMM share of step time %.1f%% (outside GEMM %.1f%%), engine GEMMs %.1f GFLOP/s, "
                            + "plain sgemm on the same shapes %.1f GFLOP/s (ratio %.0f%%)%n",
                    backend, batch, steps, imagesPerSecond, msPerStep, imagesPerCpuSecond, 100 * gemmShare,
                    100 * (1 - gemmShare), engineGemmGflops, plainSgemmGflops, 100 * engineGemmGflops / plainSgemmGflops);
        }
    }

    public static Report run(EngineConfig cfg, int batch, int warmup, int steps) {
        CpuBackend be = new CpuBackend(1);
        EngineConfig c = cfg.withMaxChunk(Math.max(batch, cfg.maxChunk()));
        // one thread: GEMMs are timed inside the engine's backend; several: data-parallel replicas (GEMMs not timed)
        try (GradientEngine e = cfg.threads() == 1 ? new CpuGradientEngine(c, be) : c.create()) {
            int f = e.featureSize(), k = e.numClasses();
            SplittableRandom r = new SplittableRandom(1);
            int pool = batch * 4;
            float[] x = new float[pool * f];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            int[] y = new int[pool];
            for (int i = 0; i < pool; i++) {
                y[i] = r.nextInt(k);
            }
            float[] p = e.parameters();
            float[] g = new float[p.length];
            float[] m = new float[p.length];
            float[] v = new float[p.length];
            for (int s = 0; s < warmup + steps; s++) {
                if (s == warmup) {
                    be.setProfiling(true);
                }
                long t0 = s == warmup ? System.nanoTime() : 0;
                if (s == warmup) {
                    startNanos = t0;
                    startCpu = processCpuNanos();
                }
                int from = (s % 4) * batch;
                java.util.Arrays.fill(g, 0f);
                e.accumulateGradient(x, y, from, from + batch, s, g);
                adam(p, g, m, v, s + 1, 1e-3f, 1f / batch);
                e.setParameters(p);
            }
            long total = System.nanoTime() - startNanos;
            long cpu = processCpuNanos() - startCpu;
            double secs = total / 1e9;
            double gemmShare = cfg.threads() == 1 ? be.gemmNanos() / (double) total : Double.NaN;
            double engineGflops = cfg.threads() == 1 ? be.gemmFlops() / be.gemmNanos() : Double.NaN;
            double plain = plainSgemm(be, cfg, batch);
            return new Report(be.describe(), batch, steps, (double) batch * steps / secs, 1e3 * secs / steps,
                    (double) batch * steps / (cpu / 1e9), gemmShare, engineGflops, plain);
        }
    }

    private static long startNanos;
    private static long startCpu;

    /** CPU time of the whole process (all threads): on a shared, oversubscribed machine a steadier measure than
     *  wall time. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return System.nanoTime();
    }

    private static void adam(float[] p, float[] g, float[] m, float[] v, int t, float lr, float scale) {
        float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        float c1 = (float) (1 - Math.pow(b1, t)), c2 = (float) (1 - Math.pow(b2, t));
        for (int i = 0; i < p.length; i++) {
            float gi = g[i] * scale;
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= lr * (m[i] / c1) / ((float) Math.sqrt(v[i] / c2) + eps);
        }
    }

    /** sgemm alone on the first linear layer's forward and weight-gradient shapes (the engine skips its input
     *  gradient when nothing below it has parameters). */
    private static double plainSgemm(CpuBackend be, EngineConfig cfg, int batch) {
        int rows = cfg.timeSteps() * batch;
        int in = cfg.featureSize();
        var first = cfg.spec().layers().stream().filter(l -> l.kind() == io.github.sparksnn.model.LayerKind.LINEAR)
                .findFirst().orElse(null);
        if (first == null) {
            return Double.NaN;
        }
        in = first.getInt("in_features");
        int out = first.getInt("out_features");
        be.setProfiling(false);
        try (Tensor a = be.alloc(rows * in); Tensor w = be.alloc(out * in); Tensor c = be.alloc(rows * out);
             Tensor d = be.alloc(rows * in)) {
            for (int rep = 0; rep < 3; rep++) {
                be.gemm(false, true, rows, out, in, 1f, a, 0, in, w, 0, in, 0f, c, 0, out);
            }
            int reps = 20;
            long t0 = System.nanoTime();
            for (int rep = 0; rep < reps; rep++) {
                be.gemm(false, true, rows, out, in, 1f, a, 0, in, w, 0, in, 0f, c, 0, out);
                be.gemm(true, false, out, in, rows, 1f, c, 0, out, a, 0, in, 1f, w, 0, in);
            }
            return 2.0 * reps * 2.0 * rows * in * out / (System.nanoTime() - t0);
        }
    }

    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0]
                : "flatten | linear(784, 256) | lif(surrogate=ATan(alpha=2.0)) | linear(256, 10) | lif(surrogate=ATan(alpha=2.0))";
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(1, 28, 28).timeSteps(4)
                .encoder(args.length > 3 ? args[3] : "poisson")
                .loss("mse").seed(1).threads(args.length > 1 ? Integer.parseInt(args[1]) : 1).build();
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        System.out.print(run(cfg, 128, Math.max(20, steps / 2), steps).format());
    }
}
