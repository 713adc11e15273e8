package io.github.sparksnn.ml.param;

import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Params;

/** A stage that simulates a spiking network for {@code T} time steps (SpikingJelly's {@code T}). */
public interface HasTimeSteps extends Params {
    /** The Param {@code timeSteps}: the number of simulation time steps T (>= 1). */
    IntParam timeSteps();

    /** The number of time steps T. */
    default int getTimeSteps() {
        return (Integer) getOrDefault(timeSteps());
    }
}
