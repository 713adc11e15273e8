package io.github.sparksnn.bench;

import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.ml.SpikingNetworkClassifier;
import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.source.IdxDataFrames;
import io.github.sparksnn.ml.train.EpochMetrics;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.col;

/**
 * {@code snn bench spark}: what Spark costs and gains for spiking-network training, in one run on one machine.
 * <ul>
 *   <li>training images/s of {@link SpikingNetworkClassifier} on {@code local[1]} and {@code local[2]}, both
 *       with the same partitions (so the same batches and bit-identical weights), and their ratio;</li>
 *   <li>per step: mean wall time on the driver against the slowest partition's time inside the engine; the
 *       difference is Spark's overhead (scheduling, broadcast, serialization, aggregation);</li>
 *   <li>the same data through MLlib's {@code MultilayerPerceptronClassifier [784, 128, 10]} (L-BFGS) on
 *       {@code local[2]}: time per iteration (one pass over the data, MLlib's "epoch") and test accuracy.</li>
 * </ul>
 * A short warm-up fit runs first (JIT), unreported. Timings on a shared machine are noisy: compare ratios.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = "Spark training throughput local[1] vs local[2], overhead per step, and MLlib's MLP baseline.")
public final class SparkBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", defaultValue = TrainJob.DEFAULT_DATA, description = "IDX directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--model", defaultValue = TrainJob.DEFAULT_MODEL, description = "Model spec (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--T", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--batch-size", defaultValue = "128", description = "Global batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per timed fit (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--partitions", defaultValue = "2", description = "Partitions in every run (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--limit-train", defaultValue = "20000",
            description = "Training images used (0: all 60000; default: ${DEFAULT-VALUE}).")
    long limitTrain;

    @Option(names = "--mlp-iterations", defaultValue = "30",
            description = "L-BFGS iterations of the MLlib MLP (0: skip it; default: ${DEFAULT-VALUE}).")
    int mlpIterations;

    @Option(names = "--max-direct-result", defaultValue = "64m",
            description = "spark.task.maxDirectResultSize (Spark's default 1m sends gradient sums through the block"
                    + " manager; default: ${DEFAULT-VALUE}).")
    String directResult;

    @Option(names = "--warmup", defaultValue = "2048", description = "Images of the unreported warm-up fit (0: none).")
    long warmup;

    /** computeMs: the compute bound of a step, max(slowest partition, all partitions / task slots). */
    record Run(String master, double imagesPerSecond, double stepMs, double computeMs, double seconds,
               double testAccuracy) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String missing = TrainJob.missingDataFile(dataDir);
        if (missing != null) {
            err.println("error: Fashion-MNIST not found (" + missing + "): install it with "
                    + "`sudo apt-get install dataset-fashion-mnist` or pass --data-dir DIR");
            return 2;
        }
        TrainJob.quietLogging();
        if (warmup > 0) {
            err.println("warm-up fit on local[2] (" + warmup + " images) ...");
            err.flush();
            snnRun("local[2]", warmup, false, 1);
        }
        List<Run> runs = new ArrayList<>();
        for (String master : new String[]{"local[1]", "local[2]"}) {
            err.println("timed fit on " + master + " ...");
            err.flush();
            runs.add(snnRun(master, limitTrain, master.equals("local[2]"), epochs));
        }
        double mlpSeconds = Double.NaN;
        double mlpAcc = Double.NaN;
        if (mlpIterations > 0) {
            err.println("MLlib MultilayerPerceptronClassifier [784, 128, 10] on local[2] ...");
            err.flush();
            SparkSession spark = session("local[2]");
            try {
                Dataset<Row> train = data(spark, "train", limitTrain).cache();
                Dataset<Row> test = data(spark, "test", 0).cache();
                train.count();
                test.count();
                long t0 = System.nanoTime();
                MultilayerPerceptronClassificationModel mlp = new MultilayerPerceptronClassifier()
                        .setLayers(new int[]{784, 128, 10}).setMaxIter(mlpIterations).setSeed(42).setBlockSize(128)
                        .fit(train);
                mlpSeconds = (System.nanoTime() - t0) / 1e9;
                mlpAcc = accuracy(mlp.transform(test));
            } finally {
                spark.stop();
            }
        }
        Run one = runs.get(0);
        Run two = runs.get(1);
        out.printf(Locale.ROOT, "spark bench: %s, T=%d, batch %d, %d partitions, %d training images, %d epoch(s),"
                        + " spark.task.maxDirectResultSize=%s%n", model, timeSteps, batchSize, partitions,
                limitTrain == 0 ? 60000 : limitTrain, epochs, directResult);
        out.printf(Locale.ROOT, "%-34s %12s %12s %12s %12s %12s%n", "run", "images/s", "step ms", "compute ms*",
                "spark ms", "epoch s");
        for (Run r : runs) {
            out.printf(Locale.ROOT, "%-34s %12.0f %12.1f %12.1f %12.1f %12.1f%n", "SpikingNetworkClassifier " + r.master(),
                    r.imagesPerSecond(), r.stepMs(), r.computeMs(), r.stepMs() - r.computeMs(), r.seconds() / epochs);
        }
        out.println("* compute bound of a step: max(slowest partition, sum over partitions / cores) inside the engine;"
                + " spark ms = step - compute");
        out.printf(Locale.ROOT, "speed-up local[2] / local[1]: %.2fx (aim >= 1.7x)%n",
                two.imagesPerSecond() / one.imagesPerSecond());
        out.printf(Locale.ROOT, "spark overhead share of a step: local[1] %.0f%%, local[2] %.0f%%%n",
                100 * (one.stepMs() - one.computeMs()) / one.stepMs(), 100 * (two.stepMs() - two.computeMs()) / two.stepMs());
        out.printf(Locale.ROOT, "SNN test accuracy after %d epoch(s) (local[2]): %.4f%n", epochs, two.testAccuracy());
        if (mlpIterations > 0) {
            out.printf(Locale.ROOT, "MLlib MLP [784,128,10], %d L-BFGS iterations on local[2]: fit %.1f s (%.2f s per "
                    + "iteration = pass over the data), test accuracy %.4f%n", mlpIterations, mlpSeconds,
                    mlpSeconds / mlpIterations, mlpAcc);
        }
        out.flush();
        return 0;
    }

    private Run snnRun(String master, long limit, boolean evaluate, int nEpochs) {
        SparkSession spark = session(master);
        try {
            Dataset<Row> train = data(spark, "train", limit).cache();
            train.count();
            SpikingNetworkModel m = new SpikingNetworkClassifier().setModelSpec(model).setTimeSteps(timeSteps)
                    .setBatchSize(batchSize).setEpochs(nEpochs).setSeed(42).fit(train);
            double seconds = 0;
            double stepMs = 0;
            double computeMs = 0;
            long steps = 0;
            int slots = spark.sparkContext().defaultParallelism();
            for (EpochMetrics e : m.summary().epochs()) {
                seconds += e.seconds();
                stepMs += e.stepMillis() * e.steps();
                computeMs += (e.stepMillis() - e.overheadMillis(slots)) * e.steps();
                steps += e.steps();
            }
            double acc = evaluate ? accuracy(m.transform(data(spark, "test", 0))) : Double.NaN;
            return new Run(master, m.summary().numTrainingSamples() * (double) nEpochs / seconds, stepMs / steps,
                    computeMs / steps, seconds, acc);
        } finally {
            spark.stop();
        }
    }

    private SparkSession session(String master) {
        return SparkSession.builder().master(master).appName("snn bench spark " + master)
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.log.level", "WARN").config("spark.task.maxDirectResultSize", directResult)
                .getOrCreate();
    }

    private Dataset<Row> data(SparkSession spark, String split, long limit) {
        Dataset<Row> d = IdxDataFrames.load(spark, dataDir, split, partitions);
        return limit > 0 ? d.filter(col("index").lt(limit)) : d;
    }

    private static double accuracy(Dataset<Row> predictions) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkBenchCommand()).execute(args));
    }
}
