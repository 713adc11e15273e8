package io.github.sparksnn.ml.param;

import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Params;

/** A stage with a random seed, like Spark's (package-private) {@code HasSeed}. */
public interface HasSeed extends Params {
    /** The Param {@code seed}: the random seed. */
    LongParam seed();

    /** The random seed. */
    default long getSeed() {
        return (Long) getOrDefault(seed());
    }
}
