package io.github.sparksnn.examples

import scala.collection.mutable

import org.apache.spark.sql.Dataset

/**
 * The part of Zeppelin's `z` (ZeppelinContext) that the note uses, for running its paragraphs outside Zeppelin:
 * `textbox` dynamic forms answer from `forms` (else the default, as Zeppelin does before the user types), and
 * `show` renders a DataFrame as Zeppelin's `%table` text and keeps it for the test to look at.
 */
class StandInZeppelinContext(forms: Map[String, String], maxResult: Int = 1000) {
  val shown: mutable.Buffer[(Array[String], Array[Array[String]])] = mutable.Buffer.empty

  def textbox(name: String, defaultValue: String = ""): Object = forms.getOrElse(name, defaultValue)

  def show(df: Dataset[_]): Unit = {
    val columns = df.columns
    val rows = df.toDF().take(maxResult).map(r => columns.indices.map(i => String.valueOf(r.get(i))).toArray)
    shown += ((columns, rows))
    println("%table " + columns.mkString("\t"))
    rows.take(5).foreach(r => println(r.mkString("\t")))
  }
}
