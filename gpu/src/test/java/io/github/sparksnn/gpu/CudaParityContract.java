package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Parity of every {@link Backend} operation: the CUDA backend against the CPU reference on random inputs, odd
 * shapes, offsets and strides. Ops whose kernels do the CPU's float operations in the CPU's order must agree bit
 * for bit; GEMM, double reductions and surrogate gradients (CUDA vs Java transcendental functions) within float
 * rounding. Run on a real GPU ({@link CudaBackendParityTest}) and on the host emulator
 * ({@link EmulatedCudaBackendParityTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CudaParityContract {
    private static CpuBackend cpu;
    private static CudaBackend gpu;
    private final SplittableRandom rnd = new SplittableRandom(12345);

    /** Null when the backend under test can run here, else why not (every test then skips with it). */
    abstract String unavailableReason();

    /** A new backend under test (called once per class, and once per thread by the threading test). */
    abstract CudaBackend newGpu();

    /** Floats of the large upload/download round trip. */
    abstract int largeTransfer();

    /** Whether to include the large shapes (the real GPU); the emulator runs the small ones only. */
    abstract boolean fullSize();

    @BeforeAll
    void open() {
        if (unavailableReason() != null) {
            return;
        }
        cpu = new CpuBackend(1);
        gpu = newGpu();
        System.out.println("parity: " + cpu.describe() + " vs " + gpu.describe());
    }

    /** Per test, so that every test is reported as skipped, with the reason, where the backend cannot run. */
    @BeforeEach
    void needBackend() {
        String why = unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED (visible): " + why);
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
            gpu = null;
        }
        if (cpu != null) {
            cpu.close();
            cpu = null;
        }
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** The same host data on both backends. */
    private static final class Pair {
        final Tensor c;
        final Tensor g;
        final int n;

        Pair(float[] init) {
            n = init.length;
            c = cpu.alloc(n);
            g = gpu.alloc(n);
            cpu.upload(init, 0, c, 0, n);
            gpu.upload(init, 0, g, 0, n);
        }

        float[] cpuValues() {
            float[] out = new float[n];
            cpu.download(c, 0, out, 0, n);
            return out;
        }

        float[] gpuValues() {
            float[] out = new float[n];
            gpu.download(g, 0, out, 0, n);
            return out;
        }
    }

    private float[] random(int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }

    private static void assertBits(String what, Pair p) {
        float[] c = p.cpuValues(), g = p.gpuValues();
        for (int i = 0; i < c.length; i++) {
            if (Float.floatToIntBits(c[i]) != Float.floatToIntBits(g[i])) {
                fail(what + ": element " + i + " differs: cpu " + c[i] + " gpu " + g[i] + " (bit-identical expected)");
            }
        }
    }

    /** |cpu - gpu| <= rel * scale + abs elementwise, scale = max |cpu| over the tensor. */
    private static void assertClose(String what, Pair p, double rel, double abs) {
        assertClose(what, p.cpuValues(), p.gpuValues(), rel, abs);
    }

    private static void assertClose(String what, float[] c, float[] g, double rel, double abs) {
        double scale = 0;
        for (float v : c) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < c.length; i++) {
            double d = Math.abs((double) c[i] - g[i]);
            if (!(d <= rel * scale + abs)) {
                fail(what + ": element " + i + ": cpu " + c[i] + " gpu " + g[i] + " (|diff| " + d + " > "
                        + (rel * scale + abs) + ")");
            }
        }
    }

    // ------------------------------------------------------------------------------------------- memory

    @Test
    void uploadDownloadFillCopyWithOffsetsAndChunking() {
        int n = largeTransfer();
        float[] host = random(n, -1, 1);
        try (Tensor t = gpu.alloc(n + 10)) {
            gpu.upload(host, 3, t, 7, n - 3);
            float[] back = new float[n + 10];
            gpu.download(t, 0, back, 0, n + 10);
            for (int i = 0; i < 7; i++) {
                assertEquals(0f, back[i], "alloc zero-fills");
            }
            for (int i = 0; i < n - 3; i++) {
                if (back[7 + i] != host[3 + i]) {
                    fail("round trip differs at " + i);
                }
            }
        }
        Pair p = new Pair(random(1001, -5, 5));
        cpu.fill(p.c, 13, 500, -0.0f);
        gpu.fill(p.g, 13, 500, -0.0f);
        cpu.fill(p.c, 600, 3, Float.NaN);
        gpu.fill(p.g, 600, 3, Float.NaN);
        assertBits("fill", p);
        Pair q = new Pair(random(1001, -5, 5));
        cpu.copy(p.c, 5, q.c, 100, 777);
        gpu.copy(p.g, 5, q.g, 100, 777);
        assertBits("copy", q);
    }

    @Test
    void badTensorsAndRangesAreRejectedBeforeTheDevice() {
        try (Tensor host = cpu.alloc(10); Tensor dev = gpu.alloc(10)) {
            assertThrows(IllegalArgumentException.class, () -> gpu.copy(host, 0, dev, 0, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> gpu.copy(dev, 6, dev, 0, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> gpu.upload(new float[4], 0, dev, 0, 5));
            assertThrows(IndexOutOfBoundsException.class,   // a 4 x 4 matrix spans 16 > 10 floats
                    () -> gpu.gemm(false, false, 4, 4, 4, 1f, dev, 0, 4, dev, 0, 4, 0f, dev, 0, 4));
            assertThrows(IllegalArgumentException.class,
                    () -> gpu.gemm(false, false, 2, 2, 3, 1f, dev, 0, 2, dev, 0, 2, 0f, dev, 0, 2));
        }
    }

    // ------------------------------------------------------------------------------------------- GEMM

    @Test
    void gemmAllTransposesOddShapesOffsetsStrides() {
        int[][] shapes = fullSize()
                ? new int[][] {{1, 1, 1}, {3, 5, 7}, {64, 64, 16}, {65, 63, 129}, {17, 200, 1}, {130, 67, 300},
                        {512, 256, 784}, {5, 3, 0}}
                : new int[][] {{1, 1, 1}, {3, 5, 7}, {65, 63, 33}, {17, 70, 1}, {5, 3, 0}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (int ta = 0; ta < 2; ta++) {
                for (int tb = 0; tb < 2; tb++) {
                    boolean transA = ta == 1, transB = tb == 1;
                    int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
                    int lda = aCols + 3, ldb = bCols + 1, ldc = n + 2, aOff = 5, bOff = 2, cOff = 11;
                    float[] a = random(aOff + Math.max(1, aRows) * lda, -1, 1);
                    float[] b = random(bOff + Math.max(1, bRows) * ldb, -1, 1);
                    float[] c = random(cOff + m * ldc, -1, 1);
                    for (float[] ab : new float[][] {{1f, 0f}, {-0.7f, 0.5f}}) {
                        float alpha = ab[0], beta = ab[1];
                        float[] c0 = c.clone();
                        if (beta == 0f) {
                            java.util.Arrays.fill(c0, Float.NaN);   // beta = 0 must not read C
                        }
                        Pair A = new Pair(a), B = new Pair(b), C = new Pair(c0);
                        cpu.gemm(transA, transB, m, n, k, alpha, A.c, aOff, lda, B.c, bOff, ldb, beta, C.c, cOff, ldc);
                        gpu.gemm(transA, transB, m, n, k, alpha, A.g, aOff, lda, B.g, bOff, ldb, beta, C.g, cOff, ldc);
                        float[] cc = C.cpuValues(), gg = C.gpuValues();
                        String what = "gemm " + (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n
                                + " k=" + k + " alpha=" + alpha + " beta=" + beta;
                        for (int i = 0; i < cc.length; i++) {
                            int row = (i - cOff) / ldc, col = (i - cOff) % ldc;
                            boolean inside = i >= cOff && row < m && col < n;
                            if (!inside) {
                                assertEquals(Float.floatToIntBits(cc[i]), Float.floatToIntBits(gg[i]),
                                        what + ": element " + i + " outside C must be untouched");
                                continue;
                            }
                            double scale = Math.abs(beta * c[i]);
                            for (int p = 0; p < k; p++) {
                                float av = transA ? a[aOff + p * lda + row] : a[aOff + row * lda + p];
                                float bv = transB ? b[bOff + col * ldb + p] : b[bOff + p * ldb + col];
                                scale += Math.abs(alpha * av * bv);
                            }
                            double d = Math.abs((double) cc[i] - gg[i]);
                            assertTrue(d <= 1e-5 * scale + 1e-6, what + ": C[" + row + "," + col + "] cpu " + cc[i]
                                    + " gpu " + gg[i]);
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------- biases, sums

    @Test
    void biasesAndSums() {
        int rows = 37, cols = 301;
        Pair y = new Pair(random(5 + rows * cols, -2, 2)), bias = new Pair(random(3 + cols, -1, 1));
        cpu.addRowBias(y.c, 5, rows, cols, bias.c, 3);
        gpu.addRowBias(y.g, 5, rows, cols, bias.g, 3);
        assertBits("addRowBias", y);
        Pair g = new Pair(random(2 + cols, -1, 1));
        cpu.accumulateColumnSums(y.c, 5, rows, cols, g.c, 2);
        gpu.accumulateColumnSums(y.g, 5, rows, cols, g.g, 2);
        assertBits("accumulateColumnSums", g);

        int batch = 3, ch = 5, hw = 49;
        Pair z = new Pair(random(batch * ch * hw, -2, 2)), cb = new Pair(random(1 + ch, -1, 1));
        cpu.addChannelBias(z.c, batch, ch, hw, cb.c, 1);
        gpu.addChannelBias(z.g, batch, ch, hw, cb.g, 1);
        assertBits("addChannelBias", z);
        Pair cg = new Pair(random(4 + ch, -1, 1));
        cpu.accumulateChannelSums(z.c, batch, ch, hw, cg.c, 4);
        gpu.accumulateChannelSums(z.g, batch, ch, hw, cg.g, 4);
        assertClose("accumulateChannelSums (double sums in another order)", cg, 1e-6, 1e-6);
    }

    // ------------------------------------------------------------------------------------------- encoders, dropout

    @Test
    void repeatPoissonDropoutAreBitIdentical() {
        int samples = 7, features = 129, T = 5;
        Pair x = new Pair(random(samples * features, -0.1, 1.1));
        Pair out = new Pair(new float[T * samples * features]);
        cpu.repeat(x.c, samples * features, T, out.c);
        gpu.repeat(x.g, samples * features, T, out.g);
        assertBits("repeat", out);
        Pair noisy = new Pair(random(T * samples * features, -3, 3)), sum = new Pair(random(samples * features, 7, 8));
        cpu.sumOverTime(noisy.c, samples * features, T, sum.c);
        gpu.sumOverTime(noisy.g, samples * features, T, sum.g);
        assertBits("sumOverTime", sum);
        for (long[] sc : new long[][] {{42, 0}, {-7L, 123_456_789_012L}, {Long.MIN_VALUE, Long.MAX_VALUE - 10}}) {
            cpu.poissonEncode(x.c, samples, features, T, sc[0], sc[1], out.c);
            gpu.poissonEncode(x.g, samples, features, T, sc[0], sc[1], out.g);
            assertBits("poissonEncode seed=" + sc[0] + " base=" + sc[1], out);
            for (float p : new float[] {0f, 0.3f, 0.9f}) {
                Pair mask = new Pair(random(samples * features, 5, 6));
                cpu.dropoutMask(mask.c, samples, features, p, sc[0], sc[1]);
                gpu.dropoutMask(mask.g, samples, features, p, sc[0], sc[1]);
                assertBits("dropoutMask p=" + p, mask);
                Pair xs = new Pair(random(T * samples * features, -1, 1)), o = new Pair(new float[T * samples * features]);
                cpu.multiplyShared(xs.c, mask.c, samples * features, T, o.c);
                gpu.multiplyShared(xs.g, mask.g, samples * features, T, o.g);
                assertBits("multiplyShared", o);
            }
        }
        // the draws are not all equal (a broken RNG that returns a constant would pass the parity above)
        float[] spikes = out.gpuValues();
        double mean = 0;
        for (float s : spikes) {
            mean += s;
        }
        mean /= spikes.length;
        assertTrue(mean > 0.3 && mean < 0.7, "mean firing of u < x, x ~ U(-0.1, 1.1): " + mean);
    }

    // ------------------------------------------------------------------------------------------- neurons

    private static List<NeuronOp> neuronOps(SurrogateFunction sg) {
        List<NeuronOp> ops = new ArrayList<>();
        ops.add(new NeuronOp(false, false, 0f, 1f, 0f, sg, false));                 // IF, hard reset
        ops.add(new NeuronOp(true, true, 0.5f, 1f, 0f, sg, false));                 // LIF decay_input
        ops.add(new NeuronOp(true, false, 0.3f, 0.8f, -0.2f, sg, true));            // LIF, detach_reset
        ops.add(new NeuronOp(true, true, 0.4f, 1f, Float.NaN, sg, false));          // soft reset
        ops.add(new NeuronOp(false, false, 0f, 0.5f, Float.NaN, sg, true));         // IF soft, detach
        return ops;
    }

    @Test
    void neuronForwardAndVoltageAreBitIdentical() {
        int T = 6, n = 1029;
        for (NeuronOp op : neuronOps(new ATan())) {
            Pair x = new Pair(random(T * n, -0.5, 1.5)), h = new Pair(new float[T * n]), s = new Pair(new float[T * n]);
            Pair v = new Pair(random(n, -0.2, 0.9)), vs = new Pair(new float[T * n]);
            cpu.neuronForward(op, T, n, x.c, h.c, s.c, v.c);
            gpu.neuronForward(op, T, n, x.g, h.g, s.g, v.g);
            assertBits("neuronForward h " + op, h);
            assertBits("neuronForward s " + op, s);
            assertBits("neuronForward v " + op, v);
            cpu.neuronVoltage(op, T, n, h.c, s.c, vs.c);
            gpu.neuronVoltage(op, T, n, h.g, s.g, vs.g);
            assertBits("neuronVoltage " + op, vs);
        }
    }

    /**
     * The smooth (non-spiking) forward, {@code S = g(H - th)} with each surrogate's primitive, against the CPU's float
     * primitive: within {@code 1e-5} of the layer's largest value (CUDA's and Java's transcendentals differ by a few
     * ulps, 4 ulps moved in {@code PerturbedEmulatorParityTest}; each step's error feeds the next potential). A
     * surrogate without a primitive text (SquarewaveFourierSeries at n = 1) runs on the host, bit for bit.
     */
    @Test
    void smoothForwardOfEverySurrogateMatchesTheCpu() {
        int T = 5, n = 301;
        List<SurrogateFunction> all = new ArrayList<>(surrogates());
        all.add(io.github.sparksnn.surrogate.Surrogates.parse("SquarewaveFourierSeries(n=1, T_period=8.0)"));
        for (SurrogateFunction spiking : all) {
            SurrogateFunction sg = spiking.copy().setSpikingMode(false);
            for (NeuronOp op : neuronOps(sg)) {
                Pair[] f = forwardBoth(op, T, n);
                Pair x = f[0], h = f[1], s = f[2];
                for (Pair p : List.of(s, h)) {
                    float[] c = p.cpuValues(), g = p.gpuValues();
                    double scale = 0;
                    for (float e : c) {
                        scale = Math.max(scale, Math.abs(e));
                    }
                    assertClose("smooth forward " + sg + " " + op, c, g, 0, 1e-5 * scale + 1e-7);
                }
            }
        }
        assertTrue(gpu.hostFallbacks().keySet().stream().anyMatch(k -> k.startsWith("SquarewaveFourierSeries(n=1.0")
                && k.endsWith("(smooth forward)")), gpu.hostFallbacks().toString());
    }

    @Test
    void surrogateGradientOfEveryCudaCodeMatchesJava() {
        int n = 4001;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = -4f + 8f * i / (n - 1);
        }
        for (SurrogateFunction sg : surrogates()) { // the 17 at and off their defaults, and the emulator's Formulas
            float[] want = new float[n];
            sg.gradient(xs, 0, want, 0, n);
            float[] got = deviceGradient(gpu, sg, xs);
            // within float rounding of Java's g' plus CUDA's few-ulp transcendentals (PerturbedEmulatorParityTest
            // moves each by up to 4 ulp and stays inside); 10x tighter than the first contract's 2e-5 / 2e-6
            double worst = assertGradientsClose(sg, xs, want, got, w -> 2e-6 * Math.abs(w) + absTolerance(sg));
            System.out.printf("g' %s: worst |cuda - java| / (|java| + 1e-7) = %.2e%n", sg, worst);
        }
    }

    /**
     * Whether this device builds a surrogate's module on demand (a GPU with nvcc); the host emulator only has the
     * modules it was built with, so a new Formula takes the host fallback there.
     */
    boolean buildsModulesOnDemand() {
        return true;
    }

    /**
     * A Formula the device was not prepared for: on a GPU with nvcc its module is compiled on first use; without one
     * (the emulator here) its neuron backward runs on the host, logged, and equals the CPU's bit for bit.
     */
    @Test
    void aSurrogateWithoutDeviceCodeStillTrainsThroughTheHostFallback() {
        SurrogateFunction sg = io.github.sparksnn.surrogate.Surrogates.parse("Formula(primitive='0.5 + tanh(a*x)/2', a=3)");
        int T = 4, n = 301;
        for (NeuronOp op : neuronOps(sg)) {
            Pair[] f = forwardBoth(op, T, n);
            Pair x = f[0], h = f[1], s = f[2];
            Pair dS = new Pair(random(T * n, -1, 1)), dX = new Pair(new float[T * n]);
            double dkC = cpu.neuronBackward(op, T, n, dS.c, h.c, s.c, x.c, dX.c, true);
            double dkG = gpu.neuronBackward(op, T, n, dS.g, h.g, s.g, x.g, dX.g, true);
            if (buildsModulesOnDemand()) {
                assertClose("on-demand module " + op, dX, 1e-4, 1e-6);
                assertEquals(dkC, dkG, 1e-4 * Math.abs(dkC) + 1e-5);
            } else {
                assertBits("host fallback " + op, dX);
                assertEquals(dkC, dkG, 0.0);
            }
        }
        if (!buildsModulesOnDemand()) {
            String reason = gpu.hostFallbacks().get(io.github.sparksnn.gpu.NeuronKernelSource.label(sg));
            assertTrue(reason != null && !reason.isEmpty(), "the fallback and its reason are recorded: " + gpu.hostFallbacks());
        }
        float[] xs = {-1f, -0.2f, 0f, 0.4f, 2f};
        float[] want = new float[xs.length];
        float[] got = new float[xs.length];
        sg.gradient(xs, 0, want, 0, xs.length);
        try (Tensor xt = gpu.alloc(xs.length); Tensor yt = gpu.alloc(xs.length)) {
            gpu.upload(xs, 0, xt, 0, xs.length);
            gpu.surrogateGradient(sg, xt, yt, xs.length);
            gpu.download(yt, 0, got, 0, xs.length);
        }
        for (int i = 0; i < xs.length; i++) {
            assertEquals(want[i], got[i], 2e-5 * Math.abs(want[i]) + 2e-6);
        }
    }

    /** Random inputs in [-0.5, 1.5) through {@code op}'s forward on both backends: {x, h, s, v}. */
    private Pair[] forwardBoth(NeuronOp op, int T, int n) {
        Pair x = new Pair(random(T * n, -0.5, 1.5)), h = new Pair(new float[T * n]);
        Pair s = new Pair(new float[T * n]), v = new Pair(new float[n]);
        cpu.fill(v.c, 0, n, op.vInit());
        gpu.fill(v.g, 0, n, op.vInit());
        cpu.neuronForward(op, T, n, x.c, h.c, s.c, v.c);
        gpu.neuronForward(op, T, n, x.g, h.g, s.g, v.g);
        return new Pair[] {x, h, s, v};
    }

    /**
     * The 17 built-ins at their defaults and away from them (their parameters as kernel arguments: the same modules),
     * and the emulator's Formulas.
     */
    private static List<SurrogateFunction> surrogates() {
        List<SurrogateFunction> all = new ArrayList<>(HostEmulator.builtInSurrogates());
        all.addAll(HostEmulator.tunedSurrogates());
        return all;
    }

    /**
     * The absolute part of g''s tolerance: 2e-7, and for SquarewaveFourierSeries 3e-7 per cosine it sums (n - 1 of
     * them, added in float on CUDA and in double in Java: near a zero of the sum each term's rounding shows in full;
     * observed 3.0e-7 at n = 4).
     */
    private static double absTolerance(SurrogateFunction sg) {
        if (sg instanceof io.github.sparksnn.surrogate.SquarewaveFourierSeries s && s.n() > 2) {
            return 3e-7 * (s.n() - 1);
        }
        return 2e-7;
    }

    /** g' of {@code sg} at {@code xs} by the device's {@code surrogate_gradient} kernel. */
    static float[] deviceGradient(CudaBackend gpu, SurrogateFunction sg, float[] xs) {
        int n = xs.length;
        float[] got = new float[n];
        try (Tensor x = gpu.alloc(n); Tensor y = gpu.alloc(n)) {
            gpu.upload(xs, 0, x, 0, n);
            gpu.surrogateGradient(sg, x, y, n);
            gpu.download(y, 0, got, 0, n);
        }
        return got;
    }

    /**
     * Asserts {@code |want - got| <= tolerance(want)} at every x not at a kink of {@code sg} and where Java's g' is
     * finite; returns the worst {@code |got - want| / (|want| + 1e-7)}.
     */
    static double assertGradientsClose(SurrogateFunction sg, float[] xs, float[] want, float[] got,
                                       java.util.function.DoubleUnaryOperator tolerance) {
        double worst = 0;
        for (int i = 0; i < xs.length; i++) {
            if (nearKink(sg, xs[i]) || !Float.isFinite(want[i])) {
                continue;
            }
            worst = Math.max(worst, Math.abs(want[i] - got[i]) / (Math.abs(want[i]) + 1e-7));
            assertTrue(Math.abs(want[i] - got[i]) <= tolerance.applyAsDouble(want[i]), sg + ": g'(" + xs[i] + ") java "
                    + want[i] + " cuda " + got[i]);
        }
        return worst;
    }

    private static boolean nearKink(SurrogateFunction sg, float x) {
        for (double k : sg.kinks()) {
            if (Math.abs(x - k) < 1e-5 * Math.max(1, Math.abs(k))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void neuronBackwardForEverySurrogateAndNeuronKind() {
        int T = 5, n = 517;
        for (SurrogateFunction sg : surrogates()) { // the 17 at and off their defaults, and the emulator's Formulas
            for (NeuronOp op : neuronOps(sg)) {
                Pair[] f = forwardBoth(op, T, n);
                Pair x = f[0], h = f[1], s = f[2];
                assertBits("forward before backward", s);
                Pair dS = new Pair(random(T * n, -1, 1)), dXc = new Pair(new float[T * n]);
                for (boolean wantDk : new boolean[] {false, true}) {
                    double dkC = cpu.neuronBackward(op, T, n, dS.c, h.c, s.c, x.c, dXc.c, wantDk);
                    double dkG = gpu.neuronBackward(op, T, n, dS.g, h.g, s.g, x.g, dXc.g, wantDk);
                    String what = "neuronBackward " + sg + " " + op + " wantDk=" + wantDk;
                    assertClose(what, dXc, 5e-6, 1e-7);   // observed <= 4.3e-7 of the scale, transcendentals moved 4 ulp
                    if (wantDk) {
                        // a sum over T*n terms of both signs: cancellation magnifies the relative error (QPseudoSpike's
                        // powf moved 4 ulp gives 2e-5); 2x tighter than the first contract's 1e-4 / 1e-5
                        assertEquals(dkC, dkG, 5e-5 * Math.abs(dkC) + 1e-6, what + ": dL/dk");
                    } else {
                        assertEquals(0.0, dkG);
                    }
                }
            }
        }
    }

    /**
     * The CPU's fused neuron ops (static input summed over time in the kernel, spikes pooled in the kernel) against
     * the CUDA backend: its static-input kernels, and the pooling as the interface's composition of its kernels.
     */
    @Test
    void fusedNeuronOpsMatchTheCompositionOnTheDevice() {
        int T = 4, ph = 6, pw = 7, planes = 5, n = planes * ph * pw, out = T * planes * 3 * 3;
        for (NeuronOp op : neuronOps(new ATan())) {
            for (boolean stat : new boolean[] {true, false}) {
                String what = op + (stat ? " static" : " per step");
                Pair x = new Pair(random(stat ? n : T * n, -0.5, 1.5)), xt = new Pair(new float[T * n]);
                Pair h = new Pair(new float[T * n]), s = new Pair(new float[T * n]), v = new Pair(random(n, -0.2, 0.9));
                Pair y = new Pair(new float[out]), arg = new Pair(new float[out]);
                cpu.neuronForwardMaxPool(op, T, n, x.c, stat, xt.c, h.c, s.c, v.c, ph, pw, 2, 2, y.c, arg.c);
                gpu.neuronForwardMaxPool(op, T, n, x.g, stat, xt.g, h.g, s.g, v.g, ph, pw, 2, 2, y.g, arg.g);
                assertBits("neuronForwardMaxPool h " + what, h);
                assertBits("neuronForwardMaxPool s " + what, s);
                assertBits("neuronForwardMaxPool v " + what, v);
                assertBits("neuronForwardMaxPool y " + what, y);
                assertBits("neuronForwardMaxPool argmax " + what, arg);
                assertArrayEquals(new float[T * n], xt.gpuValues(), "the fused forward reads x [n], writes no xt: " + what);
                float[] sentinel = new float[T * n];
                java.util.Arrays.fill(sentinel, 7.5f);
                Pair dy = new Pair(random(out, -1, 1)), dS = new Pair(sentinel), dXt = new Pair(sentinel);
                Pair dX = new Pair(new float[stat ? n : T * n]);
                cpu.neuronBackwardMaxPool(op, T, n, dy.c, arg.c, ph, pw, 2, 2, dS.c, h.c, s.c, stat, dXt.c, dX.c);
                gpu.neuronBackwardMaxPool(op, T, n, dy.g, arg.g, ph, pw, 2, 2, dS.g, h.g, s.g, stat, dXt.g, dX.g);
                // ATan's g' is rational: the device's neuron_backward_max_pool does the CPU's float operations in order
                assertBits("neuronBackwardMaxPool " + what, dX);
                assertArrayEquals(sentinel, dS.gpuValues(), "the fused kernel writes no dS: " + what);
                assertArrayEquals(sentinel, dXt.gpuValues(), "the fused kernel writes no dXt: " + what);
                if (stat) {
                    Pair dSt = new Pair(random(T * n, -1, 1)), dXs = new Pair(new float[n]);
                    cpu.neuronForwardStatic(op, T, n, x.c, xt.c, h.c, s.c, v.c);
                    gpu.neuronForwardStatic(op, T, n, x.g, xt.g, h.g, s.g, v.g);
                    assertBits("neuronForwardStatic h " + what, h);
                    assertBits("neuronForwardStatic s " + what, s);
                    cpu.neuronBackwardStatic(op, T, n, dSt.c, h.c, s.c, xt.c, dXs.c);
                    gpu.neuronBackwardStatic(op, T, n, dSt.g, h.g, s.g, xt.g, dXs.g);
                    assertClose("neuronBackwardStatic " + what, dXs, 5e-6, 1e-7);
                }
            }
        }
    }

    /**
     * The max-pool neuron kernels with overlapping windows (3 x 3, stride 2: an input may route two windows'
     * gradients, so the gather's order matters) and planes that leave a border outside every window: the forward
     * ({@code neuron_forward_max_pool}) bit-identical to the CPU for charges, spikes, potentials, maxima and argmax;
     * the backward ({@code neuron_backward_max_pool}) bit-identical with ATan (rational g'), within float rounding
     * with Sigmoid (expf), and for both bit for bit the device's own composition ({@code max_pool_backward}, then
     * the neuron's backward and, for a static input, {@code sum_over_time}).
     */
    @Test
    void maxPoolNeuronKernelsWithOverlappingWindows() {
        int T = 3, ph = 7, pw = 8, k = 3, st = 2, planes = 4, n = planes * ph * pw;
        int out = T * planes * ((ph - k) / st + 1) * ((pw - k) / st + 1);
        for (SurrogateFunction sg : List.of(new ATan(), Surrogates.parse("Sigmoid(alpha=2.0)"))) {
            for (NeuronOp op : neuronOps(sg)) {
                for (boolean stat : new boolean[] {true, false}) {
                    String what = op + (stat ? " static" : " per step");
                    Pair x = new Pair(random(stat ? n : T * n, -0.5, 1.5)), xt = new Pair(new float[T * n]);
                    Pair h = new Pair(new float[T * n]), s = new Pair(new float[T * n]), v = new Pair(random(n, -0.2, 0.9));
                    Pair y = new Pair(new float[out]), arg = new Pair(new float[out]);
                    cpu.neuronForwardMaxPool(op, T, n, x.c, stat, xt.c, h.c, s.c, v.c, ph, pw, k, st, y.c, arg.c);
                    gpu.neuronForwardMaxPool(op, T, n, x.g, stat, xt.g, h.g, s.g, v.g, ph, pw, k, st, y.g, arg.g);
                    for (Pair p : List.of(h, s, v, y, arg)) {
                        assertBits("neuronForwardMaxPool k=3 " + what, p);
                    }
                    Pair dy = new Pair(random(out, -1, 1)), dS = new Pair(new float[T * n]), dXt = new Pair(new float[T * n]);
                    Pair dX = new Pair(new float[stat ? n : T * n]), composed = new Pair(new float[stat ? n : T * n]);
                    cpu.neuronBackwardMaxPool(op, T, n, dy.c, arg.c, ph, pw, k, st, dS.c, h.c, s.c, stat, dXt.c, dX.c);
                    gpu.neuronBackwardMaxPool(op, T, n, dy.g, arg.g, ph, pw, k, st, dS.g, h.g, s.g, stat, dXt.g, dX.g);
                    if (sg instanceof ATan) {
                        assertBits("neuronBackwardMaxPool k=3 " + what, dX);
                    } else {
                        assertClose("neuronBackwardMaxPool k=3 " + what, dX, 5e-6, 1e-7);
                    }
                    gpu.maxPoolBackward(dy.g, arg.g, T * planes, ph, pw, k, st, dS.g);
                    if (stat) {
                        gpu.neuronBackward(op, T, n, dS.g, h.g, s.g, null, dXt.g, false);
                        gpu.sumOverTime(dXt.g, n, T, composed.g);
                    } else {
                        gpu.neuronBackward(op, T, n, dS.g, h.g, s.g, null, composed.g, false);
                    }
                    float[] f = dX.gpuValues(), c = composed.gpuValues();
                    for (int i = 0; i < f.length; i++) {
                        assertEquals(Float.floatToIntBits(c[i]), Float.floatToIntBits(f[i]), "neuronBackwardMaxPool k=3"
                                + " fused vs the device's composition, element " + i + ": " + what);
                    }
                }
            }
        }
    }

    /**
     * The static-input kernels ({@code neuron_forward_static}, {@code neuron_backward_static}) against the CPU's fused
     * loops: bit-identical for every neuron kind with ATan (a rational g', the CPU's float operations throughout), within
     * float rounding with Sigmoid (CUDA's expf); and for both, the backward is bit for bit the device's own composition
     * ({@code neuron_backward} then {@code sum_over_time}), so the sum over steps runs in the CPU's order. The
     * workspaces {@code xt} and {@code dXt} keep their sentinels: the kernels ran, not the defaults. Past
     * {@link NeuronKernelSource#STATIC_STEPS} steps the backward takes the composition (and writes {@code dXt}).
     */
    @Test
    void staticInputKernelsMatchTheCpuAndTheComposition() {
        int n = 413;
        for (int T : new int[] {1, 5, NeuronKernelSource.STATIC_STEPS + 2}) {
            for (SurrogateFunction sg : List.of(new ATan(), io.github.sparksnn.surrogate.Surrogates.parse(
                    "Sigmoid(alpha=2.0)"))) {
                boolean rational = sg instanceof ATan;
                for (NeuronOp op : neuronOps(sg)) {
                    String what = "T=" + T + " " + op;
                    float[] sentinel = new float[T * n];
                    java.util.Arrays.fill(sentinel, 7.5f);
                    Pair x = new Pair(random(n, -0.5, 1.5)), xt = new Pair(sentinel);
                    Pair h = new Pair(new float[T * n]), s = new Pair(new float[T * n]), v = new Pair(random(n, -0.2, 0.9));
                    cpu.neuronForwardStatic(op, T, n, x.c, xt.c, h.c, s.c, v.c);
                    gpu.neuronForwardStatic(op, T, n, x.g, xt.g, h.g, s.g, v.g);
                    assertBits("neuronForwardStatic h " + what, h);
                    assertBits("neuronForwardStatic s " + what, s);
                    assertBits("neuronForwardStatic v " + what, v);
                    assertArrayEquals(sentinel, xt.gpuValues(), "the fused forward leaves xt alone: " + what);
                    Pair dS = new Pair(random(T * n, -1, 1)), dXt = new Pair(sentinel), dX = new Pair(new float[n]);
                    cpu.neuronBackwardStatic(op, T, n, dS.c, h.c, s.c, dXt.c, dX.c);
                    gpu.neuronBackwardStatic(op, T, n, dS.g, h.g, s.g, dXt.g, dX.g);
                    if (rational) {
                        assertBits("neuronBackwardStatic " + what, dX);
                    } else {
                        assertClose("neuronBackwardStatic " + what, dX, 5e-6, 1e-7);
                    }
                    boolean fused = T <= NeuronKernelSource.STATIC_STEPS;
                    assertEquals(fused, java.util.Arrays.equals(sentinel, dXt.gpuValues()),
                            "dXt is written only by the composition (past STATIC_STEPS): " + what);
                    Pair steps = new Pair(new float[T * n]), sum = new Pair(new float[n]);
                    gpu.neuronBackward(op, T, n, dS.g, h.g, s.g, null, steps.g, false);
                    gpu.sumOverTime(steps.g, n, T, sum.g);
                    float[] composed = sum.gpuValues(), got = dX.gpuValues();
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToIntBits(composed[i]), Float.floatToIntBits(got[i]),
                                "neuronBackwardStatic vs the device's composition, element " + i + ": " + what);
                    }
                }
            }
        }
    }

    /**
     * The CPU's pair that keeps only the pooled spikes and recomputes the charges in the backward (vector pooling
     * over planes of 14 x 14, as the CNN's second layer, and a layer large enough for the vector neuron) against the
     * device, which stores them (the interface's defaults).
     */
    @Test
    void recomputingNeuronPoolingMatchesTheDevice() {
        int T = 4, ph = 14, pw = 14, planes = 90, n = planes * ph * pw, out = T * planes * 7 * 7;
        for (NeuronOp op : neuronOps(new ATan())) {
            for (boolean stat : new boolean[] {true, false}) {
                String what = op + (stat ? " static" : " per step");
                Pair x = new Pair(random(stat ? n : T * n, -0.5, 1.5)), xt = new Pair(new float[T * n]);
                Pair h = new Pair(new float[T * n]), s = new Pair(new float[T * n]), v = new Pair(new float[n]);
                Pair y = new Pair(new float[out]), arg = new Pair(new float[out]);
                cpu.fill(v.c, 0, n, Float.NaN); // not read: the pass starts from vInit
                gpu.fill(v.g, 0, n, Float.NaN);
                cpu.neuronForwardMaxPoolRecomputable(op, T, n, x.c, stat, xt.c, h.c, s.c, v.c, ph, pw, 2, 2, y.c, arg.c);
                gpu.neuronForwardMaxPoolRecomputable(op, T, n, x.g, stat, xt.g, h.g, s.g, v.g, ph, pw, 2, 2, y.g, arg.g);
                assertBits("neuronForwardMaxPoolRecomputable v " + what, v);
                assertBits("neuronForwardMaxPoolRecomputable y " + what, y);
                Pair dy = new Pair(random(out, -1, 1)), dS = new Pair(new float[T * n]);
                Pair dX = new Pair(new float[stat ? n : T * n]);
                cpu.neuronBackwardMaxPoolRecompute(op, T, n, x.c, dy.c, arg.c, ph, pw, 2, 2, dS.c, h.c, s.c, stat, xt.c,
                        dX.c);
                gpu.neuronBackwardMaxPoolRecompute(op, T, n, x.g, dy.g, arg.g, ph, pw, 2, 2, dS.g, h.g, s.g, stat, xt.g,
                        dX.g);
                assertClose("neuronBackwardMaxPoolRecompute " + what, dX, 5e-6, 1e-7);
            }
        }
    }

    /** A convolution's transposed weight gradient added back: the device's {@code add_transposed} as the CPU. */
    @Test
    void addTransposedMatchesTheCpu() {
        int rows = 288, cols = 32, off = 3;
        Pair src = new Pair(random(rows * cols, -1, 1)), dst = new Pair(random(off + rows * cols, -1, 1));
        cpu.addTransposed(src.c, rows, cols, dst.c, off);
        gpu.addTransposed(src.g, rows, cols, dst.g, off);
        assertBits("addTransposed", dst);
    }

    // ------------------------------------------------------------------------------------------- convolution

    @Test
    void im2colAndCol2imAreBitIdentical() {
        int[][] cases = {{3, 7, 5, 3, 2, 2, 1, 1, 0}, {1, 28, 28, 5, 5, 1, 1, 2, 2}, {4, 9, 11, 3, 3, 3, 2, 0, 1},
                {2, 4, 4, 1, 1, 1, 1, 0, 0}};
        for (int[] cs : cases) {
            int c = cs[0], h = cs[1], w = cs[2], kh = cs[3], kw = cs[4], sh = cs[5], sw = cs[6], ph = cs[7], pw = cs[8];
            int ho = (h + 2 * ph - kh) / sh + 1, wo = (w + 2 * pw - kw) / sw + 1;
            int colSize = c * kh * kw * ho * wo;
            Pair x = new Pair(random(9 + c * h * w, -1, 1)), col = new Pair(random(4 + colSize, 7, 8));
            cpu.im2col(x.c, 9, c, h, w, kh, kw, sh, sw, ph, pw, col.c, 4);
            gpu.im2col(x.g, 9, c, h, w, kh, kw, sh, sw, ph, pw, col.g, 4);
            String what = java.util.Arrays.toString(cs);
            assertBits("im2col " + what, col);
            Pair dx = new Pair(random(6 + c * h * w, -1, 1));
            cpu.col2im(col.c, 4, c, h, w, kh, kw, sh, sw, ph, pw, dx.c, 6);
            gpu.col2im(col.g, 4, c, h, w, kh, kw, sh, sw, ph, pw, dx.g, 6);
            assertBits("col2im " + what, dx);
            Pair set = new Pair(random(6 + c * h * w, -1, 1)); // stale values: col2imSet starts from zero
            cpu.col2imSet(col.c, 4, c, h, w, kh, kw, sh, sw, ph, pw, set.c, 6);
            gpu.col2imSet(col.g, 4, c, h, w, kh, kw, sh, sw, ph, pw, set.g, 6);
            assertBits("col2imSet " + what, set);
        }
    }

    // ------------------------------------------------------------------------------------------- pooling

    @Test
    void poolingIsBitIdenticalIncludingTiesAndOverlaps() {
        int[][] cases = {{3, 8, 8, 2, 2}, {2, 7, 9, 2, 2}, {2, 9, 7, 3, 2}, {1, 6, 6, 3, 1}, {4, 5, 5, 5, 5}};
        for (int[] cs : cases) {
            int planes = cs[0], h = cs[1], w = cs[2], k = cs[3], s = cs[4];
            int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
            float[] xv = random(planes * h * w, 0, 1);
            for (int i = 0; i < xv.length; i++) {
                xv[i] = Math.round(xv[i] * 4) / 4f;   // few levels: ties (first maximum wins)
            }
            Pair x = new Pair(xv), y = new Pair(new float[planes * ho * wo]), arg = new Pair(new float[planes * ho * wo]);
            cpu.maxPoolForward(x.c, planes, h, w, k, s, y.c, arg.c);
            gpu.maxPoolForward(x.g, planes, h, w, k, s, y.g, arg.g);
            String what = java.util.Arrays.toString(cs);
            assertBits("maxPool y " + what, y);
            assertBits("maxPool argmax " + what, arg);
            Pair dy = new Pair(random(planes * ho * wo, -1, 1)), dx = new Pair(random(planes * h * w, 3, 4));
            cpu.maxPoolBackward(dy.c, arg.c, planes, h, w, k, s, dx.c);
            gpu.maxPoolBackward(dy.g, arg.g, planes, h, w, k, s, dx.g);
            assertBits("maxPool dx " + what, dx);
            cpu.avgPoolForward(x.c, planes, h, w, k, s, y.c);
            gpu.avgPoolForward(x.g, planes, h, w, k, s, y.g);
            assertBits("avgPool y " + what, y);
            cpu.avgPoolBackward(dy.c, planes, h, w, k, s, dx.c);
            gpu.avgPoolBackward(dy.g, planes, h, w, k, s, dx.g);
            assertBits("avgPool dx " + what, dx);
        }
    }

    // ------------------------------------------------------------------------------------------- batch norm

    @Test
    void batchNormTrainingInferenceAndBackward() {
        int[][] shapes = {{4, 3, 25}, {128, 16, 1}, {1, 2, 1}, {3, 5, 49}};
        for (int[] sh : shapes) {
            int batch = sh[0], ch = sh[1], hw = sh[2], total = batch * ch * hw;
            String what = java.util.Arrays.toString(sh);
            Pair x = new Pair(random(total, -3, 5)), params = new Pair(random(1 + 2 * ch, 0.5, 1.5));
            Pair rm = new Pair(random(ch, -0.1, 0.1)), rv = new Pair(random(ch, 0.9, 1.1));
            Pair mean = new Pair(new float[ch]), inv = new Pair(new float[ch]), y = new Pair(new float[total]);
            for (boolean training : new boolean[] {true, false}) {
                cpu.batchNormForward(x.c, batch, ch, hw, params.c, 1, 1e-5f, training, 0.1f, rm.c, rv.c, mean.c, inv.c, y.c);
                gpu.batchNormForward(x.g, batch, ch, hw, params.g, 1, 1e-5f, training, 0.1f, rm.g, rv.g, mean.g, inv.g, y.g);
                // the CPU's summation structure (float per plane, double across planes) is reproduced: same bits
                assertBits("bn mean " + what + " training=" + training, mean);
                assertBits("bn invStd " + what, inv);
                assertBits("bn runningMean " + what, rm);
                assertBits("bn runningVar " + what, rv);
                assertBits("bn y " + what + " training=" + training, y);
            }
            cpu.batchNormForward(x.c, batch, ch, hw, params.c, 1, 1e-5f, true, 0.1f, rm.c, rv.c, mean.c, inv.c, y.c);
            gpu.batchNormForward(x.g, batch, ch, hw, params.g, 1, 1e-5f, true, 0.1f, rm.g, rv.g, mean.g, inv.g, y.g);
            Pair dy = new Pair(random(total, -1, 1)), dx = new Pair(new float[total]), grads = new Pair(random(3 + 2 * ch, -1, 1));
            cpu.batchNormBackward(dy.c, x.c, batch, ch, hw, params.c, 1, mean.c, inv.c, dx.c, grads.c, 3);
            gpu.batchNormBackward(dy.g, x.g, batch, ch, hw, params.g, 1, mean.g, inv.g, dx.g, grads.g, 3);
            assertBits("bn dx " + what, dx);
            assertBits("bn dGamma/dBeta " + what, grads);
        }
    }

    // ------------------------------------------------------------------------------------------- threads

    @Test
    void backendsOnSeveralThreadsShareTheDevice() throws Exception {
        int threads = 4, m = 96, n = 80, k = 70;
        float[] a = random(m * k, -1, 1), b = random(k * n, -1, 1);
        float[] want = new float[m * n];
        try (Tensor ac = cpu.alloc(m * k); Tensor bc = cpu.alloc(k * n); Tensor cc = cpu.alloc(m * n)) {
            cpu.upload(a, 0, ac, 0, a.length);
            cpu.upload(b, 0, bc, 0, b.length);
            cpu.gemm(false, false, m, n, k, 1f, ac, 0, k, bc, 0, n, 0f, cc, 0, n);
            cpu.download(cc, 0, want, 0, want.length);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    try (CudaBackend be = newGpu(); Tensor ag = be.alloc(m * k); Tensor bg = be.alloc(k * n);
                         Tensor cg = be.alloc(m * n)) {
                        be.upload(a, 0, ag, 0, a.length);
                        be.upload(b, 0, bg, 0, b.length);
                        for (int rep = 0; rep < (fullSize() ? 20 : 2); rep++) {
                            be.gemm(false, false, m, n, k, 1f, ag, 0, k, bg, 0, n, 0f, cg, 0, n);
                        }
                        float[] out = new float[m * n];
                        be.download(cg, 0, out, 0, out.length);
                        return out;
                    }
                }));
            }
            float[] first = results.get(0).get();
            assertClose("threaded gemm", want, first, 1e-5, 1e-5);
            for (Future<float[]> f : results) {
                assertArrayEquals(first, f.get(), "same kernel, same data: same bits on every thread");
            }
        } finally {
            pool.shutdown();
        }
    }
}
