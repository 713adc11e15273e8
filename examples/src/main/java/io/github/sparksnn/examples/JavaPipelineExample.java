package io.github.sparksnn.examples;

import io.github.sparksnn.ml.SpikingNetworkClassifier;
import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.SpikingNetworkRegressor;
import io.github.sparksnn.ml.source.AutoMpg;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static io.github.sparksnn.ml.SnnFunctions.firingRate;

/**
 * Full ML Pipelines in Java. {@link #run}: assembler, scaler, spiking classifier, evaluator, save/load, and the fitted
 * model as a pipeline of per-layer stages to look at spikes per layer. {@link #runRegression}: scaler and
 * {@code SpikingNetworkRegressor} on Auto MPG, save/load, {@code RegressionEvaluator}. The README shows the body of
 * {@link #run}; the test {@code JavaPipelineExampleTest} runs both (on a slice of Fashion-MNIST, and on Auto MPG).
 */
public final class JavaPipelineExample {
    /** Where Debian's {@code python3-vega-datasets} puts Auto MPG. */
    public static final String CARS = "/usr/lib/python3/dist-packages/vega_datasets/_data/cars.json";

    private JavaPipelineExample() {
    }

    /** Trains on {@code train}, evaluates on {@code test}, saves and reloads under {@code dir}; the test accuracy. */
    public static double run(Dataset<Row> train, Dataset<Row> test, int epochs, String dir) throws Exception {
        VectorAssembler assembler = new VectorAssembler().setInputCols(new String[]{"features"}).setOutputCol("pixels");
        MinMaxScaler scaler = new MinMaxScaler().setInputCol("pixels").setOutputCol("scaled");
        SpikingNetworkClassifier snn = new SpikingNetworkClassifier().setFeaturesCol("scaled")
                .setModelSpec("flatten | linear(784,128) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(128,10) | lif(tau=2.0)")
                .setInputShape(new int[]{1, 28, 28}).setTimeSteps(4).setEpochs(epochs).setBatchSize(64).setLearningRate(2e-3);
        PipelineModel model = new Pipeline().setStages(new PipelineStage[]{assembler, scaler, snn}).fit(train);
        model.write().overwrite().save(dir);
        PipelineModel loaded = PipelineModel.load(dir);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(loaded.transform(test));
        Transformer[] stages = loaded.stages();
        Dataset<Row> scaled = stages[1].transform(stages[0].transform(test));
        Dataset<Row> layers = ((SpikingNetworkModel) stages[2]).toLayerPipeline().transform(scaled);
        layers.select(firingRate("snn_layer3_lif"), firingRate("snn_layer5_lif")).show(); // mean spikes per neuron and step
        System.out.printf("test accuracy: %.4f%n", accuracy);
        return accuracy;
    }

    /**
     * Splits Auto MPG ({@code cars.json}, see {@link AutoMpg}) 80/20, fits scaler and spiking regressor on the 80%,
     * saves and reloads the Pipeline under {@code dir}; returns the test RMSE and R2, in miles per gallon.
     */
    public static double[] runRegression(SparkSession spark, String cars, int epochs, String dir) throws Exception {
        Dataset<Row>[] split = AutoMpg.load(spark, cars).randomSplit(new double[]{0.8, 0.2}, 7); // raw, label
        MinMaxScaler scaler = new MinMaxScaler().setInputCol("raw").setOutputCol("features");
        SpikingNetworkRegressor snn = new SpikingNetworkRegressor()
                .setModelSpec("linear(6, 64) | lif(tau=2.0) | linear(64, 1) | readout(tau=2.0)").setInputShape(new int[]{6})
                .setTimeSteps(8).setEpochs(epochs).setBatchSize(16).setLearningRate(3e-3).setSeed(7L);
        PipelineModel model = new Pipeline().setStages(new PipelineStage[]{scaler, snn}).fit(split[0]);
        model.write().overwrite().save(dir);
        Dataset<Row> predictions = PipelineModel.load(dir).transform(split[1]);
        double rmse = new RegressionEvaluator().setMetricName("rmse").evaluate(predictions);
        double r2 = new RegressionEvaluator().setMetricName("r2").evaluate(predictions);
        System.out.printf("test RMSE: %.3f mpg, R2: %.3f%n", rmse, r2);
        return new double[]{rmse, r2};
    }

    public static void main(String[] args) throws Exception {
        SparkSession spark = SparkSession.builder().appName("spark-snn Java pipeline").getOrCreate();
        String data = args.length > 0 ? args[0] : TrainJob.DEFAULT_DATA;
        try {
            run(spark.read().format("idx").option("split", "train").load(data),
                    spark.read().format("idx").option("split", "test").load(data), 5, "runs/java-pipeline");
            runRegression(spark, args.length > 1 ? args[1] : CARS, 150, "runs/java-regression");
        } finally {
            spark.stop();
        }
    }
}
