package io.github.sparksnn.bench;

import io.github.sparksnn.data.IdxDataset;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.ml.SpikingNetworkClassifier;
import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.source.IdxDataFrames;
import io.github.sparksnn.ml.train.state.EpochMetrics;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import io.github.sparksnn.train.Trainer;
import io.github.sparksnn.train.TrainerConfig;
import io.github.sparksnn.train.optim.LearningRateSchedules;
import io.github.sparksnn.train.optim.Optimizers;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.col;

/**
 * {@code snn bench spark}: what Spark costs and gains for spiking-network training, all rows measured in one run
 * on one machine, each configuration fitted {@code --rounds} times with the rows interleaved (so machine noise hits
 * all of them alike) and reported as medians:
 * <ul>
 *   <li>the baseline: the single-JVM trainer ({@code snn fit}) on one thread, same model, data and batch;</li>
 *   <li>{@link SpikingNetworkClassifier} in each {@code --sync-modes} ({@code barrier}: one barrier stage per epoch,
 *       {@code jobs}: a Spark job per step) on {@code --master}, with each step split into engine compute (the
 *       slowest partition), transfer, aggregation and optimizer, the bytes through the driver per step and the
 *       transfer floor (those bytes at the loopback bandwidth measured in the same run with the same frames);</li>
 *   <li>MLlib's {@code MultilayerPerceptronClassifier [784, 128, 10]} (L-BFGS) for scale.</li>
 * </ul>
 * Predictions for more hosts are {@code bench scale-model}'s (the topology's vectors per link, pieces and overlap),
 * checked against emulated hosts by {@code bench scale}; loopback on one machine says nothing about a network.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = "Spark training vs one JVM: barrier and job-per-step modes, step breakdown.")
public final class SparkBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--data-dir", defaultValue = TrainJob.DEFAULT_DATA, description = "IDX directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--model", defaultValue = TrainJob.DEFAULT_MODEL, description = "Model spec (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--T", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "128,512",
            description = "Global batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batchSizes;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--partitions", defaultValue = "2", description = "Partitions (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = {"--sync-mode", "--sync-modes"}, split = ",", defaultValue = "barrier,barrier-socket,barrier-bf16,jobs",
            description = "Modes to measure: barrier (in process under a local master), barrier-socket (sockets even "
                    + "under a local master), barrier-bf16 (bfloat16 over sockets), jobs (default: ${DEFAULT-VALUE}).")
    String[] syncModes;

    @Option(names = "--fan-in", defaultValue = "2",
            description = "Aggregation tree fan-in in barrier mode, 0 = star (default: ${DEFAULT-VALUE}).")
    int fanIn;

    @Option(names = "--rounds", defaultValue = "3", description = "Fits per row, interleaved; medians (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per timed fit (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--limit-train", defaultValue = "20000",
            description = "Training images used (0: all 60000; default: ${DEFAULT-VALUE}).")
    int limitTrain;

    @Option(names = "--mlp-iterations", defaultValue = "0",
            description = "L-BFGS iterations of the MLlib MLP row (0: skip it; default: ${DEFAULT-VALUE}).")
    int mlpIterations;

    @Option(names = "--max-direct-result", defaultValue = "64m",
            description = "spark.task.maxDirectResultSize for jobs mode (default: ${DEFAULT-VALUE}).")
    String directResult;

    @Option(names = "--warmup", defaultValue = "4096", description = "Images of the unreported warm-up fits (0: none).")
    int warmup;

    /** One measured configuration (medians over rounds). Breakdown values NaN where a mode does not measure them. */
    record Measure(String name, double imagesPerSecond, double stepMs, double computeMs, double transferMs,
               double aggregationMs, double optimizerMs, double driverBytes) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (rounds < 1 || partitions < 1 || epochs < 1 || limitTrain < 0 || fanIn < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--rounds, --partitions and --epochs must be >= 1, --limit-train and --fan-in >= 0");
        }
        for (String m : syncModes) {
            if (!m.equals("barrier") && !m.equals("barrier-socket") && !m.equals("barrier-bf16") && !m.equals("jobs")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--sync-modes takes barrier, barrier-socket, barrier-bf16 and/or jobs, got '" + m + "'");
            }
        }
        TrainJob.requireData(dataDir);
        TrainJob.quietLogging();
        IdxDataset train = IdxReader.load(dataDir, true);
        int n = limitTrain == 0 ? train.size() : Math.min(limitTrain, train.size());
        train = train.head(n);
        float[] x = train.features();
        int[] y = train.labels();
        EngineConfig cfg = EngineConfig.builder().modelSpec(model).inputShape(1, 28, 28).timeSteps(timeSteps)
                .encoder("direct").loss("mse").seed(42).threads(1).build();

        SparkSession spark = session();
        Map<String, List<Measure>> samples = new LinkedHashMap<>();
        Map<Integer, List<Double>> shareMs = new LinkedHashMap<>();
        try {
            Dataset<Row> df = data(spark, "train", n).cache();
            long rows = df.count();
            if (warmup > 0) {
                err.println("warm-up: JIT of the engine's kernels, then fits (" + warmup + " images) ...");
                err.flush();
                warmJit(cfg, x, y);
                Dataset<org.apache.spark.sql.Row> small = data(spark, "train", warmup);
                baseline(cfg, Arrays.copyOf(x, warmup * 784), Arrays.copyOf(y, warmup), batchSizes[0]);
                for (String m : syncModes) {
                    snn(small, m, batchSizes[0]);
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (int b : batchSizes) {
                    err.printf(Locale.ROOT, "round %d/%d, batch %d ...%n", r + 1, rounds, b);
                    err.flush();
                    samples.computeIfAbsent(b + "|fit", k -> new ArrayList<>()).add(baseline(cfg, x, y, b));
                    shareMs.computeIfAbsent(b, k -> new ArrayList<>()).add(shareCompute(cfg, x, y, b / partitions, 1));
                    shareMs.computeIfAbsent(-b, k -> new ArrayList<>()).add(
                            shareCompute(cfg, x, y, b / partitions, partitions));
                    for (String m : syncModes) {
                        samples.computeIfAbsent(b + "|" + m, k -> new ArrayList<>()).add(snn(df, m, b));
                    }
                }
            }
            err.println("loopback probe ...");
            err.flush();
            LoopbackProbe.Fit probe = LoopbackProbe.measure(new int[]{10_000, 100_000, 400_000, 1_000_000}, 15);
            double mlpSeconds = Double.NaN;
            double mlpAcc = Double.NaN;
            if (mlpIterations > 0) {
                err.println("MLlib MultilayerPerceptronClassifier [784, 128, 10] ...");
                err.flush();
                Dataset<Row> test = data(spark, "test", 0).cache();
                long t0 = System.nanoTime();
                MultilayerPerceptronClassificationModel mlp = new MultilayerPerceptronClassifier()
                        .setLayers(new int[]{784, 128, 10}).setMaxIter(mlpIterations).setSeed(42).setBlockSize(128)
                        .fit(df);
                mlpSeconds = (System.nanoTime() - t0) / 1e9;
                mlpAcc = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                        .evaluate(mlp.transform(test));
            }
            int numParams;
            try (GradientEngine e = cfg.create()) {
                numParams = e.numParameters();
            }
            print(out, rows, numParams, samples, shareMs, probe, mlpSeconds, mlpAcc);
        } finally {
            spark.stop();
        }
        return 0;
    }

    private void print(PrintWriter out, long rows, int numParams, Map<String, List<Measure>> samples,
                       Map<Integer, List<Double>> shareMs, LoopbackProbe.Fit probe, double mlpSeconds, double mlpAcc) {
        out.printf(Locale.ROOT, "spark bench: %s (%,d parameters), T=%d, %s, %d partitions, %d training images, "
                        + "%d epoch(s) per fit, fan-in %d, medians of %d interleaved rounds%n", model, numParams,
                timeSteps, master, partitions, rows, epochs, fanIn, rounds);
        out.printf(Locale.ROOT, "loopback, measured now with the training frames: %s + %.2f GB/s "
                + "(one-way ms at %s floats: %s)%n", probe.latencyText(), probe.bandwidthGBs(),
                "10k/100k/400k/1M", fmt(probe.oneWayMs()));
        out.printf(Locale.ROOT, "%-6s %-42s %9s %8s %8s %8s %8s %8s %8s %10s %8s %8s%n", "batch", "run", "images/s",
                "vs fit", "step ms", "compute", "transfer", "aggr", "optim", "driver KB", "floor ms", "xfer/flr");
        for (int b : batchSizes) {
            Measure base = median(samples.get(b + "|fit"));
            for (String key : samples.keySet()) {
                if (!key.startsWith(b + "|")) {
                    continue;
                }
                Measure r = median(samples.get(key));
                // No floor where no bytes pass the driver's sockets (in process, jobs mode).
                double floor = Double.isNaN(r.driverBytes()) || r.driverBytes() == 0 ? Double.NaN
                        : r.driverBytes() * probe.msPerByte();
                out.printf(Locale.ROOT, "%-6d %-42s %9.0f %7.2fx %8.2f %8.2f %8s %8s %8s %10s %8s %8s%n", b, r.name(),
                        r.imagesPerSecond(), r.imagesPerSecond() / base.imagesPerSecond(), r.stepMs(), r.computeMs(),
                        fmt(r.transferMs()), fmt(r.aggregationMs()), fmt(r.optimizerMs()),
                        Double.isNaN(r.driverBytes()) ? "-" : String.format(Locale.ROOT, "%.0f", r.driverBytes() / 1024),
                        fmt(floor), Double.isNaN(floor) ? "-" : String.format(Locale.ROOT, "%.2f",
                                (r.stepMs() - r.computeMs()) / floor));
            }
            double one = medianOf(shareMs.get(b));
            double together = medianOf(shareMs.get(-b));
            StringBuilder tasks = new StringBuilder();
            for (String row : new String[]{"barrier", "barrier-socket"}) {
                if (samples.containsKey(b + "|" + row)) {
                    Measure bar = median(samples.get(b + "|" + row));
                    tasks.append(String.format(Locale.ROOT, "; in a %s task (slowest) %.2f ms = %.0f%% of alone, "
                                    + "%.0f%% of at once", row, bar.computeMs(), 100 * bar.computeMs() / one,
                            100 * bar.computeMs() / together));
                }
            }
            out.printf(Locale.ROOT, "       engine time of one partition's share (%d images) in one JVM: alone %.2f ms,"
                            + " %d shares on %d threads at once %.2f ms%s%n", b / partitions, one, partitions, partitions,
                    together, tasks);
        }
        out.println("compute: the slowest partition's engine time per step (one JVM: the whole step); transfer: "
                + "step - compute - aggr - optim (jobs mode: Spark's scheduling, broadcast and results as well); "
                + "aggr: adding partial sums along the slowest tree path and on the driver; driver KB: bytes through "
                + "the driver's sockets per step, both ways; floor: those bytes at the measured loopback bandwidth; "
                + "xfer/flr: (step - compute) / floor, which can fall below 1 because a sum is received on its own thread "
                + "while the receiver still computes; in-process rows move no bytes, so they have no floor.");
        if (!Double.isNaN(mlpSeconds)) {
            out.printf(Locale.ROOT, "MLlib MLP [784,128,10], %d L-BFGS iterations on %s: fit %.1f s (%.2f s per "
                    + "iteration = pass over the data), test accuracy %.4f%n", mlpIterations, master, mlpSeconds,
                    mlpSeconds / mlpIterations, mlpAcc);
        }
        out.println("for more hosts: bin/snn bench scale-model (predictions) and sudo bin/snn bench scale (emulated "
                + "hosts); loopback on one machine does not show a network's limits.");
    }

    /** Parameters the baseline passed through (at 1/4, 1/2 and 3/4 of its last epoch), for the share reference. */
    private final List<float[]> trainedParams = new ArrayList<>();

    /**
     * Runs the engine until the JIT has compiled its kernels. The Vector API kernels (the surrogates' bulk loops)
     * allocate a box per lane operation until C2 compiles them, measured here at 6 MB a step of 256 images after 50
     * steps and 0 after 400; the compiler threads also take one of the two cores meanwhile. Without this the first
     * rounds time the JIT, not the engine, and whichever row comes first pays for it.
     */
    private static void warmJit(EngineConfig cfg, float[] x, int[] y) {
        try (GradientEngine engine = cfg.create()) {
            int n = Math.min(64, y.length);
            float[] g = new float[engine.numParameters()];
            for (int s = 0; s < 600; s++) {
                engine.accumulateGradient(x, y, 0, n, s, g);
            }
        }
    }

    private Measure baseline(EngineConfig cfg, float[] x, int[] y, int batch) {
        try (GradientEngine engine = cfg.create()) {
            TrainerConfig tc = new TrainerConfig(epochs, batch, 1e-3, LearningRateSchedules.parse("constant"), 42,
                    true, 1000);
            Trainer t = new Trainer(engine, Optimizers.parse("adam"), tc);
            List<float[]> snapshots = new ArrayList<>();
            io.github.sparksnn.train.TrainingListener grab = new io.github.sparksnn.train.TrainingListener() {
                @Override
                public void onBatch(int epoch, int b, int batches, GradientEngine.StepStats stats) {
                    if (epoch == epochs - 1 && (b == batches / 4 || b == batches / 2 || b == 3 * batches / 4)) {
                        snapshots.add(t.parameters());
                    }
                }
            };
            long t0 = System.nanoTime();
            for (int e = 0; e < epochs; e++) {
                t.trainEpoch(e, x, y, grab);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            trainedParams.clear();
            trainedParams.addAll(snapshots);
            int steps = epochs * ((y.length + batch - 1) / batch);
            double stepMs = seconds * 1e3 / steps;
            return new Measure("fit, 1 JVM, 1 thread", (double) y.length * epochs / seconds, stepMs, stepMs, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN);
        }
    }

    /**
     * Mean engine time of one partition's share of a step, computed in this JVM: the same work a task times per
     * step (load the parameters, clear the gradient, forward and backward over the share) at the parameters the
     * baseline trained through (spike counts, and with them the engine's work, change as a network trains), on
     * {@code threads} threads at once, each with its own engine (1: alone; P: as the P tasks of a step share the
     * machine's cores and memory bandwidth).
     */
    private double shareCompute(EngineConfig cfg, float[] x, int[] y, int share, int threads)
            throws InterruptedException {
        List<float[]> states = new ArrayList<>(trainedParams);
        double[] ms = new double[threads];
        Thread[] ts = new Thread[threads];
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        for (int t = 0; t < threads; t++) {
            final int id = t;
            ts[t] = new Thread(() -> {
                try (GradientEngine engine = cfg.create()) {
                    if (states.isEmpty()) {
                        states.add(engine.parameters());
                    }
                    float[] g = new float[engine.numParameters()];
                    int steps = Math.min(40, y.length / share);
                    for (int s = 0; s < 3; s++) {
                        engine.accumulateGradient(x, y, s * share, (s + 1) * share, s, g);
                    }
                    start.await();
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        engine.setParameters(states.get(s % states.size()));
                        Arrays.fill(g, 0f);
                        engine.accumulateGradient(x, y, s * share, (s + 1) * share, s, g);
                    }
                    ms[id] = (System.nanoTime() - t0) / 1e6 / steps;
                } catch (Exception e) {
                    ms[id] = Double.NaN;
                }
            }, "share " + t);
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        return Arrays.stream(ms).average().orElse(Double.NaN);
    }

    private Measure snn(Dataset<Row> df, String row, int batch) {
        boolean bf16 = row.equals("barrier-bf16");
        boolean socket = row.equals("barrier-socket");
        String mode = row.startsWith("barrier") ? "barrier" : row;
        org.apache.spark.SparkContext sc = df.sparkSession().sparkContext();
        sc.setLocalProperty("spark.snn.aggregation.transport", socket ? "socket" : null);
        SpikingNetworkModel m;
        try {
            m = new SpikingNetworkClassifier().setModelSpec(model).setTimeSteps(timeSteps)
                    .setBatchSize(batch).setEpochs(epochs).setSeed(42).setSyncMode(mode).setAggregationFanIn(fanIn)
                    .setTransportPrecision(bf16 ? "bfloat16" : "float32")
                    .fit(df);
        } finally {
            sc.setLocalProperty("spark.snn.aggregation.transport", null);
        }
        if (!m.summary().syncMode().equals(mode)) {
            throw new IllegalStateException("asked for syncMode " + mode + " but " + m.summary().syncMode()
                    + " ran (too few task slots on " + master + "?)");
        }
        double seconds = 0;
        double step = 0;
        double compute = 0;
        double aggr = 0;
        double opt = 0;
        double bytes = 0;
        int steps = 0;
        for (EpochMetrics e : m.summary().epochs()) {
            seconds += e.seconds();
            step += e.stepMillis() * e.steps();
            compute += e.computeMillis() * e.steps();
            aggr += e.aggregationMillis() * e.steps();
            opt += e.optimizerMillis() * e.steps();
            bytes += e.driverBytesPerStep() * e.steps();
            steps += e.steps();
        }
        double a = aggr / steps;
        double o = opt / steps;
        double s = step / steps;
        double c = compute / steps;
        // The transport is named from what was measured: in process, nothing passes through the driver's sockets.
        return new Measure(mode + " " + master + (mode.equals("barrier") ? (fanIn == 0 ? ", star" : ", fan-in " + fanIn)
                + (bytes == 0 ? ", in-process" : ", sockets") + (bf16 ? ", bf16" : "") : ""), m.summary().numTrainingSamples() * (double) epochs / seconds, s, c,
                s - c - (Double.isNaN(a) ? 0 : a) - (Double.isNaN(o) ? 0 : o), a, o, bytes / steps);
    }

    private static Measure median(List<Measure> rows) {
        int k = rows.size();
        double[][] cols = new double[7][k];
        for (int i = 0; i < k; i++) {
            Measure r = rows.get(i);
            double[] v = {r.imagesPerSecond(), r.stepMs(), r.computeMs(), r.transferMs(), r.aggregationMs(),
                    r.optimizerMs(), r.driverBytes()};
            for (int j = 0; j < 7; j++) {
                cols[j][i] = v[j];
            }
        }
        double[] med = new double[7];
        for (int j = 0; j < 7; j++) {
            Arrays.sort(cols[j]);
            med[j] = cols[j][k / 2];
        }
        return new Measure(rows.get(0).name(), med[0], med[1], med[2], med[3], med[4], med[5], med[6]);
    }

    private static double medianOf(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) {
            sb.append(sb.length() == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.3f", d));
        }
        return sb.toString();
    }

    private SparkSession session() {
        SparkSession.Builder b = SparkSession.builder().master(master).appName("snn bench spark " + master)
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.log.level", "WARN").config("spark.task.maxDirectResultSize", directResult);
        // local-cluster: executor JVMs from the same jars as this one, with the same module flags (as `snn train`
        // starts them; without --add-modules jdk.incubator.vector an executor's kernels would not be this JVM's).
        return io.github.sparksnn.examples.SparkLaunch.start(
                b.config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1"), master);
    }

    /**
     * The first {@code limit} images (0: all) in {@code --partitions} partitions of equal size: the source reads
     * contiguous record ranges, so a prefix alone would sit in the first partitions and leave the others empty.
     */
    private Dataset<Row> data(SparkSession spark, String split, long limit) {
        Dataset<Row> d = IdxDataFrames.load(spark, dataDir, split, partitions);
        return limit > 0 ? d.filter(col("index").lt(limit)).repartition(partitions) : d;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkBenchCommand()).execute(args));
    }
}
