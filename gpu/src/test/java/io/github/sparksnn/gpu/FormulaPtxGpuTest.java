package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * On a GPU (device 0; skips, visibly, without one), run by {@code gpu/device-check.sh}: a {@code Formula}'s kernels
 * come from the PTX {@link FormulaPtx} writes (nvcc or no nvcc: the device machine has none), the driver's JIT loads
 * it, and it agrees with the CPU. The emulator's formulas within the parity contract's tolerance for g'
 * ({@code 2e-6 |g'| + 2e-7}); the coverage formulas of {@link FormulaPtxTest#COVERAGE} (every function and operator,
 * some with cancellation that magnifies CUDA's few-ulp {@code tanhf}) within {@code 1e-3} relative, which any wrong
 * operand, constant or register exceeds; the smooth forward of those with a primitive within {@code 1e-5} of its
 * largest value. No layer falls back to the host (the backend is made without host fallback).
 */
class FormulaPtxGpuTest {
    private static List<Formula> formulas() {
        List<Formula> out = new ArrayList<>();
        for (SurrogateFunction sg : HostEmulator.formulas()) {
            out.add((Formula) sg);
        }
        for (String s : FormulaPtxTest.COVERAGE) {
            out.add((Formula) Surrogates.parse(s));
        }
        return out;
    }

    @Test
    void formulasLoadFromJavaWrittenPtxAndMatchTheCpu() {
        Assumptions.assumeTrue(CudaBackends.isAvailable(), () -> "SKIPPED (visible): no GPU: " + CudaBackends.unavailableReason());
        int n = 4001;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = -4f + 8f * i / (n - 1);
        }
        int emulatorFormulas = HostEmulator.formulas().size();
        List<Formula> all = formulas();
        try (CudaBackend gpu = CudaBackends.create(0, false); CpuBackend cpu = new CpuBackend(1, true)) {
            for (int f = 0; f < all.size(); f++) {
                Formula sg = all.get(f);
                float[] want = new float[n];
                sg.gradient(xs, 0, want, 0, n);
                float[] got = CudaParityContract.deviceGradient(gpu, sg, xs);
                boolean tight = f < emulatorFormulas;
                double worst = CudaParityContract.assertGradientsClose(sg, xs, want, got,
                        w -> tight ? 2e-6 * Math.abs(w) + 2e-7 : 1e-3 * Math.max(1, Math.abs(w)));
                System.out.printf("g' %s from FormulaPtx: worst |cuda - java| / (|java| + 1e-7) = %.2e%n", sg, worst);
                String name = NeuronKernelSource.of(sg).name();
                assertTrue(CudaDevice.get(0).loadReports().stream().anyMatch(r -> r.startsWith(name + ": PTX ISA")),
                        name + " loaded through the driver's JIT: " + CudaDevice.get(0).loadReports());
                if (sg.hasPrimitive()) {
                    smoothForward(gpu, cpu, (Formula) sg.copy().setSpikingMode(false));
                }
            }
            assertEquals(java.util.Map.of(), gpu.hostFallbacks(), "nothing ran on the host");
        }
    }

    /** The smooth forward of {@code sg} on both backends, within 1e-5 of the largest value. */
    private static void smoothForward(CudaBackend gpu, CpuBackend cpu, Formula sg) {
        int t = 4, n = 257;
        NeuronOp op = new NeuronOp(true, true, 0.5f, 1f, 0f, sg, false);
        java.util.Random r = new java.util.Random(5);
        float[] x = new float[t * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = 3f * r.nextFloat() - 1f;
        }
        float[] g = forward(gpu, op, t, n, x), c = forward(cpu, op, t, n, x);
        double scale = 0;
        for (float v : c) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < c.length; i++) {
            assertTrue(Math.abs(g[i] - c[i]) <= 1e-5 * scale + 1e-7, "smooth forward " + sg + " [" + i + "]: cpu "
                    + c[i] + " cuda " + g[i]);
        }
    }

    private static float[] forward(io.github.sparksnn.backend.Backend be, NeuronOp op, int t, int n, float[] x) {
        float[] s = new float[t * n];
        try (Tensor X = be.alloc(t * n); Tensor H = be.alloc(t * n); Tensor S = be.alloc(t * n); Tensor V = be.alloc(n)) {
            be.upload(x, 0, X, 0, x.length);
            be.fill(V, 0, n, op.vInit());
            be.neuronForward(op, t, n, X, H, S, V);
            be.download(S, 0, s, 0, s.length);
        }
        return s;
    }
}
