package io.github.sparksnn.examples

import java.nio.file.{Files, Path}

import io.github.sparksnn.ml.source.IdxDataFrames
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.functions.col
import org.scalatest.BeforeAndAfterAll
import org.scalatest.funsuite.AnyFunSuite

/** The Scala Pipeline example, run as written on a slice of Fashion-MNIST (ScalaTest on the JUnit 5 platform). */
class ScalaPipelineExampleTest extends AnyFunSuite with BeforeAndAfterAll {
  private val data = Path.of(TrainJob.DEFAULT_DATA)
  private var spark: SparkSession = _

  override def beforeAll(): Unit = {
    spark = SparkSession.builder().master("local[2]").appName("ScalaPipelineExampleTest")
      .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
      .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()
  }

  override def afterAll(): Unit = {
    if (spark != null) spark.stop()
    SparkSession.clearActiveSession()
    SparkSession.clearDefaultSession()
  }

  test("the Scala pipeline trains, saves, reloads and beats chance on a slice of Fashion-MNIST") {
    assume(TrainJob.missingDataFile(data) == null, "no Fashion-MNIST here")
    val train = IdxDataFrames.load(spark, data, "train", 2).filter(col("index") < 2048)
    val test = IdxDataFrames.load(spark, data, "test", 2).filter(col("index") < 500)
    val dir = Files.createTempDirectory(Path.of("target").toAbsolutePath, "scala-pipeline")
    val accuracy = ScalaPipelineExample.run(spark, train, test, 2, dir.resolve("model").toString)
    assert(accuracy > 0.5, "10 classes: chance is 0.1")
    assert(Files.isDirectory(dir.resolve("model/stages")))
  }

  test("the Scala regressor pipeline beats predicting the mean on Auto MPG") {
    assume(Files.isRegularFile(Path.of(JavaPipelineExample.CARS)), "no Auto MPG here (python3-vega-datasets)")
    val dir = Files.createTempDirectory(Path.of("target").toAbsolutePath, "scala-regression")
    val (rmse, r2) = ScalaPipelineExample.runRegression(spark, JavaPipelineExample.CARS, 40, dir.toString)
    // R2 = 1 - MSE / variance of the test labels: above 0.5 is well past predicting their mean (0)
    assert(r2 > 0.5 && rmse > 0, s"RMSE $rmse mpg, R2 $r2")
    assert(Files.isDirectory(dir.resolve("stages")))
  }
}
