package io.github.sparksnn.examples;

import io.github.sparksnn.ml.SpikingNetworkClassifier;
import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.TrainingSummary;
import io.github.sparksnn.ml.source.IdxDataFrames;
import io.github.sparksnn.ml.train.TrainingListener;
import io.github.sparksnn.ml.train.state.EpochMetrics;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.col;

/**
 * {@code snn train}: distributed training of a spiking network with {@link SpikingNetworkClassifier} on
 * Fashion-MNIST (or another MNIST-family IDX data set), on {@code local[*]} by default or any Spark master.
 * Also a {@code spark-submit} application:
 * <pre>
 * spark-submit --class io.github.sparksnn.examples.TrainJob --master spark://host:7077 \
 *   spark-snn-examples.jar --epochs 5 --output-dir /shared/runs/mlp
 * </pre>
 * Shows a progress bar per epoch (step, loss, images/s, ETA), writes the model ({@code model/}), the per-epoch
 * metrics ({@code metrics.csv}) and a training-curve plot ({@code training-curve.png}) to the output dir, and ends
 * with the line {@code test_accuracy=0.XXXX}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a spiking network on Fashion-MNIST with Spark (data-parallel, synchronous SGD/Adam):"
                + " progress per epoch, then the model, metrics.csv and training-curve.png in --output-dir and the"
                + " line test_accuracy=0.XXXX."})
public final class TrainJob implements Callable<Integer> {

    public static final String DEFAULT_MODEL =
            "flatten | linear(784,512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(512,10) | lif(tau=2.0)";
    /**
     * The model of {@code --sequence rows} without {@code --model}: 28 pixels per step into a dense recurrent LIF
     * layer, a LIF output layer read as firing rates.
     */
    public static final String SEQUENCE_MODEL =
            "linear(28, 256) | rlif(tau=2.0, recurrent=dense, v_threshold=0.5, surrogate=ATan(alpha=2.0)) "
                    + "| linear(256, 10) | lif(tau=2.0)";
    public static final String DEFAULT_DATA = "/usr/share/datasets/fashion-mnist";
    /** The boolean column that marks the held-out validation rows (--validation-fraction). */
    static final String HOLDOUT_COL = "snn_holdout";

    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = DEFAULT_MODEL,
            description = "Model spec (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--input-shape", paramLabel = "C,H,W", split = ",", defaultValue = "1,28,28",
            description = "Shape of one sample as the model sees it (default: ${DEFAULT-VALUE}).")
    int[] inputShape;

    @Option(names = "--T", paramLabel = "STEPS", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--sequence", paramLabel = "MODE", defaultValue = "none",
            description = "none, or rows: each image as a sequence of its 28 rows, one per time step (input shape"
                    + " 28,28, T 28 and, without --model, " + SEQUENCE_MODEL + ") (default: ${DEFAULT-VALUE}).")
    String sequence;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128",
            description = "Global mini-batch size, split over partitions (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Base learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--optimizer", paramLabel = "SPEC", defaultValue = "adam",
            description = "sgd(momentum=..), adam(beta1=.., beta2=..) or adamw(..) (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--schedule", paramLabel = "SPEC", defaultValue = "constant",
            description = "Learning-rate schedule per epoch: constant or cosine (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--encoder", defaultValue = "direct", description = "direct, poisson or latency(tau=.., threshold=.., normalize=.., linear=.., clip=..) (default: ${DEFAULT-VALUE}).")
    String encoder;

    @Option(names = "--loss", defaultValue = "mse", description =
            "mse or ce on firing rates, ce_count, ce_max, ce_last or mse_membrane"
            + " (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--rate-regularization", defaultValue = "0", description = "weight of the L1 penalty on the "
            + "output's firing rates (default: ${DEFAULT-VALUE}).")
    double rateRegularization;

    @Option(names = "--tbptt-window", paramLabel = "STEPS", defaultValue = "0", description = "Truncated BPTT: the "
            + "gradient flows back through at most this many steps, so memory stops growing with --T (0: full BPTT;"
            + " default: ${DEFAULT-VALUE}).")
    int tbpttWindow;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", defaultValue = "auto",
            description = "auto, cpu, cpu-portable (pure-Java GEMM: the same bits on any x86-64 CPU) or cuda "
                    + "(default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--partitions", defaultValue = "0",
            description = "Partitions of the training data (0: the master's default parallelism).")
    int partitions;

    @Option(names = "--sync-interval", defaultValue = "1",
            description = "Local steps between synchronizations (1: synchronous; default: ${DEFAULT-VALUE}).")
    int syncInterval;

    @Option(names = "--sync-mode", defaultValue = "auto",
            description = "barrier (one barrier stage per epoch, sums over sockets), jobs (a Spark job per step) or"
                    + " auto (barrier when there are enough task slots; default: ${DEFAULT-VALUE}).")
    String syncMode;

    @Option(names = "--fan-in", defaultValue = "2",
            description = "Barrier mode: the most partial sums the driver receives per step (0: every task sends"
                    + " to the driver; default: ${DEFAULT-VALUE}).")
    int fanIn;

    @Option(names = "--transport", defaultValue = "float32",
            description = "Barrier mode: float32 (bit-identical to jobs mode) or bfloat16 (half the bytes per step;"
                    + " default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = DEFAULT_DATA,
            description = "Directory with train-/t10k- IDX files (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = "runs/train",
            description = "Where the model, metrics.csv and training-curve.png go (default: ${DEFAULT-VALUE}).")
    String outputDir;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Write a checkpoint after every epoch here.")
    String checkpointDir;

    @Option(names = "--resume", description = "Continue from the latest checkpoint in --checkpoint-dir.")
    boolean resume;

    @Option(names = "--limit-train", paramLabel = "N", defaultValue = "0",
            description = "Use only the first N training images (0: all).")
    long limitTrain;

    @Option(names = "--limit-test", paramLabel = "N", defaultValue = "0",
            description = "Use only the first N test images (0: all).")
    long limitTest;

    @Option(names = "--validation-fraction", paramLabel = "F", defaultValue = "0.05",
            description = "Share of the training images held out and evaluated after every epoch (val_acc), chosen"
                    + " by a hash of the image index; 0: none (default: ${DEFAULT-VALUE}).")
    double validationFraction;

    @Option(names = "--no-progress", description = "No progress bar (one line per epoch only).")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        quietLogging();
        if (epochs < 0 || batchSize < 1 || timeSteps < 1 || partitions < 0 || limitTrain < 0 || limitTest < 0
                || syncInterval < 1 || !(validationFraction >= 0 && validationFraction < 1)) {
            throw usage("--epochs, --partitions, --limit-* must be >= 0; --batch-size, --T, --sync-interval >= 1;"
                    + " --validation-fraction in [0, 1)");
        }
        if (resume && checkpointDir == null) {
            throw usage("--resume needs --checkpoint-dir");
        }
        boolean rows = sequenceRows();
        SpikingNetworkClassifier snn = new SpikingNetworkClassifier().setSequenceInput(rows)
                .setModelSpec(model).setInputShape(inputShape).setTimeSteps(timeSteps).setEncoder(encoder)
                .setLoss(loss).setRateRegularization(rateRegularization).setTbpttWindow(tbpttWindow)
                .setOptimizer(optimizer).setLearningRate(lr).setLrSchedule(schedule)
                .setBatchSize(batchSize).setEpochs(epochs).setSeed(seed).setBackend(backend)
                .setSyncInterval(syncInterval).setSyncMode(syncMode).setAggregationFanIn(fanIn)
                .setTransportPrecision(transport);
        if (checkpointDir != null) {
            snn.setCheckpointDir(checkpointDir).setResume(resume);
        }
        if (validationFraction > 0) {
            snn.setValidationIndicatorCol(HOLDOUT_COL);
        }
        try {
            snn.engineConfig();
            snn.validateAndTransformSchema(IdxSchema.schema(rows).add(HOLDOUT_COL,
                    org.apache.spark.sql.types.DataTypes.BooleanType), true, IdxSchema.VECTOR);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        requireData(dataDir);

        SparkSession.Builder b = SparkSession.builder().appName("spark-snn train")
                .config("spark.ui.showConsoleProgress", "false").config("spark.log.level", "WARN");
        if (System.getProperty("spark.task.maxDirectResultSize") == null) {
            // Gradient sums are a few MB per task: above the 1 MB default they would take a detour through the
            // block manager (an extra fetch per task and step). RPC messages allow 128 MB.
            b.config("spark.task.maxDirectResultSize", "64m");
        }
        if (master != null) {
            b.master(master);
        } else if (System.getProperty("spark.master") == null) {
            b.master("local[*]");
        }
        SparkSession spark = SparkLaunch.start(b, master);
        spark.sparkContext().setLogLevel("WARN");
        try {
            int parts = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
            Dataset<Row> train = IdxDataFrames.load(spark, dataDir, "train", parts, sequence);
            Dataset<Row> test = IdxDataFrames.load(spark, dataDir, "test", parts, sequence);
            if (limitTrain > 0) {
                // The source reads contiguous record ranges, so a prefix would fill the first partitions and leave
                // the others empty (one task doing all the work): spread the kept rows over the partitions again.
                train = train.filter(col("index").lt(limitTrain)).repartition(parts);
            }
            if (limitTest > 0) {
                test = test.filter(col("index").lt(limitTest));
            }
            // The held-out rows stay in their partitions (a per-row flag), so the partitioning is unchanged.
            train = train.withColumn(HOLDOUT_COL, org.apache.spark.sql.functions.pmod(
                    org.apache.spark.sql.functions.xxhash64(col("index")), org.apache.spark.sql.functions.lit(1_000_000L))
                    .lt(Math.round(validationFraction * 1_000_000)));
            err.printf(Locale.ROOT, "spark-snn train on %s, %d partitions%nmodel: %s%nT=%d encoder=%s loss=%s "
                            + "optimizer=%s lr=%s schedule=%s batch=%d epochs=%d seed=%d backend=%s sync-mode=%s%n",
                    spark.sparkContext().master(), parts, model, timeSteps, encoder, loss, optimizer, lr, schedule,
                    batchSize, epochs, seed, backend, syncMode);
            err.flush();
            snn.setTrainingListener(new ProgressListener(err, noProgress));
            SpikingNetworkModel m = snn.fit(train);
            TrainingSummary s = m.summary();
            Path outDir = Path.of(outputDir);
            Files.createDirectories(outDir);
            m.write().overwrite().save(outDir.resolve("model").toAbsolutePath().toString());
            Files.writeString(outDir.resolve("metrics.csv"), s.toCsv());
            writePlot(s.epochs(), outDir.resolve("training-curve.png"));
            double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                    .evaluate(m.transform(test));
            err.print(s);
            err.printf("wrote %s/{model, metrics.csv, training-curve.png}%n", outDir);
            err.flush();
            out.printf(Locale.ROOT, "test_accuracy=%.4f%n", acc);
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            throw SparkLaunch.explain(spark, e);
        } finally {
            spark.stop();
        }
    }

    /**
     * Without a user log4j2 configuration (bin/snn passes conf/log4j2.properties): WARN and above to stderr, so
     * the progress bar and stdout's result lines stay readable.
     */
    public static void quietLogging() {
        if (System.getProperty("log4j2.configurationFile") != null
                || System.getProperty("log4j.configurationFile") != null) {
            return;
        }
        org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder<
                org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration> b =
                org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory.newConfigurationBuilder();
        b.add(b.newAppender("stderr", "Console").addAttribute("target", "SYSTEM_ERR")
                .add(b.newLayout("PatternLayout").addAttribute("pattern", "%d{HH:mm:ss} %p %c{1}: %m%n")));
        b.add(b.newRootLogger(org.apache.logging.log4j.Level.WARN).add(b.newAppenderRef("stderr")));
        org.apache.logging.log4j.core.config.Configurator.reconfigure(b.build());
    }

    /**
     * Fails (exit code 1, one line) when a required IDX file is missing from {@code dir}, saying how to install
     * Fashion-MNIST.
     */
    public static void requireData(Path dir) {
        String missing = missingDataFile(dir);
        if (missing != null) {
            throw new IllegalArgumentException("Fashion-MNIST not found (" + missing + "): install it with `"
                    + io.github.sparksnn.data.IdxReader.INSTALL_COMMAND + "` or pass --data-dir DIR");
        }
    }

    /** The first required IDX file that is missing from {@code dir} (plain or .gz), or null. */
    public static String missingDataFile(Path dir) {
        for (String f : new String[]{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte"}) {
            if (!Files.isRegularFile(dir.resolve(f)) && !Files.isRegularFile(dir.resolve(f + ".gz"))) {
                return dir.resolve(f + ".gz") + " missing";
            }
        }
        return null;
    }

    static void writePlot(List<EpochMetrics> epochs, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (epochs.isEmpty()) {
            return;
        }
        double[] x = epochs.stream().mapToDouble(EpochMetrics::epoch).toArray();
        XYChart chart = new XYChartBuilder().width(800).height(500).title("spark-snn training")
                .xAxisTitle("epoch").yAxisTitle("accuracy").build();
        chart.addSeries("train accuracy (running)", x,
                epochs.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray());
        double[] val = epochs.stream().mapToDouble(EpochMetrics::validationAccuracy).toArray();
        if (!Double.isNaN(val[0])) {
            chart.addSeries("validation accuracy (held out)", x, val);
        }
        XYSeries lossSeries = chart.addSeries("loss", x, epochs.stream().mapToDouble(EpochMetrics::loss).toArray());
        lossSeries.setYAxisGroup(1);
        chart.setYAxisGroupTitle(1, "loss");
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * One progress bar per epoch on stderr: step, running loss, images/s, ETA. Its last line (100%) is rendered
     * once, when the last step is reported: the bar is paused before it moves there and then closed, so neither its
     * periodic refresh nor close's own refresh repeats it (a log, or a console that shows each carriage return as a
     * new line, showed it twice). Pausing does not stop a refresh that is already running, and a clean-clone test run
     * caught one printing the last line again; off a terminal, {@link NoRepeats} drops such a repeat.
     */
    static final class ProgressListener implements TrainingListener {
        private final PrintWriter err;
        private final boolean quiet;
        private final java.io.PrintStream barOut;
        private ProgressBar bar;
        private double lossSum;
        private long samples;
        private double lastImagesPerSecond;

        ProgressListener(PrintWriter err, boolean quiet) {
            this(err, quiet, null);
        }

        /** {@code barOut}: where the bars go (null: the console's stderr, progressbar's default). */
        ProgressListener(PrintWriter err, boolean quiet, java.io.PrintStream barOut) {
            this.err = err;
            this.quiet = quiet;
            this.barOut = barOut;
        }

        @Override
        public void onEpochStart(int epoch, int epochs, int stepsPerEpoch) {
            lossSum = 0;
            samples = 0;
            if (!quiet) {
                ProgressBarBuilder b = new ProgressBarBuilder()
                        .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs))
                        .setInitialMax(stepsPerEpoch).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                        .setUnit(" steps", 1);
                // Off a terminal each render is a new line, and a refresh already running when finishBar pauses the
                // bar can print the last line a second time: drop a line equal to the one before it. (On a terminal
                // progressbar's own consumer redraws one line in place, where a repeat cannot be seen.)
                java.io.PrintStream out = barOut != null ? barOut : System.console() == null ? System.err : null;
                if (out != null) {
                    b.setConsumer(new NoRepeats(new me.tongfei.progressbar.ConsoleProgressBarConsumer(out)));
                }
                bar = b.build();
            }
        }

        @Override
        public void onStep(int epoch, int epochs, int step, int stepsPerEpoch, double batchLoss, long n,
                           double imagesPerSecond) {
            if (!Double.isNaN(batchLoss)) {
                lossSum += batchLoss * n;
                samples += n;
            }
            lastImagesPerSecond = imagesPerSecond;
            if (bar != null) {
                if (step + 1 >= bar.getMax()) {
                    finishBar();
                } else {
                    bar.stepTo(step + 1);
                    bar.setExtraMessage(message());
                }
            }
        }

        private String message() {
            return String.format(Locale.ROOT, "loss %.4f, %,.0f img/s", samples == 0 ? Double.NaN : lossSum / samples,
                    lastImagesPerSecond);
        }

        /** A consumer that passes a rendered line on unless it equals the line before it. */
        static final class NoRepeats implements me.tongfei.progressbar.ProgressBarConsumer {
            private final me.tongfei.progressbar.ProgressBarConsumer next;
            private String last;

            NoRepeats(me.tongfei.progressbar.ProgressBarConsumer next) {
                this.next = next;
            }

            @Override
            public int getMaxRenderedLength() {
                return next.getMaxRenderedLength();
            }

            @Override
            public synchronized void accept(String line) {
                if (!line.equals(last)) {
                    last = line;
                    next.accept(line);
                }
            }

            @Override
            public void close() {
                next.close();
            }
        }

        /** The bar's last line, once (see the class comment). */
        private void finishBar() {
            bar.pause();
            bar.stepTo(bar.getMax());
            bar.setExtraMessage(message());
            bar.close();
            bar = null;
        }

        @Override
        public void onEpoch(EpochMetrics m) {
            if (bar != null) { // an epoch whose last step was not reported
                finishBar();
            }
            err.printf(Locale.ROOT, "epoch %d: loss=%.4f train_acc=%.4f%s time=%.1fs images/s=%.0f step=%.1fms "
                            + "(compute %.1fms, %s %.1fms%s)%n", m.epoch(), m.loss(), m.trainAccuracy(),
                    Double.isNaN(m.validationAccuracy()) ? "" : String.format(Locale.ROOT, " val_acc=%.4f",
                            m.validationAccuracy()), m.seconds(), m.imagesPerSecond(), m.stepMillis(),
                    m.computeMillis(), m.syncMode().equals("barrier") ? "sync" : "spark", m.overheadMillis(),
                    Double.isNaN(m.taskWaitMillis()) ? "" : String.format(Locale.ROOT,
                            "; tasks wait %.1fms, move %.0f KB a step", m.taskWaitMillis(),
                            m.taskBytesPerStep() / 1024));
            err.flush();
        }
    }

    /**
     * {@code --sequence rows}: the sequence Params (input shape 28,28 and T 28 where those flags are not given, the
     * sequence model where {@code --model} is not), so a shape that disagrees with T is the classifier's usage error.
     */
    private boolean sequenceRows() {
        String mode = sequence.trim().toLowerCase(Locale.ROOT);
        if (mode.equals("none")) {
            return false;
        }
        if (!mode.equals("rows")) {
            throw usage("--sequence must be none or rows, got '" + sequence + "'");
        }
        sequence = mode;
        picocli.CommandLine.ParseResult given = spec.commandLine().getParseResult();
        if (!given.hasMatchedOption("--input-shape")) {
            inputShape = new int[]{28, 28};
        }
        if (!given.hasMatchedOption("--T")) {
            timeSteps = 28;
        }
        if (!given.hasMatchedOption("--model")) {
            model = SEQUENCE_MODEL;
        }
        return true;
    }

    /** The idx source's schema, to validate the Params before starting Spark. */
    static final class IdxSchema {
        static final org.apache.spark.sql.types.DataType VECTOR = org.apache.spark.ml.linalg.SQLDataTypes.VectorType();

        /** With {@code rows}, features as the source's {@code sequence=rows} gives them: an array of row vectors. */
        static org.apache.spark.sql.types.StructType schema(boolean rows) {
            return new org.apache.spark.sql.types.StructType()
                    .add("features", rows ? org.apache.spark.sql.types.DataTypes.createArrayType(VECTOR, false) : VECTOR)
                    .add("label", org.apache.spark.sql.types.DataTypes.DoubleType)
                    .add("index", org.apache.spark.sql.types.DataTypes.LongType);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** The job as a command line of its own (the spark-submit main class), its errors named {@code snn train}. */
    public static CommandLine commandLine() {
        return io.github.sparksnn.cli.SnnCli.configure(new CommandLine(new TrainJob()).setCommandName("snn train"));
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
