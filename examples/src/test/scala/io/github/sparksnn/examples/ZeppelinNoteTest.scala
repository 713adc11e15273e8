package io.github.sparksnn.examples

import java.io.{File, PrintWriter, StringWriter}
import java.nio.file.{Files, Path}
import java.util.jar.JarFile

import scala.jdk.CollectionConverters._
import scala.tools.nsc.Settings
import scala.tools.nsc.interpreter.{IMain, Results}
import scala.tools.nsc.interpreter.shell.ReplReporterImpl

import com.fasterxml.jackson.databind.ObjectMapper
import org.apache.spark.sql.SparkSession
import org.scalatest.BeforeAndAfterAll
import org.scalatest.funsuite.AnyFunSuite

/**
 * Runs the Zeppelin note (the `.zpln` file under `examples/notebooks`) as Zeppelin 0.12's Scala 2.13 Spark interpreter would: its
 * `%spark` paragraphs in order through the Scala interpreter Zeppelin wraps (`scala-compiler`'s `IMain`) with
 * `spark`, `sc` and `z` bound and Zeppelin's start-up imports, and its `%sql` paragraphs through `spark.sql`. Any
 * compile or run-time error fails the test. The note's forms get a slice of Fashion-MNIST and one epoch, and its
 * stream 100 images; the sequence model's accuracy, the stream's event count, tables and agreement with the batch
 * model are checked after the run.
 */
class ZeppelinNoteTest extends AnyFunSuite with BeforeAndAfterAll {
  /** The sequence paragraph's accuracy after six epochs on 2048 images must beat this (chance: 0.1; one epoch gave 0.20, six 0.63). */
  private val SeqAccuracyFloor = 0.25
  private val data = Path.of(TrainJob.DEFAULT_DATA)
  private val noteFile: File = {
    val dir = new File("notebooks")
    Option(dir.listFiles()).getOrElse(Array.empty[File]).find(_.getName.endsWith(".zpln"))
      .getOrElse(fail(s"no .zpln note under ${dir.getAbsolutePath}"))
  }
  private var spark: SparkSession = _

  override def beforeAll(): Unit = {
    spark = SparkSession.builder().master("local[2]").appName("ZeppelinNoteTest")
      .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
      .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()
  }

  override def afterAll(): Unit = {
    if (spark != null) spark.stop()
    SparkSession.clearActiveSession()
    SparkSession.clearDefaultSession()
  }

  /** (interpreter, text without the first line) of every paragraph, in order. */
  private def paragraphs(): Seq[(String, String, String)] = {
    val note = new ObjectMapper().readTree(noteFile)
    assert(note.get("defaultInterpreterGroup").asText() == "spark")
    note.get("paragraphs").elements().asScala.toSeq.map { p =>
      val text = p.get("text").asText()
      val (head, body) = text.span(_ != '\n')
      (head.trim, body.drop(1), Option(p.get("title")).map(_.asText()).getOrElse(""))
    }
  }

  test("the note is Zeppelin JSON whose first paragraph adds the project's jar") {
    val ps = paragraphs()
    assert(ps.head._1 == "%spark.conf")
    assert(ps.head._2.linesIterator.exists(l => l.startsWith("spark.jars") && l.contains("spark-snn-examples")))
    val kinds = ps.map(_._1).toSet
    assert(kinds == Set("%spark.conf", "%spark", "%sql"), kinds)
    assert(ps.count(_._1 == "%spark") >= 5)
  }

  test("every %spark paragraph runs in the Scala interpreter and every %sql paragraph in spark.sql") {
    assume(TrainJob.missingDataFile(data) == null, "no Fashion-MNIST here")
    val out = new StringWriter()
    val settings = new Settings()
    settings.classpath.value = testClassPath()
    settings.usejavacp.value = false
    val intp = new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(out, true)))
    val z = new StandInZeppelinContext(Map("trainImages" -> "2048", "testImages" -> "1000", "epochs" -> "1",
      "seqEpochs" -> "6", "streamImages" -> "100"))
    try {
      def run(code: String, what: String): Unit = {
        val r = intp.interpret(code)
        assert(r == Results.Success, s"$what failed ($r):\n$code\n--- interpreter output:\n$out")
      }
      assert(intp.bind("spark", "org.apache.spark.sql.SparkSession", spark) == Results.Success, out)
      assert(intp.bind("sc", "org.apache.spark.SparkContext", spark.sparkContext) == Results.Success, out)
      assert(intp.bind("z", classOf[StandInZeppelinContext].getName, z) == Results.Success, out)
      // What Zeppelin's Spark interpreter imports before the first paragraph.
      run("import org.apache.spark.SparkContext._\nimport spark.implicits._\nimport spark.sql\n"
        + "import org.apache.spark.sql.functions._", "Zeppelin's start-up imports")
      var sqlResults = 0
      for ((kind, body, title) <- paragraphs().tail) {
        kind match {
          case "%spark" => run(body, s"paragraph '$title'")
          case "%sql" =>
            val rows = spark.sql(body).collect()
            assert(rows.nonEmpty, s"%sql paragraph '$title' returned no rows")
            sqlResults += 1
          case other => fail(s"unexpected interpreter $other in paragraph '$title'")
        }
      }
      assert(sqlResults >= 2)
      val accuracy = intp.valueOfTerm("accuracy").getOrElse(fail("no accuracy value")).asInstanceOf[Double]
      assert(accuracy > 0.3, s"test accuracy $accuracy on 2048 training images, one epoch (chance: 0.1)")
      // z.show: the per-epoch summary (one row per epoch) and the surrogate curve (601 points, peak g'(0) = alpha/2).
      val (historyCols, history) = z.shown.find(_._1.contains("train_accuracy")).getOrElse(fail("no summary shown"))
      assert(history.length == 1 && historyCols.head == "epoch")
      val (_, curve) = z.shown.find(_._1.contains("atan_gradient")).getOrElse(fail("no surrogate curve shown"))
      assert(curve.length == 601)
      assert(math.abs(curve(300)(1).toDouble - 1.0) < 1e-9, curve(300).mkString(","))
      // The temporal paragraph: rows as time steps into a recurrent layer, six epochs on 2048 images.
      val seqAccuracy = intp.valueOfTerm("seqAccuracy").getOrElse(fail("no seqAccuracy value")).asInstanceOf[Double]
      assert(seqAccuracy > SeqAccuracyFloor, s"sequential test accuracy $seqAccuracy (chance: 0.1)")
      // The stream: 100 keys of T = 4 events each, all applied; per key its last prediction and rates, per step
      // the running accuracy; after T events the streamed predictions are the batch model's.
      val events = intp.valueOfTerm("streamedEvents").getOrElse(fail("no streamedEvents")).asInstanceOf[Long]
      assert(events == 100 * 4, s"$events events streamed")
      val (_, latest) = z.shown.find(_._1.contains("firing_rates")).getOrElse(fail("no stream predictions shown"))
      assert(latest.length == 20 && latest.forall { r =>
        val p = r(2).toDouble
        p >= 0 && p <= 9 && p == p.floor && r(3).count(_ == ',') == 9 // a class, and 10 rates
      }, latest.map(_.mkString(",")).mkString("\n"))
      val (stepCols, bySteps) = z.shown.find(_._1.contains("running_accuracy")).getOrElse(fail("no per-step table"))
      assert(bySteps.map(_(0)).toSeq == Seq("1", "2", "3", "4") && bySteps.forall(_(1) == "100"),
        stepCols.mkString(",") + "\n" + bySteps.map(_.mkString(",")).mkString("\n"))
      val agreement = intp.valueOfTerm("agreement").getOrElse(fail("no agreement value")).asInstanceOf[Double]
      assert(agreement >= 0.95, s"streamed and batch predictions agree on $agreement of the images")
      assert(spark.streams.active.isEmpty, "the note's last paragraph stops its stream")
    } finally {
      spark.streams.active.foreach(_.stop())
      intp.close()
    }
  }

  /** The test classpath as a path string (surefire runs from a manifest-only jar; scalac needs the real entries). */
  private def testClassPath(): String = {
    val cp = sys.props.getOrElse("surefire.test.class.path", sys.props("java.class.path"))
    val entries = cp.split(File.pathSeparator).toSeq.flatMap { e =>
      val f = new File(e)
      if (f.isFile && e.endsWith(".jar")) {
        val jar = new JarFile(f)
        try {
          val manifestCp = Option(jar.getManifest).flatMap(m => Option(m.getMainAttributes.getValue("Class-Path")))
          manifestCp match {
            case Some(list) if list.trim.nonEmpty =>
              e +: list.trim.split("\\s+").toSeq.map(u => new File(new java.net.URI(u).getPath).getPath)
            case _ => Seq(e)
          }
        } finally jar.close()
      } else Seq(e)
    }
    entries.filter(e => Files.exists(Path.of(e))).distinct.mkString(File.pathSeparator)
  }
}
