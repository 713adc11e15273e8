package io.github.sparksnn.bench;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.data.IdxImages;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.EpochResult;
import io.github.sparksnn.train.GradientEngine;
import io.github.sparksnn.train.Trainer;
import io.github.sparksnn.train.TrainerConfig;
import io.github.sparksnn.train.optim.LearningRateSchedule;
import io.github.sparksnn.train.optim.Optimizers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code snn bench train}: training throughput of the spiking MLP of the performance target (784-256-10, LIF tau 2
 * with hard reset, ATan, Poisson input, MSE on rates, Adam; T=4, batch 128, one thread), and where its time goes.
 *
 * <p>Method, all in one run: (1) the plain engine trains {@code --rounds} rounds of {@code --batches} batches
 * through the single-JVM {@link Trainer} (shuffle, gradient, Adam step, parameter upload: the whole training
 * step) after warm-up rounds; images/s is the median round. (2) The same engine over a backend whose GEMMs are
 * timed and their FLOPs ({@code 2mnk}) counted per shape gives the GEMM share of the step and the GFLOP/s the
 * engine's GEMMs reach. (3) After each round of (2), native sgemm alone replays the same calls on copies of the same
 * operands (values, offsets, strides, beta) and gives the attainable GFLOP/s; each round pairs (2) with its replay,
 * the two alternate so that noise from other processes hits both alike, and the median paired ratio is how close the
 * engine's GEMMs come to it (above 100% is noise: both sides call the same sgemm).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Training images/s of the spiking MLP 784-256-10 (LIF, ATan, Poisson input, Adam) at T=4,"
                + " batch 128 on one thread; GFLOP/s of its GEMMs next to native sgemm alone on the same shapes;"
                + " share of step time outside GEMM. --peer adds a ratio to a figure measured elsewhere."})
public final class TrainBenchCommand implements Callable<Integer> {

    /** The network of the performance target. */
    public static final String DEFAULT_MODEL = "flatten | linear(784,256) | lif(tau=2.0, surrogate=ATan(alpha=2.0))"
            + " | linear(256,10) | lif(tau=2.0, surrogate=ATan(alpha=2.0))";

    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--model", paramLabel = "SPEC", defaultValue = DEFAULT_MODEL, description = "Model spec (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--T", paramLabel = "STEPS", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--batches", defaultValue = "40", description = "Batches per timed round (default: ${DEFAULT-VALUE}).")
    int batches;

    @Option(names = "--rounds", defaultValue = "5", description = "Timed rounds; the median is reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed warm-up rounds (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", defaultValue = "1", description = "Threads (default: ${DEFAULT-VALUE}). Above 1 the headline engine splits the batch over that many"
            + " single-threaded replicas (data-parallel), compared in alternate rounds with one engine whose GEMMs use"
            + " that many BLAS threads; the profile is of the latter.")
    int threads;

    @Option(names = "--encoder", defaultValue = "poisson", description = "direct, poisson or latency(tau=.., threshold=.., normalize=.., linear=.., clip=..) (default: ${DEFAULT-VALUE}).")
    String encoder;

    @Option(names = "--loss", defaultValue = "mse", description =
            "mse or ce on firing rates, ce_count, ce_max, ce_last or mse_membrane, optionally +l1(weight)"
            + " (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--optimizer", paramLabel = "SPEC", defaultValue = "adam", description = "Optimizer spec (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Fashion-MNIST directory; random images when absent (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--peer", paramLabel = "IMAGES_PER_S",
            description = "A peer's images/s measured elsewhere (e.g. PyTorch on this machine); adds a ratio row labelled"
                    + " as the given figure. No default: nothing is compared unless you give one.")
    Double peer;

    @Override
    public Integer call() {
        if (timeSteps < 1 || batchSize < 1 || batches < 1 || rounds < 1 || warmup < 0 || threads < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--T, --batch-size, --batches, --rounds, --threads must be >= 1 and --warmup >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EngineConfig cfg;
        try {
            cfg = EngineConfig.builder().modelSpec(model).inputShape(1, 28, 28).timeSteps(timeSteps).encoder(encoder)
                    .loss(loss).seed(seed).threads(threads).build();
            Optimizers.parse(optimizer);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        int n = batches * batchSize;
        float[] x = new float[n * 784];
        int[] y = new int[n];
        String data = loadData(n, x, y, cfg.numClasses());
        String env = System.getenv("OPENBLAS_NUM_THREADS");
        err.printf(Locale.ROOT, "bench train: %s%n  T=%d batch=%d encoder=%s loss=%s optimizer=%s threads=%d"
                        + " OPENBLAS_NUM_THREADS=%s; %d warm-up + %d timed rounds of %d batches; data: %s%n",
                cfg.modelSpec(), timeSteps, batchSize, cfg.encoder(), cfg.loss(), optimizer, threads, env, warmup,
                rounds, batches, data);
        err.flush();

        // (1) the plain engine: headline throughput. With --threads > 1 that is the data-parallel engine (the batch
        // split across single-threaded replicas, fixed-order reduction); one engine whose GEMMs alone are split
        // across the threads (multi-threaded BLAS) runs in alternate rounds, so noise hits both alike.
        double[] plainSeconds = new double[rounds];
        double[] plainCpuSeconds = new double[rounds];
        double[] splitGemmSeconds = threads > 1 ? new double[rounds] : null;
        double[] oneThreadSeconds = threads > 1 ? new double[rounds] : null;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        try (GradientEngine e = cfg.create();
             GradientEngine sg = threads > 1 ? new CpuGradientEngine(cfg, new CpuBackend(threads)) : null;
             GradientEngine single = threads > 1 ? cfg.withThreads(1).create() : null) {
            Trainer t = new Trainer(e, Optimizers.parse(optimizer), trainerConfig());
            Trainer ts = sg == null ? null : new Trainer(sg, Optimizers.parse(optimizer), trainerConfig());
            // With --threads N, one thread in alternate rounds too: the scaling is a same-run, paired ratio.
            Trainer t1 = single == null ? null : new Trainer(single, Optimizers.parse(optimizer), trainerConfig());
            for (int r = 0; r < warmup; r++) {
                t.trainEpoch(r, x, y, null);
                if (ts != null) {
                    ts.trainEpoch(r, x, y, null);
                    t1.trainEpoch(r, x, y, null);
                }
            }
            for (int r = 0; r < rounds; r++) {
                if (ts != null) {
                    splitGemmSeconds[r] = ts.trainEpoch(warmup + r, x, y, null).trainSeconds();
                    // OpenBLAS's idle workers spin for ~2^28 cycles after the split engine's last GEMM, taking a
                    // core from the next round (measured: the data-parallel engine at 29k instead of 42k images/s):
                    // let them sleep.
                    sleepQuietly(300);
                }
                // The data-parallel and the one-thread rounds take turns going first after that pause: whichever
                // ran first was measured faster or slower by up to 20% (a vCPU that was idle), and 2 threads came
                // out at 1.7-2.1x one thread, above the possible 2x.
                boolean oneFirst = t1 != null && r % 2 == 1;
                if (oneFirst) {
                    oneThreadSeconds[r] = t1.trainEpoch(warmup + r, x, y, null).trainSeconds();
                }
                long c0 = mx.getCurrentThreadCpuTime();
                plainSeconds[r] = t.trainEpoch(warmup + r, x, y, null).trainSeconds();
                plainCpuSeconds[r] = (mx.getCurrentThreadCpuTime() - c0) * 1e-9;
                if (t1 != null && !oneFirst) {
                    oneThreadSeconds[r] = t1.trainEpoch(warmup + r, x, y, null).trainSeconds();
                }
            }
        }
        double plainMedian = median(plainSeconds);
        double imagesPerSecond = n / plainMedian;

        // (2) the same engine with timed GEMMs and a timed optimizer: the breakdown. After every instrumented round,
        // (3) native sgemm alone replays the same calls on copies of the same operands (values, offsets, strides):
        // the two sides alternate, so machine noise hits both alike, and each round gives a paired ratio.
        CpuBackend inner = new CpuBackend(threads);
        GemmTimer timer = GemmTimer.wrap(inner);
        double[] total = new double[rounds];
        double[] gemm = new double[rounds];
        double[] opt = new double[rounds];
        double[] aloneRound = new double[rounds];
        double[] pairedRatio = new double[rounds];
        long flopsPerRound = 0;
        List<Map.Entry<GemmTimer.Shape, long[]>> shapes = new ArrayList<>();
        double[][] shapeRatios = null;
        double[][] shapeAlone = null;
        // per non-GEMM op: seconds per round, calls and bytes per round; and a copy's bandwidth after every round
        Map<String, double[]> opSeconds = new java.util.LinkedHashMap<>();
        Map<String, long[]> opCallsBytes = new java.util.LinkedHashMap<>();
        double[] copyGbs = new double[rounds];
        float[] copySrc = new float[COPY_FLOATS];
        float[] copyDst = new float[COPY_FLOATS];
        Arrays.fill(copySrc, 1f);
        System.arraycopy(copySrc, 0, copyDst, 0, COPY_FLOATS);
        try (GradientEngine e = new CpuGradientEngine(cfg, timer.backend()); Backend be = new CpuBackend(threads)) {
            TimedOptimizer o = new TimedOptimizer(Optimizers.parse(optimizer));
            Trainer t = new Trainer(e, o, trainerConfig());
            for (int r = 0; r < Math.max(1, warmup); r++) {
                t.trainEpoch(r, x, y, null);
            }
            for (int r = 0; r < rounds; r++) {
                timer.reset();
                o.nanos = 0;
                EpochResult res = t.trainEpoch(warmup + r, x, y, null);
                total[r] = res.trainSeconds();
                gemm[r] = timer.totalNanos() * 1e-9;
                opt[r] = o.nanos * 1e-9;
                flopsPerRound = timer.totalFlops();
                if (shapeRatios == null) {
                    shapeRatios = new double[timer.tallies().size()][rounds];
                    shapeAlone = new double[timer.tallies().size()][rounds];
                }
                int i = 0;
                double alone = 0;
                for (Map.Entry<GemmTimer.Shape, GemmTimer.Tally> en : timer.tallies().entrySet()) {
                    GemmTimer.Tally tally = en.getValue();
                    if (r == 0) {
                        shapes.add(Map.entry(en.getKey(), new long[] {tally.calls, 0}));
                    }
                    double a = GemmTimer.replaySeconds(be, en.getKey(), tally, tally.calls);
                    alone += a;
                    shapeAlone[i][r] = a / tally.calls;
                    shapeRatios[i][r] = a / (tally.nanos * 1e-9);
                    i++;
                }
                aloneRound[r] = alone;
                pairedRatio[r] = alone / gemm[r];
                for (Map.Entry<String, GemmTimer.OpTally> en : timer.ops().entrySet()) {
                    opSeconds.computeIfAbsent(en.getKey(), k -> new double[rounds])[r] = en.getValue().nanos * 1e-9;
                    opCallsBytes.put(en.getKey(), new long[] {en.getValue().calls, en.getValue().bytes});
                }
                long c0 = System.nanoTime();
                System.arraycopy(copySrc, 0, copyDst, 0, COPY_FLOATS);
                copyGbs[r] = 8.0 * COPY_FLOATS / (System.nanoTime() - c0);
            }
        }
        double totalMedian = median(total);
        double gemmMedian = median(gemm);
        double optMedian = median(opt);
        double ratioMedian = median(pairedRatio);
        double perBatchMs = totalMedian / batches * 1e3;
        Table t = new Table("METRIC", "VALUE");
        t.row("training images/s (median of " + rounds + " rounds)", fmt("%.0f  (rounds %.0f-%.0f)", imagesPerSecond,
                n / max(plainSeconds), n / min(plainSeconds)));
        if (threads == 1) {
            // on a shared machine the wall clock includes time the thread waited for a core; its CPU time does not
            t.row("training images per CPU-second of the thread", fmt("%.0f", n / median(plainCpuSeconds)));
        }
        if (splitGemmSeconds != null) {
            double[] paired = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                paired[r] = splitGemmSeconds[r] / plainSeconds[r];
            }
            t.row(fmt("  data-parallel: batch split over %d single-threaded replicas (the row above)", threads),
                    fmt("%.0f", imagesPerSecond));
            t.row(fmt("  split GEMMs: one engine, %d-thread BLAS (alternate rounds)", threads),
                    fmt("%.0f  (rounds %.0f-%.0f)", n / median(splitGemmSeconds), n / max(splitGemmSeconds),
                            n / min(splitGemmSeconds)));
            t.row("  data-parallel / split GEMMs (median of paired rounds)", fmt("%.2fx", median(paired)));
            double[] scaling = new double[rounds];
            double[] splitScaling = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                scaling[r] = oneThreadSeconds[r] / plainSeconds[r];
                splitScaling[r] = oneThreadSeconds[r] / splitGemmSeconds[r];
            }
            t.row("  one thread (alternate rounds)", fmt("%.0f  (rounds %.0f-%.0f)", n / median(oneThreadSeconds),
                    n / max(oneThreadSeconds), n / min(oneThreadSeconds)));
            t.row(fmt("  %d threads / one thread, data-parallel | split GEMMs (median of paired rounds)", threads),
                    fmt("%.2fx | %.2fx", median(scaling), median(splitScaling)));
        }
        if (peer != null) {
            t.row(fmt("vs the given peer figure (--peer %.0f images/s, not measured in this run)", peer),
                    fmt("%.2fx", imagesPerSecond / peer));
        }
        t.row("step time per batch (instrumented run)", fmt("%.2f ms  (%.0f images/s)", perBatchMs, n / totalMedian));
        t.row("  in GEMM", fmt("%.2f ms  (%.1f%%)", gemmMedian / batches * 1e3, 100 * gemmMedian / totalMedian));
        t.row("  in optimizer step (" + Optimizers.parse(optimizer).name() + ")",
                fmt("%.2f ms  (%.1f%%)", optMedian / batches * 1e3, 100 * optMedian / totalMedian));
        double rest = totalMedian - gemmMedian - optMedian;
        t.row("  other (encode, neurons, loss, copies)", fmt("%.2f ms  (%.1f%%)", rest / batches * 1e3,
                100 * rest / totalMedian));
        t.row("GEMM FLOPs per batch", fmt("%.1f MFLOP", flopsPerRound / (double) batches * 1e-6));
        t.row("GEMM GFLOP/s inside the engine (median round)", fmt("%.1f", flopsPerRound / gemmMedian * 1e-9));
        t.row("native sgemm GFLOP/s, same calls on the same operands alone (median round)",
                fmt("%.1f", flopsPerRound / median(aloneRound) * 1e-9));
        t.row("engine / standalone GEMM speed (median of paired rounds)", fmt("%.0f%%  (rounds %.0f-%.0f%%)%s",
                100 * ratioMedian, 100 * min(pairedRatio), 100 * max(pairedRatio),
                ratioMedian > 1 ? "; above 100% is noise: the engine calls the same sgemm" : ""));
        t.row("share of step time outside GEMM", fmt("%.1f%%", 100 * (1 - gemmMedian / totalMedian)));
        out.println("backend: " + inner.describe());
        out.print(t.render());
        out.println();
        Table g = new Table("GEMM SHAPE (row-major op(A) m x k, op(B) k x n)", "CALLS/BATCH", "MFLOP/CALL", "ENGINE GFLOP/S",
                "ALONE GFLOP/S", "RATIO");
        for (int i = 0; i < shapes.size(); i++) {
            GemmTimer.Shape s = shapes.get(i).getKey();
            long calls = shapes.get(i).getValue()[0];
            double aloneSec = median(shapeAlone[i]);
            double ratio = median(shapeRatios[i]);
            g.row(s, fmt("%.1f", calls / (double) batches), fmt("%.2f", s.flops() * 1e-6),
                    fmt("%.1f", s.flops() / aloneSec * 1e-9 * ratio), fmt("%.1f", s.flops() / aloneSec * 1e-9),
                    fmt("%.0f%%", 100 * ratio));
        }
        out.print(g.render());
        out.println();
        // what no timer covered, round by round (medians of the parts need not add up to the median of the whole)
        double[] outside = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            outside[r] = total[r] - gemm[r] - opt[r];
            for (double[] sec : opSeconds.values()) {
                outside[r] -= sec[r];
            }
        }
        out.print(profile(batches, totalMedian, gemmMedian, optMedian, median(outside), flopsPerRound,
                median(aloneRound), opSeconds, opCallsBytes, median(copyGbs), Optimizers.parse(optimizer).name())
                .render());
        out.printf(Locale.ROOT, "images/s: whole training step through Trainer (shuffle, gradient, optimizer, parameter"
                + " upload). GFLOP/s = 2mnk / time inside gemm calls; engine and standalone rounds alternate on the"
                + " same operands and each ratio pairs a round with its replay (medians). OF BOUND for a memory-bound op"
                + " is its compulsory bytes' rate over a copy through memory (64 MiB arrays, beyond the caches): an op"
                + " whose data stays in cache between calls (small tensors, the previous op's output) can pass 100%%,"
                + " which says it is not memory-bound, not that it beats memory. Shares are medians of rounds, so they"
                + " need not add up to exactly 100%%. Java %s, %d CPUs visible, load average"
                + " %.1f at the end (a load above the CPU count means shared cores: compare ratios, not absolutes).%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.flush();
        return 0;
    }

    /** Floats per array of the in-run copy that gives the memory bound (64 MiB: beyond the caches, as STREAM). */
    static final int COPY_FLOATS = 1 << 24;

    /**
     * The step by operation (instrumented run, medians of rounds): every backend call timed by name, GEMM against
     * native sgemm alone on the same calls, memory-bound ops' compulsory bytes against an in-run copy's bandwidth,
     * the optimizer, and what remains outside backend calls (layer code between ops, loss, engine bookkeeping:
     * {@code outside}, the median of the rounds' remainders).
     */
    static Table profile(int batches, double total, double gemm, double opt, double outside, long flops,
                         double gemmAlone,
                         Map<String, double[]> opSeconds, Map<String, long[]> opCallsBytes, double copyGbs,
                         String optimizerName) {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {gemm, "gemm", "-", fmt("%.1f GFLOP/s", flops / gemm * 1e-9),
                fmt("%.1f GFLOP/s sgemm alone", flops / gemmAlone * 1e-9), fmt("%.0f%%", 100 * gemmAlone / gemm)});
        for (Map.Entry<String, double[]> en : opSeconds.entrySet()) {
            double sec = median(en.getValue());
            long[] cb = opCallsBytes.get(en.getKey());
            double gbs = cb[1] / sec * 1e-9;
            rows.add(new Object[] {sec, en.getKey(), fmt("%.1f", cb[0] / (double) batches), fmt("%.1f GB/s", gbs),
                    fmt("%.1f GB/s copy", copyGbs), fmt("%.0f%%", 100 * gbs / copyGbs)});
        }
        rows.add(new Object[] {opt, "optimizer step (" + optimizerName + ")", "-", "-", "-", "-"});
        rows.add(new Object[] {outside, "outside backend ops (layer code, loss, engine)", "-", "-", "-", "-"});
        rows.sort((a, b) -> Double.compare((Double) b[0], (Double) a[0]));
        Table t = new Table("OP (step profile, instrumented run)", "CALLS/BATCH", "MS/BATCH", "SHARE", "RATE", "BOUND",
                "OF BOUND");
        for (Object[] r : rows) {
            double sec = (Double) r[0];
            t.row(r[1], r[2], fmt("%.3f", sec / batches * 1e3), fmt("%.1f%%", 100 * sec / total), r[3], r[4], r[5]);
        }
        t.row("total step", "", fmt("%.3f", total / batches * 1e3), "100.0%", "", "", "");
        return t;
    }

    private TrainerConfig trainerConfig() {
        return new TrainerConfig(1, batchSize, 1e-3, LearningRateSchedule.constant(), seed, true, 1000);
    }

    private String loadData(int n, float[] x, int[] y, int classes) {
        Path img = dataDir.resolve("train-images-idx3-ubyte.gz");
        Path lab = dataDir.resolve("train-labels-idx1-ubyte.gz");
        if (Files.isRegularFile(img) && Files.isRegularFile(lab) && IdxReader.readHeader(img).count() >= n) {
            IdxImages im = IdxReader.readImages(img, 0, n);
            im.toFloats(0, n, x, 0);
            System.arraycopy(IdxReader.readLabels(lab, 0, n), 0, y, 0, n);
            return "Fashion-MNIST, first " + n + " training images";
        }
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
        }
        return "random images (Fashion-MNIST not found at " + dataDir + ")";
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    private static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** A padded plain-text table (first column left-aligned, the others right-aligned). */
    static final class Table {
        private final String[] header;
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            this.header = header;
        }

        void row(Object... cells) {
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = String.valueOf(cells[i]);
            }
            rows.add(r);
        }

        String render() {
            int[] w = new int[header.length];
            for (int c = 0; c < header.length; c++) {
                w[c] = header[c].length();
                for (String[] r : rows) {
                    w[c] = Math.max(w[c], r[c].length());
                }
            }
            StringBuilder sb = new StringBuilder();
            line(sb, header, w);
            String[] rule = new String[header.length];
            for (int c = 0; c < header.length; c++) {
                rule[c] = "-".repeat(w[c]);
            }
            line(sb, rule, w);
            for (String[] r : rows) {
                line(sb, r, w);
            }
            return sb.toString();
        }

        private static void line(StringBuilder sb, String[] cells, int[] w) {
            for (int c = 0; c < cells.length; c++) {
                String s = cells[c];
                String pad = " ".repeat(w[c] - s.length());
                sb.append(c == 0 ? s + pad : pad + s);
                sb.append(c + 1 < cells.length ? "  " : "\n");
            }
        }
    }

    /** Stand-alone entry point (the {@code snn} launcher wires this command in as {@code snn bench train}). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainBenchCommand()).execute(args));
    }
}
