package io.github.sparksnn.ml.param;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * A stage with an input column, like Spark's (package-private) {@code HasInputCol}. The implementing class
 * creates the {@link Param} (named {@code inputCol}) in a field and returns it from {@link #inputCol()}; the
 * fluent setter belongs in the class so it can return its own type.
 */
public interface HasInputCol extends Params {
    /** The Param {@code inputCol}: the name of the input column. */
    Param<String> inputCol();

    /** The input column's name. */
    default String getInputCol() {
        return getOrDefault(inputCol());
    }
}
