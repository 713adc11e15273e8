package io.github.sparksnn.bench;

import io.github.sparksnn.ml.SpikingNetworkRegressionModel;
import io.github.sparksnn.ml.SpikingNetworkRegressor;
import io.github.sparksnn.ml.source.AutoMpg;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.MinMaxScalerModel;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code snn bench regression}: {@link SpikingNetworkRegressor}, MLlib's {@code LinearRegression} and
 * {@code GBTRegressor} on the same split of Auto MPG (features min-max scaled on the training part), RMSE and R2 on
 * the held-out part from {@code RegressionEvaluator}. A correctness comparison, not a timing.
 */
@Command(name = "regression", mixinStandardHelpOptions = true,
        description = "Spiking regressor vs MLlib LinearRegression and GBTRegressor on Auto MPG: RMSE and R2.")
public final class RegressionBenchCommand implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "/usr/lib/python3/dist-packages/vega_datasets/_data/cars.json",
            description = "Auto MPG cars.json (Debian python3-vega-datasets; default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--model", defaultValue = "linear(6, 128) | lif(tau=2.0) | linear(128, 1) | readout(tau=2.0)",
            description = "The regressor's spec (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--T", defaultValue = "8", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--epochs", defaultValue = "150", description = "Regressor epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "3e-3", description = "Regressor learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "7", description = "Split and training seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("snn bench regression")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.log.level", "WARN").getOrCreate();
        try {
            Dataset<Row>[] split = AutoMpg.load(spark, data).randomSplit(new double[]{0.8, 0.2}, seed);
            MinMaxScalerModel scale = new MinMaxScaler().setInputCol("raw").setOutputCol("features").fit(split[0]);
            Dataset<Row> train = scale.transform(split[0]).repartition(2).cache();
            Dataset<Row> test = scale.transform(split[1]).cache();
            System.out.printf(Locale.ROOT, "Auto MPG: %d training rows, %d test rows (seed %d)%n", train.count(),
                    test.count(), seed);
            SpikingNetworkRegressionModel snn = new SpikingNetworkRegressor().setModelSpec(model)
                    .setInputShape(new int[]{6}).setTimeSteps(timeSteps).setEpochs(epochs).setBatchSize(16)
                    .setLearningRate(lr).setSeed(seed).fit(train);
            System.out.println("| model | RMSE (mpg) | R2 |");
            System.out.println("|---|---|---|");
            row("SpikingNetworkRegressor", snn.transform(test));
            row("LinearRegression", new LinearRegression().fit(train).transform(test));
            row("GBTRegressor", new GBTRegressor().setSeed(seed).fit(train).transform(test));
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static void row(String name, Dataset<Row> predictions) {
        RegressionEvaluator e = new RegressionEvaluator();
        System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f |%n", name, e.setMetricName("rmse").evaluate(predictions),
                e.setMetricName("r2").evaluate(predictions));
    }
}
