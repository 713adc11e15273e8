package io.github.sparksnn.examples

import io.github.sparksnn.ml.{SnnFunctions, SpikingNetworkClassifier, SpikingNetworkModel}
import org.apache.spark.ml.{Pipeline, PipelineModel}
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator
import org.apache.spark.ml.feature.{MinMaxScaler, VectorAssembler}
import org.apache.spark.sql.{DataFrame, SparkSession}

/**
 * A full ML Pipeline in Scala: assembler, scaler, spiking classifier, evaluator, save/load, and the fitted model
 * as a pipeline of per-layer stages to look at spikes per layer. The README shows the body of `run`; the
 * ScalaTest suite `ScalaPipelineExampleTest` runs it on a slice of Fashion-MNIST.
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

  def main(args: Array[String]): Unit = {
    val spark = SparkSession.builder().appName("spark-snn Scala pipeline").getOrCreate()
    val data = if (args.nonEmpty) args(0) else "/usr/share/datasets/fashion-mnist"
    val load = (split: String) => spark.read.format("idx").option("split", split).load(data)
    try run(spark, load("train"), load("test"), 5, "runs/scala-pipeline") finally spark.stop()
  }
}
