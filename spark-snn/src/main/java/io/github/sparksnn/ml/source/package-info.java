/**
 * The {@code idx} Spark data source (DataSource V2, batch read) for IDX image/label files (MNIST, Fashion-MNIST):
 * {@code spark.read().format("idx").option("split", "test").load(dir)}, or {@link
 * io.github.sparksnn.ml.source.IdxDataFrames#load} from Java. Records are decoded inside tasks, one contiguous
 * record range per partition; the driver only reads and checks the headers. {@link
 * io.github.sparksnn.ml.source.AutoMpg} reads a small regression data set (Auto MPG) for the regressor's tests and
 * comparison.
 */
package io.github.sparksnn.ml.source;
