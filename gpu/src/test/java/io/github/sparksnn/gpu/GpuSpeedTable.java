package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Speed table, not a test (no timed unit tests): training-step throughput of the MLP 784-256-10, T = 4, batch 128,
 * Poisson input, on the CPU backend (1 thread and all cores) and the CUDA backend, in images/s, plus raw SGEMM
 * GFLOP/s of the first layer's forward shape. Run by gpu/device-check.sh:
 * {@code java -cp ... io.github.sparksnn.gpu.GpuSpeedTable [out.md]}.
 */
public final class GpuSpeedTable {
    private GpuSpeedTable() {
    }

    static double imagesPerSecond(EngineConfig cfg, Backend be, int batch, int warmup, int steps) {
        try (CpuGradientEngine e = new CpuGradientEngine(cfg, be)) {
            int f = e.featureSize(), k = e.numClasses(), pool = 4 * batch;
            SplittableRandom r = new SplittableRandom(1);
            float[] x = new float[pool * f];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            int[] y = new int[pool];
            for (int i = 0; i < pool; i++) {
                y[i] = r.nextInt(k);
            }
            float[] p = e.parameters(), g = new float[p.length];
            long t0 = 0;
            for (int s = 0; s < warmup + steps; s++) {
                if (s == warmup) {
                    t0 = System.nanoTime();
                }
                java.util.Arrays.fill(g, 0f);
                int from = (s % 4) * batch;
                e.accumulateGradient(x, y, from, from + batch, s, g);   // ends with a download: synchronous
                for (int i = 0; i < p.length; i++) {
                    p[i] -= 1e-3f * g[i] / batch;
                }
                e.setParameters(p);
            }
            return (double) batch * steps / ((System.nanoTime() - t0) / 1e9);
        }
    }

    static double gemmGflops(CudaBackend be, int m, int n, int k) {
        try (Tensor a = be.alloc(m * k); Tensor b = be.alloc(n * k); Tensor c = be.alloc(m * n)) {
            for (int i = 0; i < 3; i++) {
                be.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n);
            }
            be.synchronize();
            int reps = 200;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                be.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n);
            }
            be.synchronize();
            return 2.0 * m * n * k * reps / (System.nanoTime() - t0);
        }
    }

    public static void main(String[] args) throws Exception {
        String spec = CudaEngineParityTest.MLP;
        int batch = 128, cores = Runtime.getRuntime().availableProcessors();
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(1, 28, 28).timeSteps(4).encoder("poisson")
                .loss("mse").seed(1).maxChunk(batch).build();
        StringBuilder sb = new StringBuilder();
        sb.append("MLP 784-256-10 (LIF, ATan), T = 4, batch 128, Poisson input; training step = forward + BPTT + "
                + "host SGD update\n\n| backend | images/s |\n|---|---|\n");
        CpuBackend c1 = new CpuBackend(1);
        sb.append(String.format(Locale.ROOT, "| %s, 1 thread | %.0f |%n", c1.describe(),
                imagesPerSecond(cfg, c1, batch, 5, 30)));
        CpuBackend cn = new CpuBackend(cores);
        sb.append(String.format(Locale.ROOT, "| %s, %d threads | %.0f |%n", cn.describe(), cores,
                imagesPerSecond(cfg, cn, batch, 5, 30)));
        if (CudaBackends.isAvailable()) {
            CudaBackend g = CudaBackends.create(0);
            String d = g.describe();
            sb.append(String.format(Locale.ROOT, "| %s | %.0f |%n", d, imagesPerSecond(cfg, g, batch, 20, 200)));
            try (CudaBackend be = CudaBackends.create(0)) {
                sb.append(String.format(Locale.ROOT, "%nSGEMM (NT) on the GPU: 512x256x784 %.0f GFLOP/s, "
                                + "4096x4096x4096 %.0f GFLOP/s%n", gemmGflops(be, 512, 256, 784),
                        gemmGflops(be, 4096, 4096, 4096)));
            }
        } else {
            sb.append("| cuda | unavailable: ").append(CudaBackends.unavailableReason()).append(" |\n");
        }
        System.out.print(sb);
        if (args.length > 0) {
            Files.writeString(Path.of(args[0]), sb.toString(), StandardCharsets.UTF_8);
        }
    }
}
