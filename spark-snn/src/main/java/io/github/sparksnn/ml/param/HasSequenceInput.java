package io.github.sparksnn.ml.param;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Params;

/**
 * A network stage whose features column may hold a sequence: with {@code sequenceInput} the Param
 * {@code inputShape} reads {@code [T, ...]}, {@code T} equal to {@code timeSteps}, and step {@code t} of the network
 * sees slice {@code t} of each row. Separate from {@link HasNetworkSpec} so that a network stage without sequence
 * support need not declare it.
 */
public interface HasSequenceInput extends Params {
    /** The Param {@code sequenceInput}. */
    BooleanParam sequenceInput();

    /** Whether the features hold one slice per time step. */
    default boolean getSequenceInput() {
        return (Boolean) getOrDefault(sequenceInput());
    }
}
