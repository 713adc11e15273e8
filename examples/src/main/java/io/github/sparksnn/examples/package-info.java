/**
 * Programs that use the library as an application does: {@link io.github.sparksnn.examples.TrainJob}
 * ({@code snn train}, also the {@code spark-submit} main class) trains on Fashion-MNIST on any Spark master;
 * {@link io.github.sparksnn.examples.SparkLaunch} starts its SparkSession so that {@code local-cluster} works from
 * jars and a master that cannot start is one line; {@link io.github.sparksnn.examples.JavaPipelineExample} is the
 * README's ML Pipeline in Java (the Scala one is under {@code src/main/scala}).
 *
 * <p>Only the public API of {@code ml} and {@code ml.source} (and {@code ml.train}'s listener and epoch metrics) is used
 * here, plus Spark, log4j, progressbar and XChart, so these files show what a user writes; {@code TrainJob} is a
 * picocli command and reuses {@code cli}'s configuration.
 */
package io.github.sparksnn.examples;
