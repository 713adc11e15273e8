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
 * compile or run-time error fails the test. The note's forms get a slice of Fashion-MNIST and one epoch.
 */
class ZeppelinNoteTest extends AnyFunSuite with BeforeAndAfterAll {
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
    val z = new StandInZeppelinContext(Map("trainImages" -> "2048", "testImages" -> "1000", "epochs" -> "1"))
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
    } finally {
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
