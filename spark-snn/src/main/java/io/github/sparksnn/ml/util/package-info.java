/**
 * Helpers for Spark ML stages written in Java: {@link io.github.sparksnn.ml.util.DefaultReaders} (static
 * {@code read()}/{@code load(path)} for stages saved with Spark's {@code DefaultParamsWritable}; it checks the saved
 * class name before it constructs anything) and
 * {@link io.github.sparksnn.ml.util.SchemaChecks} ({@code transformSchema} errors naming the stage and column).
 */
package io.github.sparksnn.ml.util;
