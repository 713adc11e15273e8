package io.github.sparksnn.ml.util;

import java.util.Arrays;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Schema validation for {@code transformSchema}: every failure is an {@link IllegalArgumentException} that names
 * the stage, the column and the problem, so a misconfigured pipeline fails before any Spark job runs.
 */
public final class SchemaChecks {
    private SchemaChecks() {
    }

    /** The field {@code column} of {@code schema}, or an error listing the columns that do exist. */
    public static StructField requireColumn(String stage, StructType schema, String param, String column) {
        if (column == null || column.isEmpty()) {
            throw new IllegalArgumentException(stage + ": Param " + param + " is not set (it names an input column)");
        }
        for (StructField f : schema.fields()) {
            if (f.name().equals(column)) {
                return f;
            }
        }
        throw new IllegalArgumentException(stage + ": input column '" + column + "' (Param " + param
                + ") does not exist; available columns: " + Arrays.toString(schema.fieldNames()));
    }

    /** Fails when {@code column} is empty or already in {@code schema} (a stage never overwrites a column). */
    public static void requireNewColumn(String stage, StructType schema, String param, String column) {
        if (column == null || column.isEmpty()) {
            throw new IllegalArgumentException(stage + ": Param " + param + " must name an output column");
        }
        if (Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException(stage + ": output column '" + column + "' (Param " + param
                    + ") already exists; choose another name");
        }
    }

    /** Whether {@code t} is Spark ML's vector type ({@code org.apache.spark.ml.linalg.Vector}). */
    public static boolean isVector(DataType t) {
        return SQLDataTypes.VectorType().equals(t);
    }

    /** Whether {@code t} is {@code array<double>} or {@code array<float>}. */
    public static boolean isFloatingArray(DataType t) {
        return t instanceof ArrayType a
                && (a.elementType().equals(DataTypes.DoubleType) || a.elementType().equals(DataTypes.FloatType));
    }

    /** A readable name for a column type in error messages, e.g. {@code vector} or {@code array<int>}. */
    public static String describe(DataType t) {
        return isVector(t) ? "vector" : t.simpleString();
    }
}
