package io.github.sparksnn.bench;

import io.github.sparksnn.examples.SparkLaunch;
import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.ml.SpikingNetworkClassifier;
import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.stream.SpikingStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code snn bench stream}: events per second through {@link SpikingStream} against the same model's offline batch
 * inference over the same events, in one run on one session. The events are {@code --keys} keys times
 * {@code --steps} single-step events of random pixels; offline, each event is one sample with {@code T = 1} (the
 * classifier's {@code transform}), once from a cached DataFrame of vectors into Spark's {@code noop} sink and once
 * from the stream's own Parquet files into Parquet; streamed, they arrive as Parquet files, {@code --batch-events}
 * events in {@code --files-per-batch} files per micro-batch (available-now trigger), and go out as Parquet. It
 * reports the stream's rate over all micro-batches and after the first (which also starts the query, generates its
 * code and opens the state stores), each row's CPU seconds (every thread of the process), per
 * micro-batch the stateful operator's time and the state store's commit time (from the query's progress)
 * and the state's size per key. The operator's time is Spark's {@code allUpdatesTimeMs}: it counts the per-key
 * function (the network's steps), the store's reads and writes, and, because rows are pulled through, the sink
 * downstream; it is not the store's own time. The model is the default MLP with its seeded initial weights: throughput does not depend
 * on what the weights learned, only on the shapes and on how often neurons fire, which is reported.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Streamed inference (state per key, RocksDB) vs offline batch inference, same events.")
public final class StreamBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--keys", defaultValue = "2000", description = "Keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--steps", defaultValue = "20", description = "Events per key (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-events", defaultValue = "10000",
            description = "Events per micro-batch (default: ${DEFAULT-VALUE}).")
    int batchEvents;

    @Option(names = "--files-per-batch", defaultValue = "1",
            description = "Parquet files per micro-batch, each read as one map task (default: ${DEFAULT-VALUE}).")
    int filesPerBatch;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cpu-portable (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--progress", description = "Also print each micro-batch's durations (Spark's progress).")
    boolean progressLines;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--work-dir", defaultValue = "runs/bench-stream",
            description = "Scratch folder, emptied first (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (keys < 1 || steps < 1 || batchEvents < 1 || filesPerBatch < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--keys, --steps, --batch-events and --files-per-batch must be >= 1");
        }
        TrainJob.quietLogging();
        PrintWriter out = spec.commandLine().getOut();
        SparkSession spark = SparkLaunch.start(SparkSession.builder().appName("spark-snn bench stream").master(master)
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.streaming.stateStore.providerClass", SpikingStream.ROCKSDB_PROVIDER), master);
        spark.sparkContext().setLogLevel("WARN");
        try {
            if (Files.exists(workDir)) {
                try (var walk = Files.walk(workDir)) {
                    for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(workDir);
            int partitions = spark.sparkContext().defaultParallelism();
            spark.conf().set("spark.sql.shuffle.partitions", partitions);
            int files = filesPerBatch;
            // the events, time-major: step t of every key, then step t + 1
            StructType schema = new StructType().add("key", DataTypes.StringType).add("time", DataTypes.LongType)
                    .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false))
                    .add("label", DataTypes.DoubleType);
            SplittableRandom rng = new SplittableRandom(7);
            List<Row> events = new ArrayList<>(keys * steps);
            for (int t = 0; t < steps; t++) {
                for (int k = 0; k < keys; k++) {
                    double[] x = new double[784];
                    for (int j = 0; j < x.length; j++) {
                        x[j] = rng.nextInt(256) / 255.0;
                    }
                    events.add(RowFactory.create("k" + k, (long) t, x, 0.0));
                }
            }
            Path in = workDir.resolve("in");
            for (int from = 0; from < events.size(); from += batchEvents) {
                spark.createDataFrame(events.subList(from, Math.min(events.size(), from + batchEvents)), schema)
                        .repartition(files).write().mode("append").parquet(in.toString());
            }
            Dataset<Row> asVectors = vectors(spark.read().parquet(in.toString())).repartition(partitions).cache();
            long n = asVectors.count();
            SpikingNetworkModel model = new SpikingNetworkClassifier().setEpochs(0).setSeed(42)
                    .fit(asVectors.limit(16)).setTimeSteps(1).setBackend(backend);

            long c0 = cpuNanos();
            long t0 = System.nanoTime();
            model.transform(asVectors).write().format("noop").mode("overwrite").save();
            double offlineSeconds = (System.nanoTime() - t0) / 1e9;
            double offlineCpu = (cpuNanos() - c0) / 1e9;

            // the same events as a batch job would take them: from the same files, into Parquet
            long c2 = cpuNanos();
            long t2 = System.nanoTime();
            model.transform(vectors(spark.read().parquet(in.toString())))
                    .select("rawPrediction", "probability", "prediction").write().mode("overwrite")
                    .parquet(workDir.resolve("offline-out").toString());
            double filesSeconds = (System.nanoTime() - t2) / 1e9;
            double filesCpu = (cpuNanos() - c2) / 1e9;

            SpikingStream stage = new SpikingStream(model).setBackend(backend);
            stage.checkCheckpoint(spark, workDir.resolve("ck").toString());
            Dataset<Row> src = spark.readStream().schema(schema).option("maxFilesPerTrigger", files)
                    .parquet(in.toString());
            long c1 = cpuNanos();
            long t1 = System.nanoTime();
            StreamingQuery q = stage.transform(src).writeStream().format("parquet")
                    .option("path", workDir.resolve("out").toString())
                    .option("checkpointLocation", workDir.resolve("ck").toString())
                    .trigger(Trigger.AvailableNow()).start();
            q.awaitTermination();
            double streamSeconds = (System.nanoTime() - t1) / 1e9;
            double streamCpu = (cpuNanos() - c1) / 1e9;

            long streamed = 0;
            double operatorMs = 0;
            double commitMs = 0;
            double batchMs = 0;
            long stateBytes = 0;
            long stateRows = 0;
            StreamingQueryProgress[] progress = q.recentProgress();
            long laterEvents = 0;
            double laterMs = 0;
            for (StreamingQueryProgress p : progress) {
                if (p.batchId() > 0) { // after the query's start, its first codegen and the state stores' opening
                    laterEvents += p.numInputRows();
                    Long ms = p.durationMs().get("triggerExecution");
                    laterMs += ms == null ? 0 : ms;
                }
                if (progressLines) {
                    out.printf(Locale.ROOT, "micro-batch %d: %d events, ms %s, stateful operator %s%n", p.batchId(),
                            p.numInputRows(), new java.util.TreeMap<>(p.durationMs()), java.util.Arrays.stream(
                                    p.stateOperators()).map(s -> s.allUpdatesTimeMs() + " ms, commit "
                                    + s.commitTimeMs() + " ms").toList());
                }
                streamed += p.numInputRows();
                Long trigger = p.durationMs().get("triggerExecution");
                batchMs += trigger == null ? 0 : trigger;
                for (StateOperatorProgress s : p.stateOperators()) {
                    operatorMs += s.allUpdatesTimeMs() + s.allRemovalsTimeMs();
                    commitMs += s.commitTimeMs();
                    stateBytes = s.memoryUsedBytes();
                    stateRows = s.numRowsTotal();
                }
            }
            int batches = Math.max(1, progress.length);
            double spikes = spark.read().parquet(workDir.resolve("out").toString())
                    .selectExpr("aggregate(output, 0D, (a, x) -> a + x) as s").agg(
                            org.apache.spark.sql.functions.avg("s")).first().getDouble(0);
            out.printf(Locale.ROOT, "events %d (%d keys x %d steps), micro-batches of %d in %d files, %d partitions,"
                    + " backend %s, master %s%n", n, keys, steps, batchEvents, files, partitions, backend, master);
            out.printf(Locale.ROOT, "| %-34s | %12s | %9s | %8s | %9s |%n", "row", "events/s", "seconds", "vs offline",
                    "cpu-s");
            out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %8s | %9.2f |%n", "offline batch inference (T = 1)",
                    n / offlineSeconds, offlineSeconds, "1.00x", offlineCpu);
            out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %7.2fx | %9.2f |%n", "offline, same files to Parquet",
                    n / filesSeconds, filesSeconds, offlineSeconds / filesSeconds, filesCpu);
            out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %7.2fx | %9.2f |%n", "stream (state per key, RocksDB)",
                    streamed / streamSeconds, streamSeconds, (streamed / streamSeconds) / (n / offlineSeconds),
                    streamCpu);
            if (laterEvents > 0 && laterMs > 0) {
                out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %7.2fx | %9s |%n", "stream, after its 1st micro-batch",
                        laterEvents / (laterMs / 1e3), laterMs / 1e3, (laterEvents / (laterMs / 1e3))
                                / (n / offlineSeconds), "");
            }
            out.printf(Locale.ROOT, "per micro-batch: %.0f ms in all; summed over partitions, %.0f ms in the stateful"
                    + " operator (per-key steps, state reads and writes, the sink it feeds) and %.0f ms committing the"
                    + " state store; state %d keys, %s bytes per key in memory; output spikes per event %.2f; late"
                    + " events %d; stream vs offline from the same files %.2fx%n",
                    batchMs / batches, operatorMs / batches, commitMs / batches, stateRows,
                    stateRows == 0 ? "?" : Long.toString(stateBytes / stateRows), spikes, stage.lateEvents().value(),
                    (streamed / streamSeconds) / (n / filesSeconds));
            out.flush();
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** The events' features as vectors with their labels, as the classifier takes them. */
    static Dataset<Row> vectors(Dataset<Row> events) {
        return events.map((org.apache.spark.api.java.function.MapFunction<Row, Row>) r -> {
            List<Double> f = r.getList(2);
            double[] d = new double[f.size()];
            for (int j = 0; j < d.length; j++) {
                d[j] = f.get(j);
            }
            return RowFactory.create(Vectors.dense(d), r.getDouble(3));
        }, org.apache.spark.sql.Encoders.row(new StructType().add("features",
                org.apache.spark.ml.linalg.SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType)));
    }

    /** CPU time of this process so far (every thread: driver and local executors), or 0 where the JVM hides it. */
    static long cpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? Math.max(0, os.getProcessCpuTime()) : 0;
    }
}
