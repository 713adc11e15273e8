package io.github.sparksnn.bench.scale;

import io.github.sparksnn.data.IdxDataset;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.ml.train.DistributedTrainer;
import io.github.sparksnn.ml.train.LrSchedule;
import io.github.sparksnn.ml.train.SyncMode;
import io.github.sparksnn.ml.train.TrainingListener;
import io.github.sparksnn.ml.train.engine.CoreEngineFactory;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.EpochMetrics;
import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import io.github.sparksnn.train.EngineConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * The measuring side of {@code snn bench scale}: the Spark application, run by {@link ScaleBenchCommand} inside the
 * driver's namespace ({@code ip netns exec PREFIX-drv java ... ScaleDriver ...}) against the standalone Master and
 * the Workers it started on the emulated hosts. Not a user command: its options are what the bench passes.
 *
 * <p>Per row (P = 1, 2, 4, ... up to the hosts), one run of the internal trainer ({@link DistributedTrainer}, the
 * Estimator's own, over sockets in barrier mode) with P x K tasks, {@code --steps} steps per epoch and two epochs:
 * the first warms the row up (stage start, connections, buffers), the second is measured. Its {@link EpochMetrics}
 * give step, compute and wait; the bridge ports' counters, read at the end of its first and of its last step, give
 * the bytes on every link over the steps between.
 */
@Command(name = "scale-driver", hidden = true, mixinStandardHelpOptions = true,
        description = "Internal: the Spark application of `snn bench scale` (run inside the driver's namespace).")
public final class ScaleDriver implements Callable<Integer> {

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--master", required = true)
    String master;
    @Option(names = "--driver-address", required = true)
    String driverAddress;
    @Option(names = "--switch-ns", required = true)
    String switchNs;
    @Option(names = "--hosts", required = true)
    int hosts;
    @Option(names = "--tasks-per-host", defaultValue = "1")
    int tasksPerHost;
    @Option(names = "--threads-per-task", defaultValue = "1")
    int threadsPerTask;
    @Option(names = "--link-gbit", required = true)
    double gbit;
    @Option(names = "--model", required = true)
    String model;
    @Option(names = "--batch-per-task", required = true)
    int batchPerTask;
    @Option(names = "--nanos-per-image", description = "Simulated compute when given (calibrated by the bench).")
    Double nanosPerImage;
    @Option(names = "--final-schedule", defaultValue = "",
            description = "When simulated tasks' gradient ranges become final (from@fraction,...; calibrated).")
    String finalSchedule;
    @Option(names = "--fan-in", defaultValue = "2")
    int fanIn;
    @Option(names = "--steps", required = true)
    int steps;
    @Option(names = "--warmup-steps", defaultValue = "100")
    int warmupSteps;
    @Option(names = "--data-dir", defaultValue = TrainJob.DEFAULT_DATA)
    Path dataDir;
    @Option(names = "--executor-memory", defaultValue = "1g")
    String executorMemory;

    /** A host whose link moved more than this many bytes a step (either way) took part in the row. */
    static final double USED_BYTES = 100_000;
    /** Distinct images broadcast to the executors (25 MB). */
    static final int DISTINCT_IMAGES = 8192;

    private final PrintStream log = System.err;

    @Override
    public Integer call() throws Exception {
        TrainJob.quietLogging();
        EngineConfig cfg = engineConfig();
        int numParams = cfg.initialParameters().length;
        boolean simulated = nanosPerImage != null;
        EngineFactory engines = simulated
                ? new SimulatedEngineFactory(numParams,
                        io.github.sparksnn.model.Network.initialRunningStatistics(cfg.spec(), cfg.inputShape()).length,
                        cfg.featureSize(), cfg.numClasses(), nanosPerImage, 42, finalSchedule)
                : new CoreEngineFactory(cfg);
        int maxTasks = hosts * tasksPerHost;
        // At most DISTINCT_IMAGES distinct images (tasks wrap around them): the broadcast stays small.
        float[][] images = images((int) Math.min(DISTINCT_IMAGES,
                (long) maxTasks * Math.max(steps, warmupSteps) * batchPerTask));

        String cp = System.getProperty("java.class.path");
        String opens = String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
                .stream().filter(a -> a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognized")
                        || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")).toList());
        // The cost model sees the gradient leave during the backward pass as the tasks do (simulated: on the
        // calibrated schedule; real: the engine reports its ranges the same way).
        double[][] sched = SimulatedEngineFactory.schedule(finalSchedule, numParams);
        double[] ready = sched[0].length == 0 ? null : ScaleCostModel.readyFromSchedule(numParams, sched[0], sched[1]);
        String emulatedBits = null;
        int bitsTasks = 0;
        SparkSession spark = SparkSession.builder().master(master).appName("snn bench scale")
                .config("spark.driver.host", driverAddress).config("spark.driver.bindAddress", driverAddress)
                .config("spark.executor.extraClassPath", cp).config("spark.executor.extraJavaOptions", opens)
                .config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .config("spark.executor.cores", Integer.toString(tasksPerHost * threadsPerTask))
                .config("spark.task.cpus", Integer.toString(threadsPerTask))
                .config("spark.executor.memory", executorMemory)
                .config("spark.cores.max", Integer.toString(maxTasks * threadsPerTask))
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.log.level", "WARN").config("spark.locality.wait", "0s")
                .getOrCreate();
        try (LinkCounters.Reader counters = new LinkCounters.Reader(switchNs)) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Broadcast<float[][]> data = jsc.broadcast(images);
            waitForExecutors(spark, hosts, 180);
            log.printf(Locale.ROOT, "scale: %d executors up; warm-up run on all %d tasks (%d steps)%n", hosts,
                    maxTasks, warmupSteps);
            if (warmupSteps > 0) {
                fit(jsc, engines, data, maxTasks, warmupSteps, 1, null);
            }
            List<ScaleRow> rows = new ArrayList<>();
            for (int p : ScaleBenchCommand.rowHosts(hosts)) {
                int tasks = p * tasksPerHost;
                log.printf(Locale.ROOT, "scale: row P=%d (%d tasks, %d steps measured) ...%n", p, tasks, steps - 1);
                log.flush();
                Window w = new Window(counters);
                DistributedTrainer.Result r = fit(jsc, engines, data, tasks, steps, 2, w);
                if (w.failure != null) {
                    throw w.failure;
                }
                EpochMetrics m = r.history().get(r.history().size() - 1);
                if (r.syncMode() != SyncMode.BARRIER) {
                    throw new IllegalStateException("barrier mode did not run (" + r.syncMode() + ")");
                }
                rows.add(row(p, tasks, simulated, m, LinkCounters.delta(w.before, w.after), steps - 1));
                emulatedBits = bits(r);
                bitsTasks = tasks;
                log.println("scale: " + ScaleReport.lines(List.of(rows.get(0), rows.get(rows.size() - 1)), numParams,
                        gbit, fanIn, ready).get(3));
            }
            System.out.printf(Locale.ROOT, "bench scale: %s (%,d parameters), T=4, batch %d per task, %d task(s) of "
                            + "%d thread(s) per host, fan-in %d, links %s Gbit/s each way, %d measured steps per row, compute %s%n",
                    model, numParams, batchPerTask, tasksPerHost, threadsPerTask, fanIn, gbit, steps - 1,
                    simulated ? String.format(Locale.ROOT, "simulated (%.1f us per image, calibrated)",
                            nanosPerImage / 1e3) : "real");
            for (String line : ScaleReport.lines(rows, numParams, gbit, fanIn, ready)) {
                System.out.println(line);
            }
            System.out.flush();
        } finally {
            spark.stop();
        }
        if (simulated || emulatedBits == null) {
            return 0;
        }
        // Real compute: the largest row's parameters against the same training in one JVM under a local master
        // (in-process transport, which BarrierTrainingTest holds bit-equal to local-cluster over sockets).
        String local = localBits(engines, images, bitsTasks);
        boolean same = local.equals(emulatedBits);
        System.out.printf(Locale.ROOT, "scale: bits P=%d emulated=%s local=%s %s%n", bitsTasks,
                emulatedBits.substring(0, 16), local.substring(0, 16), same ? "identical" : "DIFFERENT");
        return same ? 0 : io.github.sparksnn.cli.SnnCli.EXIT_CHECK_FAILED;
    }

    /** The bits of a run's parameters and batch-norm statistics: SHA-256 over their float bits, little-endian. */
    static String bits(DistributedTrainer.Result r) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (float[] v : new float[][]{r.params(), r.buffers()}) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                md.update(b.array());
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@link #bits} of the same two-epoch row trained in this JVM under {@code local[tasks x threads]} with the same
     * {@code spark.task.cpus} (the engines' thread count is part of the bits).
     */
    private String localBits(EngineFactory engines, float[][] images, int tasks) {
        SparkSession local = SparkSession.builder().master("local[" + tasks * threadsPerTask + "]")
                .config("spark.task.cpus", Integer.toString(threadsPerTask)).appName("snn bench scale (local)")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.log.level", "WARN").getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(local.sparkContext());
            return bits(fit(jsc, engines, jsc.broadcast(images), tasks, steps, 2, null));
        } finally {
            local.stop();
        }
    }

    /** The counters at the end of the measured epoch's first step and of its last. */
    private static final class Window implements TrainingListener {
        private final LinkCounters.Reader counters;
        Map<String, LinkCounters.Count> before;
        Map<String, LinkCounters.Count> after;
        Exception failure;

        Window(LinkCounters.Reader counters) {
            this.counters = counters;
        }

        @Override
        public void onStep(int epoch, int epochs, int step, int stepsPerEpoch, double batchLoss, long samples,
                           double imagesPerSecond) {
            if (epoch != epochs - 1 || (step != 0 && step != stepsPerEpoch - 1)) {
                return;
            }
            try {
                if (step == 0) {
                    before = counters.read();
                } else {
                    after = counters.read();
                }
            } catch (Exception e) {
                failure = e;
            }
        }
    }

    private ScaleRow row(int p, int tasks, boolean simulated, EpochMetrics m, Map<String, LinkCounters.Count> d,
                         int windowSteps) {
        if (d.isEmpty()) {
            throw new IllegalStateException("no link counters were read for row P=" + p);
        }
        String busiest = "?";
        double bOut = 0;
        double bIn = 0;
        int used = 0;
        for (Map.Entry<String, LinkCounters.Count> e : d.entrySet()) {
            String port = e.getKey();
            if (!port.startsWith("p")) {
                continue; // br0, lo
            }
            double out = e.getValue().sent() / (double) windowSteps;
            double in = e.getValue().received() / (double) windowSteps;
            if (Math.max(out, in) > Math.max(bOut, bIn)) {
                busiest = port.equals("pdrv") ? "drv" : "h" + port.substring(1);
                bOut = out;
                bIn = in;
            }
            if (!port.equals("pdrv") && Math.max(out, in) > USED_BYTES) {
                used++;
            }
        }
        LinkCounters.Count drv = d.get("pdrv");
        return new ScaleRow(p, tasks, used, simulated, (long) tasks * batchPerTask, m.stepMillis(), m.computeMillis(),
                m.taskWaitMillis(), busiest, bOut, bIn, drv == null ? Double.NaN : drv.sent() / (double) windowSteps,
                drv == null ? Double.NaN : drv.received() / (double) windowSteps);
    }

    private DistributedTrainer.Result fit(JavaSparkContext jsc, EngineFactory engines, Broadcast<float[][]> data,
                                          int tasks, int stepsPerEpoch, int epochs, TrainingListener listener) {
        int perTask = stepsPerEpoch * batchPerTask;
        // Each executor cuts its block from the broadcast (sent once per executor for the whole run), so no stage
        // carries the images in its tasks.
        JavaRDD<PackedBlock> rdd = jsc.parallelize(java.util.stream.IntStream.range(0, tasks).boxed().toList(), tasks)
                .map(t -> block(data.value(), t, perTask)).persist(StorageLevel.MEMORY_ONLY());
        try {
            int[] sizes = new int[tasks];
            for (int[] ps : rdd.map(b -> new int[]{b.partition, b.size}).collect()) {
                sizes[ps[0]] = ps[1];
            }
            DistributedTrainer.Config c = new DistributedTrainer.Config(42, tasks * batchPerTask, epochs, 2, 1, null,
                    1, false, "bench-scale", SyncMode.BARRIER, fanIn, 300, false);
            EngineConfig cfg = engineConfig();
            return new DistributedTrainer(jsc, c, engines, new OptimizerUpdateRule.Factory("adam"),
                    LrSchedule.perEpoch(1e-3, "constant", epochs))
                    .listener(listener).fit(rdd, sizes, null, cfg.initialParameters(),
                            io.github.sparksnn.model.Network.initialRunningStatistics(cfg.spec(), cfg.inputShape()));
        } finally {
            rdd.unpersist(false);
        }
    }

    /** Task {@code t}'s images: {@code perTask} consecutive ones from {@code t x perTask}, wrapping around. */
    static PackedBlock block(float[][] data, int t, int perTask) {
        int total = data[1].length;
        float[] x = new float[perTask * 784];
        int[] y = new int[perTask];
        for (int i = 0; i < perTask; i++) {
            int src = (int) (((long) t * perTask + i) % total);
            System.arraycopy(data[0], src * 784, x, i * 784, 784);
            y[i] = (int) data[1][src];
        }
        return new PackedBlock(t, 784, perTask, x, y, 9, null);
    }

    private EngineConfig engineConfig() {
        return EngineConfig.builder().modelSpec(model).inputShape(1, 28, 28).timeSteps(4).encoder("direct")
                .loss("mse").seed(42).threads(1).build();
    }

    /** {@code [features (784 a image), labels as floats]}: Fashion-MNIST's first images, else seeded noise. */
    private float[][] images(int n) {
        if (Files.isRegularFile(dataDir.resolve("train-images-idx3-ubyte.gz"))
                || Files.isRegularFile(dataDir.resolve("train-images-idx3-ubyte"))) {
            IdxDataset d = IdxReader.load(dataDir, true);
            IdxDataset h = d.head(Math.min(n, d.size()));
            float[] y = new float[h.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = h.labels()[i];
            }
            return new float[][]{h.features(), y};
        }
        log.println("scale: no Fashion-MNIST in " + dataDir + ": seeded random images instead");
        SplittableRandom r = new SplittableRandom(42);
        float[] x = new float[n * 784];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(10);
        }
        return new float[][]{x, y};
    }

    private static void waitForExecutors(SparkSession spark, int n, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < n + 1) { // + the driver
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + (spark.sparkContext().statusTracker().getExecutorInfos().length
                        - 1) + " of " + n + " executors registered within " + seconds + " s (see the workers' logs)");
            }
            Thread.sleep(200);
        }
    }

    public static void main(String[] args) {
        System.exit(io.github.sparksnn.cli.SnnCli.configure(new CommandLine(new ScaleDriver())).execute(args));
    }
}
