package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine.StepStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The device script's one table (a report, not a test): {@code java -cp ... io.github.sparksnn.gpu.DeviceReport
 * out.md [seconds [sections]]}. Sections, each appended to {@code out.md} (and stdout) as soon as it is done, each skipped
 * with a note once the time budget is spent:
 * <ol>
 *   <li>check-grad ({@link GpuGradCheck}) for every surrogate with IF, LIF and PLIF in float, and in half;</li>
 *   <li>CPU-versus-GPU parity of the MLP and the CNN: forward (output rates) and backward (gradient);</li>
 *   <li>the neuron kernels' GB/s against a device-to-device copy in the same run (FAIL below {@link #COPY_AIM} of
 *       it), and each fused op of the CNN timed against the interface's composition it replaces (FAIL when slower
 *       than {@link #FUSED_SLACK} times the composition);</li>
 *   <li>SGEMM TFLOP/s on the training shapes and at 4096, against the device's FP32 peak (SMs x FP32 lanes x 2 x
 *       clock; the 4096 cube FAILs below {@link #GEMM_AIM} of it);</li>
 *   <li>training images/s of the MLP and the CNN, GPU and one CPU thread (the CNN FAILs when the GPU is not
 *       faster);</li>
 *   <li>a Spark {@code local[1]} {@code backend=cuda} run against {@code snn fit --backend cuda}: not in this carry
 *       (Spark's jars alone pass the 64 MiB a call takes), so reported as not measured, never as a figure.</li>
 * </ol>
 * Without CUDA (a dry run) it writes what it can: the CPU rows and why the GPU rows are missing. A cell that misses its
 * aim reads {@code **FAIL**}, which {@code gpu/device-verdict.sh} turns into a non-zero exit.
 */
public final class DeviceReport {
    static final String MLP = "flatten | linear(784, 256) | lif(surrogate=ATan()) | linear(256, 10) | lif(surrogate=ATan())";
    /** SpikingJelly's conv_fashion_mnist at width 32 (conv-BN-IF-maxpool x2, FC 1568-128, IF, FC 10, IF). */
    static final String CNN = "conv2d(1, 32, 3, padding=1, bias=false) | batchnorm2d(32) | if | maxpool2d(2)"
            + " | conv2d(32, 32, 3, padding=1, bias=false) | batchnorm2d(32) | if | maxpool2d(2)"
            + " | flatten | linear(1568, 128, bias=false) | if | linear(128, 10, bias=false) | if";
    /**
     * Training throughput: untimed steps, then timed ones, the same for every backend and net so that the GPU/CPU
     * ratio compares like with like (the slowest, the CPU's CNN step on one thread, bounds the counts within the
     * report's time budget).
     */
    static final int WARMUP_STEPS = 3, TIMED_STEPS = 10;
    /** The least share of a device-to-device copy's GB/s a memory-bound neuron kernel must reach (70% is the aim). */
    static final double COPY_AIM = 0.5;
    /** The least share of the FP32 peak our SGEMM (no tensor cores) must reach on the 4096 cube. */
    static final double GEMM_AIM = 0.2;
    /** A fused op fails when it takes longer than this many times the composition it replaces (timing noise). */
    static final double FUSED_SLACK = 1.1;

    private final Path out;
    private final long deadline;

    private DeviceReport(Path out, long seconds) {
        this.out = out;
        this.deadline = System.nanoTime() + seconds * 1_000_000_000L;
    }

    private boolean timeLeft(String section) {
        if (System.nanoTime() < deadline) {
            return true;
        }
        emit("\n(" + section + ": skipped, the report's time budget is spent)\n");
        return false;
    }

    private void emit(String s) {
        System.out.print(s);
        System.out.flush();
        try {
            Files.writeString(out, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot write " + out + ": " + e);
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "device-report.md");
        Files.deleteIfExists(out);
        DeviceReport r = new DeviceReport(out, args.length > 1 ? Long.parseLong(args[1]) : 150);
        boolean gpu = CudaBackends.isAvailable();
        r.emit("# spark-snn device report\n\nCUDA: " + (gpu ? "available, driver CUDA " + CudaBackends.driverVersion()
                : "unavailable: " + CudaBackends.unavailableReason()) + "\n");
        // a third argument picks sections (comma-separated; tests run the cheap ones)
        String[] sections = args.length > 2 ? args[2].split(",")
                : new String[] {"check-grad", "parity", "bandwidth", "fused", "sgemm", "training", "spark"};
        for (String s : sections) {
            if (!r.timeLeft(s)) {
                continue;
            }
            try {
                switch (s) {
                    case "check-grad" -> r.checkGrad(gpu);
                    case "parity" -> r.parity(gpu);
                    case "bandwidth" -> r.bandwidth(gpu);
                    case "fused" -> r.fused(gpu);
                    case "sgemm" -> r.sgemm(gpu);
                    case "training" -> r.training(gpu);
                    default -> r.spark();
                }
            } catch (RuntimeException | Error e) {
                r.emit("\n" + s + " FAILED: " + e + "\n");
                e.printStackTrace();
            }
        }
        r.emit("\n(done)\n");
    }

    /** Emits a section's title and table head; without a GPU also its {@code (no GPU)} row, and returns false. */
    private boolean table(boolean gpu, String title, String head) {
        int cols = head.split("\\|", -1).length - 2;
        emit("\n## " + title + "\n\n" + head + "\n|" + "---|".repeat(cols) + "\n");
        if (!gpu) {
            emit("| (no GPU) |" + " |".repeat(cols - 1) + "\n");
        }
        return gpu;
    }

    // ------------------------------------------------------------------------------------------------ check-grad

    private void checkGrad(boolean gpu) {
        if (!table(gpu, "check-grad (CUDA vs CPU; the cell is the worst error / tolerance, PASS <= 1)",
                "| surrogate | if float | lif float | plif float | half (g') |")) {
            return;
        }
        try (CudaBackend g = CudaBackends.create(0); CpuBackend c = new CpuBackend(1)) {
            for (Surrogates.Descriptor d : Surrogates.list()) {
                if (System.nanoTime() > deadline) {
                    emit("| (time budget spent) | | | | |\n");
                    return;
                }
                SurrogateFunction sg = Surrogates.create(d.name(), Map.of());
                StringBuilder row = new StringBuilder("| ").append(sg);
                for (GpuGradCheck.Neuron n : GpuGradCheck.Neuron.values()) {
                    row.append(" | ").append(cell(GpuGradCheck.checkFloat(g, c, n, sg, 8, 4096, 1)));
                }
                row.append(" | ").append(cell(List.of(GpuGradCheck.checkHalf(g, sg)))).append(" |\n");
                emit(row.toString());
            }
        }
    }

    /** A check-grad cell: {@code PASS} or {@code **FAIL**} (what {@code gpu/device-verdict.sh} looks for), worst, error. */
    static String cell(List<GpuGradCheck.Row> rows) {
        double worst = 0, err = 0;
        boolean pass = true;
        for (GpuGradCheck.Row r : rows) {
            worst = Math.max(worst, r.worstOverTolerance());
            err = Math.max(err, r.maxAbsError());
            pass &= r.passed();
        }
        return String.format(Locale.ROOT, "%s %.2f (err %.1e)", pass ? "PASS" : "**FAIL**", worst, err);
    }

    // ------------------------------------------------------------------------------------------------ parity

    private void parity(boolean gpu) {
        if (!table(gpu, "CPU vs GPU parity (same parameters, data and seed; 3 SGD steps)", "| net | forward: rates equal"
                + " | forward: max rate diff | backward: gradient rel L2 | cosine | loss cpu / gpu |")) {
            return;
        }
        parityRow("MLP 784-256-10, batch 128", config(MLP), 128);
        if (System.nanoTime() < deadline) {
            parityRow("CNN 32-32-128-10, batch 64", config(CNN), 64);
        }
    }

    private void parityRow(String name, EngineConfig cfg, int batch) {
        try (CpuGradientEngine c = new CpuGradientEngine(cfg, new CpuBackend(1));
             CpuGradientEngine g = new CpuGradientEngine(cfg, CudaBackends.create(0))) {
            float[] x = images(batch * c.featureSize(), 3);
            int[] y = labels(batch, c.numClasses());
            double worstRel = 0, worstCos = 1;
            String loss = "";
            for (int step = 0; step < 3; step++) {
                float[] gc = new float[c.numParameters()], gg = new float[g.numParameters()];
                StepStats sc = c.accumulateGradient(x, y, 0, batch, 100 + step, gc);
                StepStats sg = g.accumulateGradient(x, y, 0, batch, 100 + step, gg);
                double dot = 0, nc = 0, ng = 0, diff = 0;
                for (int i = 0; i < gc.length; i++) {
                    dot += (double) gc[i] * gg[i];
                    nc += (double) gc[i] * gc[i];
                    ng += (double) gg[i] * gg[i];
                    diff += ((double) gc[i] - gg[i]) * ((double) gc[i] - gg[i]);
                }
                worstRel = Math.max(worstRel, Math.sqrt(diff / nc));
                worstCos = Math.min(worstCos, dot / Math.sqrt(nc * ng));
                loss = String.format(Locale.ROOT, "%.6f / %.6f", sc.lossSum(), sg.lossSum());
                float[] p = c.parameters();
                for (int i = 0; i < p.length; i++) {
                    p[i] -= 0.05f * gc[i] / batch;
                }
                c.setParameters(p);
                g.setParameters(p);
            }
            float[] rc = new float[batch * c.numClasses()], rg = new float[batch * g.numClasses()];
            c.predictRates(x, 0, batch, 9, rc);
            g.predictRates(x, 0, batch, 9, rg);
            int same = 0;
            double maxDiff = 0;
            for (int i = 0; i < rc.length; i++) {
                same += rc[i] == rg[i] ? 1 : 0;
                maxDiff = Math.max(maxDiff, Math.abs(rc[i] - rg[i]));
            }
            emit(String.format(Locale.ROOT, "| %s | %d of %d | %.3g | %.2e | %.9f | %s |%n", name, same, rc.length,
                    maxDiff, worstRel, worstCos, loss));
        }
    }

    // ------------------------------------------------------------------------------------------------ bandwidth

    private void bandwidth(boolean gpu) {
        if (!table(gpu, "Neuron kernels vs device-to-device copy (T = 8, 2M neurons, float)",
                "| kernel | bytes moved per call | GB/s | of copy |")) {
            return;
        }
        int t = 8, n = 1 << 21, tn = t * n;
        try (CudaBackend be = CudaBackends.create(0);
             Tensor x = be.alloc(tn); Tensor h = be.alloc(tn); Tensor s = be.alloc(tn); Tensor v = be.alloc(n);
             Tensor dS = be.alloc(tn); Tensor dX = be.alloc(tn)) {
            be.upload(images(tn, 5), 0, x, 0, tn);
            be.upload(images(tn, 6), 0, dS, 0, tn);
            NeuronOp op = new NeuronOp(true, true, 0.5f, 1f, 0f, Surrogates.create("ATan", Map.of()), false);
            double copyBytes = 2.0 * 4 * tn;
            double copy = rate(be, copyBytes, () -> be.copy(x, 0, h, 0, tn));
            // forward: reads x and v, writes h, s and v; backward (no dk): reads dS, h, s, writes dX
            double fwdBytes = 4.0 * (3.0 * tn + 2.0 * n), bwdBytes = 4.0 * 4 * tn;
            double fwd = rate(be, fwdBytes, () -> be.neuronForward(op, t, n, x, h, s, v));
            double bwd = rate(be, bwdBytes, () -> be.neuronBackward(op, t, n, dS, h, s, x, dX, false));
            emit(String.format(Locale.ROOT, "| copy (cuMemcpyDtoDAsync) | %.0f MB | %.0f | 100%% |%n", copyBytes / 1e6, copy));
            emit(String.format(Locale.ROOT, "| neuron_forward (LIF) | %.0f MB | %.0f | %s |%n", fwdBytes / 1e6, fwd,
                    aimCell(fwd / copy, COPY_AIM)));
            emit(String.format(Locale.ROOT, "| neuron_backward (LIF, ATan) | %.0f MB | %.0f | %s |%n", bwdBytes / 1e6,
                    bwd, aimCell(bwd / copy, COPY_AIM)));
        }
    }

    /**
     * {@code PASS 73% (aim >= 50%)}, or {@code **FAIL**} in front when {@code fraction} is below {@code aim} (or not a
     * number): the shape {@code gpu/device-verdict.sh} looks for.
     */
    static String aimCell(double fraction, double aim) {
        return String.format(Locale.ROOT, "%s %.0f%% (aim >= %.0f%%)", fraction >= aim ? "PASS" : "**FAIL**",
                100 * fraction, 100 * aim);
    }

    /** A fused op's time over its composition's: PASS up to {@link #FUSED_SLACK}, else {@code **FAIL**}. */
    static String fusedCell(double fusedSeconds, double composedSeconds) {
        double ratio = fusedSeconds / composedSeconds;
        return String.format(Locale.ROOT, "%s %.2fx (aim <= %.1fx)", ratio <= FUSED_SLACK ? "PASS" : "**FAIL**", ratio,
                FUSED_SLACK);
    }

    // ------------------------------------------------------------------------------------------------ fused

    /**
     * Each fused op the CNN runs against the interface's composition it replaces, on the same tensors: planes of
     * 16 x 16 (a multiple of every plane size the kernels take), T = 8, 1M neurons, ATan LIF.
     */
    private void fused(boolean gpu) {
        if (!table(gpu, "Fused ops vs the compositions they replace (T = 8, 1M neurons in 16 x 16 planes, LIF, ATan)",
                "| op | fused ms | composed ms | fused / composed |")) {
            return;
        }
        try (CudaBackend be = CudaBackends.create(0); FusedCases all = new FusedCases(be, 8, 1 << 20)) {
            for (FusedCases.Case c : all.cases) {
                if (System.nanoTime() > deadline) {
                    emit("| (time budget spent) | | | |\n");
                    return;
                }
                double f = seconds(be, c.fused()), k = seconds(be, c.composed());
                emit(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %s |%n", c.name(), 1e3 * f, 1e3 * k,
                        fusedCell(f, k)));
            }
        }
    }

    /** Seconds per call, after warm-up calls (the device synchronized around the timed ones). */
    static double seconds(CudaBackend be, Runnable call) {
        return 1.0 / rate(be, 1e9, call);
    }

    private static double rate(CudaBackend be, double bytes, Runnable call) {
        for (int i = 0; i < 3; i++) {
            call.run();
        }
        be.synchronize();
        int reps = 20;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            call.run();
        }
        be.synchronize();
        return bytes * reps / (System.nanoTime() - t0);   // bytes per ns = GB/s
    }

    // ------------------------------------------------------------------------------------------------ sgemm

    private void sgemm(boolean gpu) {
        if (!table(gpu, "SGEMM (our tiled kernel, fp32, no tensor cores) against the FP32 peak",
                "| shape (m x n x k, op) | TFLOP/s | of FP32 peak |")) {
            return;
        }
        double peak = fp32PeakTflops(0);
        emit(String.format(Locale.ROOT, "| FP32 peak (SMs x FP32 lanes x 2 x clock) | %.1f | 100%% |%n", peak));
        // the MLP's step at T = 4, batch 128 (rows = T * batch = 512): forward NT, dX NN, dW TN; then 4096^3
        int[][] shapes = {{512, 256, 784, 1}, {512, 784, 256, 0}, {256, 784, 512, 2}, {512, 10, 256, 1},
                {4096, 4096, 4096, 1}};
        String[] ops = {"NN", "NT", "TN"};
        try (CudaBackend be = CudaBackends.create(0)) {
            for (int[] sh : shapes) {
                if (System.nanoTime() > deadline) {
                    emit("| (time budget spent) | |\n");
                    return;
                }
                double tf = gemmTflops(be, sh[0], sh[1], sh[2], sh[3]);
                // only the large cube is judged: the training shapes are too small to fill the device
                String share = sh[0] == 4096 ? aimCell(tf / peak, GEMM_AIM)
                        : String.format(Locale.ROOT, "%.0f%%", 100 * tf / peak);
                emit(String.format(Locale.ROOT, "| %d x %d x %d %s | %.2f | %s |%n", sh[0], sh[1], sh[2], ops[sh[3]], tf,
                        share));
            }
        }
    }

    /** FP32 lanes per SM: 64 on Volta, Turing and the A100 (8.0); 128 from 8.6 on (Ampere GA10x, Ada, Hopper). */
    static int fp32LanesPerSm(int major, int minor) {
        return major > 8 || (major == 8 && minor >= 6) ? 128 : 64;
    }

    /** Peak FP32 TFLOP/s: SMs x lanes x 2 (a fused multiply-add) x clock (kHz, as the driver reports it). */
    static double fp32PeakTflops(int sms, int clockKhz, int major, int minor) {
        return 2.0 * sms * fp32LanesPerSm(major, minor) * clockKhz / 1e9;
    }

    private static double fp32PeakTflops(int device) {
        jcuda.driver.CUdevice d = new jcuda.driver.CUdevice();
        jcuda.driver.JCudaDriver.cuDeviceGet(d, device);
        int[] v = new int[1];
        int[] a = new int[4];
        int[] attrs = {jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE,
                jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR};
        for (int i = 0; i < attrs.length; i++) {
            Cu.check(jcuda.driver.JCudaDriver.cuDeviceGetAttribute(v, attrs[i], d), "cuDeviceGetAttribute");
            a[i] = v[0];
        }
        return fp32PeakTflops(a[0], a[1], a[2], a[3]);
    }

    static double gemmTflops(CudaBackend be, int m, int n, int k, int op) {
        boolean ta = op == 2, tb = op == 1;
        try (Tensor a = be.alloc(m * k); Tensor b = be.alloc(n * k); Tensor c = be.alloc(m * n)) {
            int lda = ta ? m : k, ldb = tb ? k : n;
            Runnable call = () -> be.gemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            call.run();
            be.synchronize();
            long t1 = System.nanoTime();
            call.run();
            be.synchronize();
            double one = Math.max(1, System.nanoTime() - t1);
            int reps = (int) Math.max(3, Math.min(200, 2e8 / one));   // about 0.2 s per shape
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                call.run();
            }
            be.synchronize();
            return 2.0 * m * n * k * reps / (System.nanoTime() - t0) / 1e3;
        }
    }

    // ------------------------------------------------------------------------------------------------ training

    private void training(boolean gpu) {
        emit("\n## Training throughput (forward + BPTT + host SGD update, T = 4, Poisson input; " + WARMUP_STEPS
                + " untimed then " + TIMED_STEPS + " timed steps on each backend)\n\n"
                + "| net | backend | images/s | of one CPU thread |\n|---|---|---|---|\n");
        trainingRow("MLP 784-256-10, batch 128", config(MLP), 128, gpu, false);
        if (System.nanoTime() < deadline) {
            trainingRow("CNN 32-32-128-10, batch 64", config(CNN), 64, gpu, true);
        }
    }

    private void trainingRow(String name, EngineConfig cfg, int batch, boolean gpu, boolean judged) {
        CpuBackend c1 = new CpuBackend(1);
        double cpu = GpuSpeedTable.imagesPerSecond(cfg, c1, batch, WARMUP_STEPS, TIMED_STEPS);
        emit(String.format(Locale.ROOT, "| %s | %s, 1 thread | %.0f | 1.00x |%n", name, c1.describe(), cpu));
        if (gpu) {
            CudaBackend g = CudaBackends.create(0);
            String d = g.describe();
            double dev = GpuSpeedTable.imagesPerSecond(cfg, g, batch, WARMUP_STEPS, TIMED_STEPS);
            emit(String.format(Locale.ROOT, "| %s | %s | %.0f | %s |%n", name, d, dev,
                    judged ? speedupCell(dev / cpu) : String.format(Locale.ROOT, "%.2fx", dev / cpu)));
        } else {
            emit("| " + name + " | cuda | unavailable | |\n");
        }
    }

    /** The GPU's images/s over one CPU thread's: PASS when the GPU is faster, else {@code **FAIL**}. */
    static String speedupCell(double ratio) {
        return String.format(Locale.ROOT, "%s %.2fx (aim > 1x)", ratio > 1 ? "PASS" : "**FAIL**", ratio);
    }

    // ------------------------------------------------------------------------------------------------ spark

    /** Not measurable from this carry: said so in the table, in words (a skip, not a FAIL, and never a figure). */
    private void spark() {
        emit("\n## Spark local[1] backend=cuda vs snn fit --backend cuda\n\n"
                + "not measured: Spark's runtime jars (~350 MB) and the CLI are not in this carry (64 MiB a call);"
                + " run `bin/snn fit --backend cuda` and a local[1] fit with backend=cuda on a machine that has them\n");
    }

    // ------------------------------------------------------------------------------------------------ inputs

    static EngineConfig config(String spec) {
        return EngineConfig.builder().modelSpec(spec).inputShape(1, 28, 28).timeSteps(4).encoder("poisson")
                .loss("mse").seed(1).maxChunk(128).build();
    }

    static float[] images(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    static int[] labels(int n, int k) {
        SplittableRandom r = new SplittableRandom(4);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
        }
        return y;
    }
}
