package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.apache.spark.sql.functions.col;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.MinMaxScalerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The regressor: learns a known function, saves and loads, names bad labels, and fits Auto MPG when installed. */
class SpikingNetworkRegressorTest {
    /** Auto MPG (406 cars) as the Debian package python3-vega-datasets ships it; .ci/run installs it. */
    static final Path CARS = Path.of(System.getenv().getOrDefault("SNN_CARS_JSON",
            "/usr/lib/python3/dist-packages/vega_datasets/_data/cars.json"));
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    private static Dataset<Row> synthetic(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double a = r.nextDouble(), b = r.nextDouble();
            rows.add(RowFactory.create(Vectors.dense(a, b), 10 + 4 * a - 3 * b * b));
        }
        StructType s = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType);
        return spark.createDataFrame(rows, s).repartition(2);
    }

    private static SpikingNetworkRegressor small() {
        return new SpikingNetworkRegressor().setModelSpec("linear(2, 32) | lif | linear(32, 1) | readout")
                .setInputShape(new int[]{2}).setTimeSteps(6).setEpochs(15).setBatchSize(16).setLearningRate(5e-3);
    }

    @Test
    void learnsASmoothFunctionAndRoundTrips(@TempDir Path dir) throws Exception {
        Dataset<Row> train = synthetic(400, 1), test = synthetic(200, 2);
        SpikingNetworkRegressionModel m = small().fit(train);
        RegressionEvaluator rmse = new RegressionEvaluator().setMetricName("rmse");
        Dataset<Row> pred = m.transform(test);
        double err = rmse.evaluate(pred);
        double sd = test.agg(org.apache.spark.sql.functions.stddev_pop(col("label"))).head().getDouble(0);
        assertTrue(err < 0.35 * sd, "RMSE " + err + " against the label's standard deviation " + sd);
        assertEquals(15, m.summary().epochs().size());
        assertEquals(15, m.rmseHistory().length);
        assertTrue(m.rmseHistory()[14] < m.rmseHistory()[0], "training RMSE falls");
        Row first = pred.head();
        assertEquals(m.predict((org.apache.spark.ml.linalg.Vector) first.getAs("features")),
                first.<Double>getAs("prediction"), 1e-9, "batched = single-row prediction");

        String path = dir.resolve("reg").toString();
        m.write().save(path);
        SpikingNetworkRegressionModel back = SpikingNetworkRegressionModel.load(path);
        assertEquals(m.labelMin(), back.labelMin());
        assertEquals(m.labelMax(), back.labelMax());
        List<Row> a = pred.select("prediction").collectAsList();
        List<Row> b = back.transform(test).select("prediction").collectAsList();
        assertEquals(a, b, "the loaded model predicts the same bits");
        small().write().save(dir.resolve("est").toString());
        assertEquals("linear(2, 32) | lif | linear(32, 1) | readout",
                SpikingNetworkRegressor.load(dir.resolve("est").toString()).getModelSpec());
    }

    @Test
    void badLabelsAndSpecsAreNamed() {
        StructType s = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType);
        Dataset<Row> constant = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(1, 2), 3.0),
                RowFactory.create(Vectors.dense(2, 1), 3.0)), s);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small().fit(constant));
        assertTrue(e.getMessage().contains("constant"), e.getMessage());
        Dataset<Row> nan = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(1, 2), Double.NaN),
                RowFactory.create(Vectors.dense(2, 1), 3.0)), s);
        e = assertThrows(IllegalArgumentException.class, () -> small().fit(nan));
        assertTrue(e.getMessage().contains("label"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> small()
                .setModelSpec("linear(2, 4) | lif | linear(4, 2) | readout").fit(synthetic(10, 3)));
        assertTrue(e.getMessage().contains("one output"), e.getMessage());
    }

    /** Auto MPG: miles per gallon from six car attributes; the network must beat predicting the mean by far. */
    @Test
    void autoMpgWithRegressionEvaluator() {
        assumeTrue(Files.isRegularFile(CARS), "Auto MPG not installed at " + CARS + " (apt-get install "
                + "python3-vega-datasets, or set SNN_CARS_JSON)");
        Dataset<Row>[] split = io.github.sparksnn.ml.source.AutoMpg.load(spark, CARS.toString()).randomSplit(new double[]{0.8, 0.2}, 7);
        MinMaxScalerModel scale = new MinMaxScaler().setInputCol("raw").setOutputCol("features").fit(split[0]);
        Dataset<Row> train = scale.transform(split[0]).repartition(2), test = scale.transform(split[1]);
        SpikingNetworkRegressionModel m = new SpikingNetworkRegressor()
                .setModelSpec("linear(6, 64) | lif | linear(64, 1) | readout").setInputShape(new int[]{6})
                .setTimeSteps(8).setEpochs(30).setBatchSize(16).setLearningRate(3e-3).fit(train);
        double rmse = new RegressionEvaluator().setMetricName("rmse").evaluate(m.transform(test));
        double sd = test.agg(org.apache.spark.sql.functions.stddev_pop(col("label"))).head().getDouble(0);
        assertTrue(rmse < 0.5 * sd, "RMSE " + rmse + " (mpg) against the standard deviation " + sd);
    }
}
