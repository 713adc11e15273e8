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
 * events in {@code --files-per-batch} files per micro-batch (default one per partition, so that the map side runs on
 * every core; available-now trigger), and go out as Parquet. Each row runs twice and the second pass is timed
 * ({@code --no-warmup}: once), as JMH warms up: the first pass of a row in a fresh JVM spends much of its time
 * compiling (Spark's generated code, then the JIT at up to a core for tens of seconds), and a stream runs for hours.
 * The offline rows' cached DataFrame is released and the events are written one micro-batch at a time, so neither
 * weighs on the stream's garbage collector. It
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

    @Option(names = "--files-per-batch", defaultValue = "0",
            description = "Parquet files per micro-batch, each read as one map task (default: 0, one per partition).")
    int filesPerBatch;

    @Option(names = "--warmup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Time each row on a second pass, after a first that warms the JVM up (default: on).")
    boolean warmup;

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
        if (keys < 1 || steps < 1 || batchEvents < 1 || filesPerBatch < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--keys, --steps and --batch-events must be >= 1, --files-per-batch >= 0");
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
            int files = filesPerBatch > 0 ? filesPerBatch : partitions;
            // the events, time-major: step t of every key, then step t + 1
            StructType schema = new StructType().add("key", DataTypes.StringType).add("time", DataTypes.LongType)
                    .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false))
                    .add("label", DataTypes.DoubleType);
            // written one micro-batch at a time, so that no copy of all the events stays on the heap
            SplittableRandom rng = new SplittableRandom(7);
            Path in = workDir.resolve("in");
            long total = (long) keys * steps;
            for (long from = 0; from < total; from += batchEvents) {
                List<Row> batch = new ArrayList<>();
                for (long i = from; i < Math.min(total, from + batchEvents); i++) {
                    double[] x = new double[784];
                    for (int j = 0; j < x.length; j++) {
                        x[j] = rng.nextInt(256) / 255.0;
                    }
                    batch.add(RowFactory.create("k" + (i % keys), i / keys, x, 0.0));
                }
                spark.createDataFrame(batch, schema).repartition(files).write().mode("append").parquet(in.toString());
            }
            Dataset<Row> asVectors = vectors(spark.read().parquet(in.toString())).repartition(partitions).cache();
            long n = asVectors.count();
            SpikingNetworkModel model = new SpikingNetworkClassifier().setEpochs(0).setSeed(42)
                    .fit(asVectors.limit(16)).setTimeSteps(1).setBackend(backend);

            Passes passes = new Passes(warmup);
            Run offline = passes.time(() ->
                    model.transform(asVectors).write().format("noop").mode("overwrite").save());
            asVectors.unpersist(true); // its 784 doubles per event need not weigh on the rows below

            // the same events as a batch job would take them: from the same files, into Parquet
            Run fromFiles = passes.time(() -> model.transform(vectors(spark.read().parquet(in.toString())))
                    .select("rawPrediction", "probability", "prediction").write().mode("overwrite")
                    .parquet(workDir.resolve("offline-out").toString()));

            SpikingStream stage = new SpikingStream(model).setBackend(backend);
            int[] pass = new int[1];
            Run streamRun = passes.time(() -> {
                // each pass a new query (its own checkpoint and output): the same work from empty state
                Path ck = workDir.resolve("ck" + pass[0]);
                Path sink = workDir.resolve("out" + pass[0]++);
                stage.checkCheckpoint(spark, ck.toString());
                Dataset<Row> src = spark.readStream().schema(schema).option("maxFilesPerTrigger", files)
                        .parquet(in.toString());
                try {
                    StreamingQuery query = stage.transform(src).writeStream().format("parquet")
                            .option("path", sink.toString()).option("checkpointLocation", ck.toString())
                            .trigger(Trigger.AvailableNow()).start();
                    query.awaitTermination();
                    return query;
                } catch (java.util.concurrent.TimeoutException
                         | org.apache.spark.sql.streaming.StreamingQueryException e) {
                    throw new IllegalStateException("the stream failed: " + e.getMessage(), e);
                }
            });
            StreamingQuery q = (StreamingQuery) streamRun.result();
            Path sinkDir = workDir.resolve("out" + (pass[0] - 1)); // the timed pass's output

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
            double spikes = spark.read().parquet(sinkDir.toString())
                    .selectExpr("aggregate(output, 0D, (a, x) -> a + x) as s").agg(
                            org.apache.spark.sql.functions.avg("s")).first().getDouble(0);
            out.printf(Locale.ROOT, "events %d (%d keys x %d steps), micro-batches of %d in %d files, %d partitions,"
                    + " backend %s, master %s, %s%n", n, keys, steps, batchEvents, files, partitions, backend, master,
                    warmup ? "each row timed on its second pass (the first warms the JVM up)" : "one pass each (cold)");
            out.printf(Locale.ROOT, "| %-34s | %12s | %9s | %8s | %9s |%n", "row", "events/s", "seconds", "vs offline",
                    "cpu-s");
            out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %8s | %9.2f |%n", "offline batch inference (T = 1)",
                    n / offline.seconds(), offline.seconds(), "1.00x", offline.cpuSeconds());
            out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %7.2fx | %9.2f |%n", "offline, same files to Parquet",
                    n / fromFiles.seconds(), fromFiles.seconds(), offline.seconds() / fromFiles.seconds(),
                    fromFiles.cpuSeconds());
            out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %7.2fx | %9.2f |%n", "stream (state per key, RocksDB)",
                    streamed / streamRun.seconds(), streamRun.seconds(),
                    (streamed / streamRun.seconds()) / (n / offline.seconds()), streamRun.cpuSeconds());
            if (laterEvents > 0 && laterMs > 0) {
                out.printf(Locale.ROOT, "| %-34s | %12.0f | %9.2f | %7.2fx | %9s |%n", "stream, after its 1st micro-batch",
                        laterEvents / (laterMs / 1e3), laterMs / 1e3, (laterEvents / (laterMs / 1e3))
                                / (n / offline.seconds()), "");
            }
            out.printf(Locale.ROOT, "per micro-batch: %.0f ms in all; summed over partitions, %.0f ms in the stateful"
                    + " operator (per-key steps, state reads and writes, the sink it feeds) and %.0f ms committing the"
                    + " state store; state %d keys, %s bytes per key in memory; output spikes per event %.2f; late"
                    + " events %d; stream vs offline from the same files %.2fx%n",
                    batchMs / batches, operatorMs / batches, commitMs / batches, stateRows,
                    stateRows == 0 ? "?" : Long.toString(stateBytes / stateRows), spikes, stage.lateEvents().value(),
                    (streamed / streamRun.seconds()) / (n / fromFiles.seconds()));
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

    /** A row's measured pass: its wall and CPU seconds and what the timed work returned. */
    record Run(double seconds, double cpuSeconds, Object result) {
    }

    /** Times each row on its second pass when warming up (the JIT and Spark's code generation run on the first). */
    record Passes(boolean warmup) {
        Run time(Runnable work) {
            return time(() -> {
                work.run();
                return null;
            });
        }

        Run time(java.util.function.Supplier<?> work) {
            if (warmup) {
                work.get();
            }
            long c = cpuNanos();
            long t = System.nanoTime();
            Object r = work.get();
            return new Run((System.nanoTime() - t) / 1e9, (cpuNanos() - c) / 1e9, r);
        }
    }
}
