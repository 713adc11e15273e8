/**
 * Shared Spark ML Params as Java interfaces ({@code HasInputCol}, {@code HasOutputCol}, {@code HasSeed},
 * {@code HasTimeSteps}, {@code HasSurrogate}, {@code HasNetworkSpec}, {@code HasSequenceInput}) — Spark's own {@code org.apache.spark.ml.param.shared} traits are
 * package-private — and {@link io.github.sparksnn.ml.param.SurrogateParam}, a String Param validated by the
 * surrogate registry's parser. A stage creates each Param in its constructor after its uid is set (a Param records
 * its parent's uid when built) and returns it from the interface's accessor.
 */
package io.github.sparksnn.ml.param;
