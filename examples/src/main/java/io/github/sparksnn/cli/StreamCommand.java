package io.github.sparksnn.cli;

import io.github.sparksnn.data.IdxImages;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.examples.SparkLaunch;
import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.stream.SpikingStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code snn stream}: a trained model over event files as they land in a folder (Spark's file source, JSON or
 * Parquet), one time step per event, neuron state per key in the RocksDB state store, Parquet out
 * ({@link SpikingStream}). {@code --trigger available-now} processes what is there and exits, so a script can run
 * it to completion and run it again later from the same checkpoint. {@code snn stream generate} writes
 * Fashion-MNIST test images as per-key event files to try it on.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = {"Spiking inference on a stream of events (key, time, features), neuron state kept per key.",
                "Example: snn stream generate --output runs/events && snn stream --model runs/train/model"
                        + " --input runs/events --output runs/stream-out --checkpoint runs/stream-ck"},
        subcommands = {StreamCommand.Generate.class})
public final class StreamCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "A saved model (snn train writes runs/train/model).")
    String model;

    @Option(names = "--input", paramLabel = "DIR", description = "The folder the event files land in.")
    String input;

    @Option(names = "--output", paramLabel = "DIR", description = "Where the Parquet output goes.")
    String output;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "The query's checkpoint (offsets, per-key state); rerun with the same one to continue.")
    String checkpoint;

    @Option(names = "--format", defaultValue = "json",
            description = "json (one event per line) or parquet (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--key-col", defaultValue = "key", description = "Key column (default: ${DEFAULT-VALUE}).")
    String keyCol;

    @Option(names = "--time-col", defaultValue = "time",
            description = "Sequence number (integer) or timestamp column (default: ${DEFAULT-VALUE}).")
    String timeCol;

    @Option(names = "--features-col", defaultValue = "features",
            description = "Features column, one time step (default: ${DEFAULT-VALUE}).")
    String featuresCol;

    @Option(names = "--trigger", defaultValue = "available-now",
            description = "available-now (process what is there, then exit) or an interval such as '10 seconds'"
                    + " (run until stopped) (default: ${DEFAULT-VALUE}).")
    String trigger;

    @Option(names = "--files-per-batch", defaultValue = "0",
            description = "Most files per micro-batch (0: all that are there) (default: ${DEFAULT-VALUE}).")
    int filesPerBatch;

    @Option(names = "--reset-gap", defaultValue = "0",
            description = "A gap in time beyond which a key starts afresh (0: never) (default: ${DEFAULT-VALUE}).")
    long resetGap;

    @Option(names = "--state-timeout-ms", defaultValue = "0",
            description = "Forget a key after this long without events (0: never) (default: ${DEFAULT-VALUE}).")
    long stateTimeoutMs;

    @Option(names = "--backend", defaultValue = "cpu",
            description = "cpu or cpu-portable (bit-equal to offline inference) (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--hidden-layers", split = ",", paramLabel = "I",
            description = "Also emit these layers' outputs, 1-based positions in the model spec, e.g. 3,5: one column"
                    + " snn_layer<i>_<kind> each (default: none).")
    int[] hiddenLayers = new int[0];

    @Option(names = "--partitions", defaultValue = "4",
            description = "State partitions of a new checkpoint (fixed for its life) (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
    String master;

    @Override
    public Integer call() throws IOException, TimeoutException {
        if (model == null || input == null || output == null || checkpoint == null) {
            throw Commands.usage(spec, "--model, --input, --output and --checkpoint are required (or run 'snn stream"
                    + " generate')");
        }
        if (!format.equals("json") && !format.equals("parquet")) {
            throw Commands.usage(spec, "--format must be json or parquet, got '" + format + "'");
        }
        if (filesPerBatch < 0 || partitions < 1) {
            throw Commands.usage(spec, "--files-per-batch must be >= 0 and --partitions >= 1");
        }
        Trigger trig;
        if (trigger.equals("available-now")) {
            trig = Trigger.AvailableNow();
        } else {
            try {
                trig = Trigger.ProcessingTime(trigger);
            } catch (IllegalArgumentException e) {
                throw Commands.usage(spec, "--trigger must be available-now or an interval like '10 seconds', got '"
                        + trigger + "'");
            }
        }
        if (!Files.isDirectory(Path.of(model))) {
            throw new IllegalArgumentException("model folder " + model + " not found (snn train writes "
                    + "runs/train/model)");
        }
        if (!Files.isDirectory(Path.of(input))) {
            throw new IllegalArgumentException("input folder " + input + " not found");
        }
        TrainJob.quietLogging();
        PrintWriter err = spec.commandLine().getErr();
        SparkSession.Builder b = SparkSession.builder().appName("spark-snn stream")
                .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", partitions)
                .config("spark.sql.streaming.stateStore.providerClass", SpikingStream.ROCKSDB_PROVIDER);
        if (stateTimeoutMs > 0 && trigger.equals("available-now")) {
            // a processing-time timeout makes Spark run a batch without data after every batch, so available-now
            // would never end; without those batches a timed-out key is forgotten in the next batch that has data
            b.config("spark.sql.streaming.noDataMicroBatches.enabled", "false");
        }
        b.master(master != null ? master : System.getProperty("spark.master", "local[*]"));
        SparkSession spark = SparkLaunch.start(b, master);
        spark.sparkContext().setLogLevel("WARN");
        try {
            SpikingNetworkModel m = SpikingNetworkModel.load(Path.of(model).toAbsolutePath().toString());
            SpikingStream stage = new SpikingStream(m).setKeyCol(keyCol).setTimeCol(timeCol)
                    .setFeaturesCol(featuresCol).setResetGap(resetGap).setStateTimeoutMs(stateTimeoutMs)
                    .setBackend(backend).setHiddenLayers(hiddenLayers);
            StructType schema = format.equals("json")
                    ? new StructType().add(keyCol, DataTypes.StringType).add(timeCol, DataTypes.LongType)
                            .add(featuresCol, DataTypes.createArrayType(DataTypes.DoubleType))
                    : spark.read().parquet(input).schema(); // the files already there say what the rest hold
            var reader = spark.readStream().schema(schema).format(format);
            if (filesPerBatch > 0) {
                reader = reader.option("maxFilesPerTrigger", filesPerBatch);
            }
            Dataset<Row> events = reader.load(input);
            stage.transformSchema(events.schema());
            stage.checkCheckpoint(spark, checkpoint);
            StreamingQuery q = stage.transform(events).writeStream().format("parquet").option("path", output)
                    .option("checkpointLocation", checkpoint).trigger(trig).start();
            err.printf(Locale.ROOT, "spark-snn stream: %s -> %s, checkpoint %s, trigger %s, model %016x%n", input,
                    output, checkpoint, trigger, stage.fingerprint());
            err.flush();
            try {
                q.awaitTermination();
            } catch (StreamingQueryException e) {
                throw new IllegalStateException(rootCause(e), e);
            }
            long rows = 0;
            for (var p : q.recentProgress()) {
                rows += p.numInputRows();
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "events=%d late=%d batches=%d output=%s%n", rows,
                    stage.lateEvents().value(), q.recentProgress().length, output);
            spec.commandLine().getOut().flush();
            return 0;
        } catch (RuntimeException e) {
            throw SparkLaunch.explain(spark, e);
        } finally {
            spark.stop();
        }
    }

    /** The innermost message: a failed event's line names its key, time and batch. */
    static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    /**
     * {@code snn stream generate}: Fashion-MNIST test images as per-key event streams. Image {@code i} is key
     * {@code img-i} (its label in {@code label}) and sends {@code --steps} events, time 0, 1, ..., each the whole
     * image (pixels / 255): the direct encoding, one step per event, so after the last event a key's running
     * prediction is the classifier's for that image with {@code T = --steps}. The events go out in time order,
     * spread over {@code --files} JSON files, so a stream sees each key across several micro-batches.
     */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Writes Fashion-MNIST test images as per-key event files (JSON lines) for 'snn stream'.")
    static final class Generate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for the event files.")
        Path output;

        @Option(names = "--images", defaultValue = "100", description = "Images (keys) (default: ${DEFAULT-VALUE}).")
        int images;

        @Option(names = "--steps", defaultValue = "4", description = "Events per image (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--files", defaultValue = "4", description = "Files to spread the events over"
                + " (default: ${DEFAULT-VALUE}).")
        int files;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = TrainJob.DEFAULT_DATA,
                description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Override
        public Integer call() throws IOException {
            if (images < 1 || steps < 1 || files < 1) {
                throw Commands.usage(spec, "--images, --steps and --files must be >= 1");
            }
            TrainJob.requireData(dataDir);
            IdxImages img = IdxReader.readImages(IdxReader.find(dataDir, "t10k-images-idx3-ubyte"), 0, images);
            int[] labels = IdxReader.readLabels(IdxReader.find(dataDir, "t10k-labels-idx1-ubyte"), 0, images);
            if (img.count() < images) {
                throw Commands.usage(spec, "--images " + images + " exceeds the " + img.count() + " test images");
            }
            Files.createDirectories(output);
            long total = (long) images * steps;
            int px = img.pixelsPerImage();
            String[] rows = new String[images];
            for (int i = 0; i < images; i++) { // one image's pixels as text once; every step repeats them
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < px; j++) {
                    sb.append(j == 0 ? "" : ",").append(img.pixel(i, j / img.cols(), j % img.cols()) / 255.0);
                }
                rows[i] = sb.toString();
            }
            long written = 0;
            for (int f = 0; f < files; f++) {
                long from = total * f / files, to = total * (f + 1) / files;
                // a name that sorts in time order, written under a hidden name first: the file source must not
                // pick up a half-written file
                Path tmp = output.resolve(String.format(Locale.ROOT, ".events-%05d.json.tmp", f));
                try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    for (long e = from; e < to; e++) {
                        int t = (int) (e / images), i = (int) (e % images);
                        w.write(String.format(Locale.ROOT, "{\"key\":\"img-%05d\",\"time\":%d,\"label\":%d,"
                                + "\"features\":[%s]}%n", i, t, labels[i], rows[i]));
                    }
                }
                Files.move(tmp, output.resolve(String.format(Locale.ROOT, "events-%05d.json", f)),
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                written += to - from;
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d events (%d images x %d steps) in %d files to "
                    + "%s%n", written, images, steps, files, output);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
