package io.github.sparksnn.ml;

import io.github.sparksnn.ml.util.SchemaChecks;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Schema checks shared by the layer stages: a vector input column and a new vector output column. */
final class LayerStageSupport {
    private LayerStageSupport() {
    }

    static StructType appendVector(String stage, StructType schema, String inParam, String inputCol,
                                   String outParam, String outputCol) {
        StructField f = SchemaChecks.requireColumn(stage, schema, inParam, inputCol);
        if (!SchemaChecks.isVector(f.dataType())) {
            throw new IllegalArgumentException(stage + ": input column '" + inputCol + "' must be a vector, got "
                    + SchemaChecks.describe(f.dataType()));
        }
        SchemaChecks.requireNewColumn(stage, schema, outParam, outputCol);
        return schema.add(outputCol, SQLDataTypes.VectorType(), true);
    }
}
