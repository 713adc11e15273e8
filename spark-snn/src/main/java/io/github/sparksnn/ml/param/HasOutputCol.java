package io.github.sparksnn.ml.param;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/** A stage with an output column, like Spark's (package-private) {@code HasOutputCol}. */
public interface HasOutputCol extends Params {
    /** The Param {@code outputCol}: the name of the column the stage adds. */
    Param<String> outputCol();

    /** The output column's name. */
    default String getOutputCol() {
        return getOrDefault(outputCol());
    }
}
