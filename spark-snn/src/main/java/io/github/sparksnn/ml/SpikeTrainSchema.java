package io.github.sparksnn.ml;

import io.github.sparksnn.ml.util.SchemaChecks;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The schema side of the encoders that turn a vector of intensities into a time-major spike train
 * ({@link PoissonEncoder}, {@link LatencyEncoder}): the input check and the output width, written once.
 */
final class SpikeTrainSchema {
    private SpikeTrainSchema() {
    }

    /** The input field, which must be a vector of intensities in [0, 1]. */
    static StructField requireIntensities(String stage, StructType schema, String inputCol) {
        StructField in = SchemaChecks.requireColumn(stage, schema, "inputCol", inputCol);
        if (!SchemaChecks.isVector(in.dataType())) {
            throw new IllegalArgumentException(stage + ": input column '" + inputCol + "' must be a vector of "
                    + "intensities in [0, 1] but has type " + SchemaChecks.describe(in.dataType())
                    + " (assemble numeric columns with VectorAssembler first)");
        }
        return in;
    }

    /** The spike train's length {@code T * d} when the input's width {@code d} is in its attributes, else 0. */
    static int length(StructField in, int timeSteps) {
        int d = AttributeGroup.fromStructField(in).size();
        return d > 0 ? Math.multiplyExact(d, timeSteps) : 0;
    }
}
