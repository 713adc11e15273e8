package io.github.sparksnn.ml.param;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * A stage that uses a surrogate spiking function, given by its text spec such as {@code "ATan(alpha=2.0)"} or
 * {@code "Sigmoid"} (defaults for omitted parameters), as parsed by {@code surrogate.Surrogates.parse}.
 * Implementations validate the spec when it is set (see {@link SurrogateParam}) and again in
 * {@code transformSchema}, so a bad spec fails before any Spark job runs.
 */
public interface HasSurrogate extends Params {
    /** The Param {@code surrogate}: the surrogate function's spec. */
    Param<String> surrogate();

    /** The surrogate function's spec. */
    default String getSurrogate() {
        return getOrDefault(surrogate());
    }
}
