package io.github.sparksnn.examples;

import io.github.sparksnn.ml.source.IdxDataFrames;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Java Pipeline example, run as written on a slice of Fashion-MNIST. */
class JavaPipelineExampleTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("JavaPipelineExampleTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    @Test
    void trainsSavesReloadsAndShowsLayerRates() throws Exception {
        Path data = Path.of(TrainJob.DEFAULT_DATA);
        assumeTrue(TrainJob.missingDataFile(data) == null, "no Fashion-MNIST here");
        Dataset<Row> train = IdxDataFrames.load(spark, data, "train", 2).filter(col("index").lt(2048));
        Dataset<Row> test = IdxDataFrames.load(spark, data, "test", 2).filter(col("index").lt(500));
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "java-pipeline");
        double accuracy = JavaPipelineExample.run(train, test, 2, dir.resolve("model").toString());
        assertTrue(accuracy > 0.5, "10 classes, chance is 0.1: " + accuracy);
        assertTrue(Files.isDirectory(dir.resolve("model/stages")));
    }

    @Test
    void theRegressorPipelineBeatsTheMeanOnAutoMpg() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of(JavaPipelineExample.CARS)), "no Auto MPG here (python3-vega-datasets)");
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "java-regression");
        double[] fit = JavaPipelineExample.runRegression(spark, JavaPipelineExample.CARS, 40, dir.toString());
        // R2 = 1 - MSE / variance of the test labels: above 0.5 is well past predicting their mean (0)
        assertTrue(fit[1] > 0.5 && fit[0] > 0, "RMSE " + fit[0] + " mpg, R2 " + fit[1]);
        assertTrue(Files.isDirectory(dir.resolve("stages")));
    }
}
