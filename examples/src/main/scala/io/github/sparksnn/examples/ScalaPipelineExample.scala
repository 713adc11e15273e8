package io.github.sparksnn.examples

import io.github.sparksnn.ml.{SnnFunctions, SpikingNetworkClassifier, SpikingNetworkModel, SpikingNetworkRegressor}
import io.github.sparksnn.ml.source.AutoMpg
import org.apache.spark.ml.{Pipeline, PipelineModel, PipelineStage}
import org.apache.spark.ml.evaluation.{MulticlassClassificationEvaluator, RegressionEvaluator}
import org.apache.spark.ml.feature.{MinMaxScaler, VectorAssembler}
import org.apache.spark.sql.{DataFrame, SparkSession}

/**
 * Full ML Pipelines in Scala. `run`: assembler, scaler, spiking classifier, evaluator, save/load, and the fitted
 * model as a pipeline of per-layer stages to look at spikes per layer. `runRegression`: scaler and
 * `SpikingNetworkRegressor` on Auto MPG, save/load, `RegressionEvaluator`. The README shows the body of `run`; the
 * ScalaTest suite `ScalaPipelineExampleTest` runs both (on a slice of Fashion-MNIST, and on Auto MPG).
 */
object ScalaPipelineExample {

  /** Trains on `train`, evaluates on `test`, saves and reloads the model under `dir`; returns the test accuracy. */
  def run(spark: SparkSession, train: DataFrame, test: DataFrame, epochs: Int, dir: String): Double = {
    val assembler = new VectorAssembler().setInputCols(Array("features")).setOutputCol("pixels")
    val scaler = new MinMaxScaler().setInputCol("pixels").setOutputCol("scaled")
    val snn = new SpikingNetworkClassifier().setFeaturesCol("scaled")
      .setModelSpec("flatten | linear(784,128) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(128,10) | lif(tau=2.0)")
      .setInputShape(Array(1, 28, 28)).setTimeSteps(4).setEpochs(epochs).setBatchSize(64).setLearningRate(2e-3)
    val model = new Pipeline().setStages(Array(assembler, scaler, snn)).fit(train)
    model.write.overwrite().save(dir)
    val loaded = PipelineModel.load(dir)
    val accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(loaded.transform(test))
    val net = loaded.stages.last.asInstanceOf[SpikingNetworkModel]
    val layers = net.toLayerPipeline().transform(loaded.stages.init.foldLeft(test)((df, s) => s.transform(df)))
    layers.select(SnnFunctions.firingRate("snn_layer3_lif"), SnnFunctions.firingRate("snn_layer5_lif")).show()
    println(f"test accuracy: $accuracy%.4f")
    accuracy
  }

  /**
   * Splits Auto MPG (`cars.json`, see `AutoMpg`) 80/20, fits scaler and spiking regressor on the 80%, saves and
   * reloads the Pipeline under `dir`; returns the test RMSE and R2, in miles per gallon.
   */
  def runRegression(spark: SparkSession, cars: String, epochs: Int, dir: String): (Double, Double) = {
    val Array(train, test) = AutoMpg.load(spark, cars).randomSplit(Array(0.8, 0.2), 7) // raw, label
    val scaler = new MinMaxScaler().setInputCol("raw").setOutputCol("features")
    val snn = new SpikingNetworkRegressor()
      .setModelSpec("linear(6, 64) | lif(tau=2.0) | linear(64, 1) | readout(tau=2.0)").setInputShape(Array(6))
      .setTimeSteps(8).setEpochs(epochs).setBatchSize(16).setLearningRate(3e-3).setSeed(7L)
    val model = new Pipeline().setStages(Array[PipelineStage](scaler, snn)).fit(train)
    model.write.overwrite().save(dir)
    val predictions = PipelineModel.load(dir).transform(test)
    val rmse = new RegressionEvaluator().setMetricName("rmse").evaluate(predictions)
    val r2 = new RegressionEvaluator().setMetricName("r2").evaluate(predictions)
    println(f"test RMSE: $rmse%.3f mpg, R2: $r2%.3f")
    (rmse, r2)
  }

  def main(args: Array[String]): Unit = {
    val spark = SparkSession.builder().appName("spark-snn Scala pipeline").getOrCreate()
    val data = if (args.nonEmpty) args(0) else "/usr/share/datasets/fashion-mnist"
    val load = (split: String) => spark.read.format("idx").option("split", split).load(data)
    val cars = if (args.length > 1) args(1) else JavaPipelineExample.CARS
    try {
      run(spark, load("train"), load("test"), 5, "runs/scala-pipeline")
      runRegression(spark, cars, 150, "runs/scala-regression")
    } finally spark.stop()
  }
}
