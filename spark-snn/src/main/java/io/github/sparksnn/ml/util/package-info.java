/**
 * Helpers for Spark ML stages written in Java: {@link io.github.sparksnn.ml.util.DefaultReaders} (static
 * {@code read()}/{@code load(path)} over Spark's {@code DefaultParamsReadable}) and
 * {@link io.github.sparksnn.ml.util.SchemaChecks} ({@code transformSchema} errors naming the stage and column).
 */
package io.github.sparksnn.ml.util;
