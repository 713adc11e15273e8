package io.github.sparksnn.ml;

import io.github.sparksnn.ml.util.SchemaChecks;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * The features column of a network stage with {@code sequenceInput}: the Param {@code inputShape} is {@code [T, ...]}
 * and a row holds T slices of the rest of the shape, either as one time-major vector (slice {@code t} at
 * {@code [t*F, (t+1)*F)}) or as an {@code array<vector>} of T vectors of F values ({@code array<double>} or
 * {@code array<float>}: F = 1). Arrays are flattened to the time-major vector before packing and inference; a
 * length that is not T, a step of the wrong size, a null step or a non-finite value is an error naming the column
 * and the step, never a truncation or padding.
 */
final class SequenceFeatures {
    private SequenceFeatures() {
    }

    /**
     * The network's input shape at one step: {@code inputShape} without its leading T ({@code [1]} for {@code [T]}).
     *
     * @throws IllegalArgumentException when the leading dimension is not {@code timeSteps}
     */
    static int[] stepShape(String stage, int[] inputShape, int timeSteps) {
        if (inputShape.length == 0 || inputShape[0] != timeSteps) {
            throw new IllegalArgumentException(stage + ": with sequenceInput, inputShape is [T, ...] with T = timeSteps, "
                    + "but inputShape is " + Arrays.toString(inputShape) + " and timeSteps is " + timeSteps);
        }
        return inputShape.length == 1 ? new int[]{1} : Arrays.copyOfRange(inputShape, 1, inputShape.length);
    }

    /** Whether {@code t} is an array that holds one step per element. */
    static boolean isSequenceArray(DataType t) {
        return SchemaChecks.isFloatingArray(t) || t instanceof ArrayType a && SchemaChecks.isVector(a.elementType());
    }

    /**
     * The type the features column must have: its own for a sequence array that fits (Predictor's check then
     * passes), else the vector type (Predictor's check then names the column and both types).
     *
     * @throws IllegalArgumentException for an array column without {@code sequenceInput}, or a one-value-per-step
     *     array when a step needs more values
     */
    static DataType featuresType(String stage, StructType schema, String column, boolean sequence, int stepSize) {
        StructField f = SchemaChecks.requireColumn(stage, schema, "featuresCol", column);
        DataType t = f.dataType();
        if (!isSequenceArray(t)) {
            return SQLDataTypes.VectorType();
        }
        if (!sequence) {
            throw new IllegalArgumentException(stage + ": column '" + column + "' holds " + SchemaChecks.describe(t)
                    + ", a sequence: set sequenceInput=true with inputShape [T, ...] (T = timeSteps), or give a vector "
                    + "column");
        }
        if (SchemaChecks.isFloatingArray(t) && stepSize != 1) {
            throw new IllegalArgumentException(stage + ": column '" + column + "' holds " + SchemaChecks.describe(t)
                    + ", one value per step, but inputShape gives " + stepSize + " values per step");
        }
        return t;
    }

    /**
     * One row's sequence ({@code scala.collection.Seq} of vectors or of numbers), time-major, {@code steps * stepSize}
     * values.
     *
     * @throws IllegalArgumentException naming {@code where} and the step for a wrong length, a wrong step size, a null
     *     step or a non-finite value
     */
    static double[] values(Object sequence, int steps, int stepSize, String where) {
        scala.collection.Seq<?> seq = (scala.collection.Seq<?>) sequence;
        int len = seq.length();
        if (len != steps) {
            throw new IllegalArgumentException(where + " holds a sequence of " + len + " steps, but timeSteps is "
                    + steps + " (sequences are never truncated or padded)");
        }
        double[] out = new double[steps * stepSize];
        for (int k = 0; k < steps; k++) {
            Object e = seq.apply(k);
            if (e == null) {
                throw new IllegalArgumentException(where + ": step " + k + " is null");
            }
            if (e instanceof Vector v) {
                if (v.size() != stepSize) {
                    throw new IllegalArgumentException(where + ": step " + k + " has " + v.size()
                            + " values, but inputShape gives " + stepSize + " per step");
                }
                double[] d = v.toArray();
                System.arraycopy(d, 0, out, k * stepSize, stepSize);
            } else {
                if (stepSize != 1) {
                    throw new IllegalArgumentException(where + ": step " + k + " is one number, but inputShape gives "
                            + stepSize + " values per step");
                }
                out[k] = ((Number) e).doubleValue();
            }
            for (int j = 0; j < stepSize; j++) {
                double x = out[k * stepSize + j];
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException(where + ": step " + k + ", value " + j + " is " + x
                            + "; values must be finite");
                }
            }
        }
        return out;
    }

    /** {@code df} with the sequence array column {@code column} replaced by its time-major vector (nulls stay null). */
    static Dataset<Row> flattened(Dataset<Row> df, String column, int steps, int stepSize) {
        UDF1<Object, Vector> f = o -> o == null ? null
                : Vectors.dense(values(o, steps, stepSize, "column '" + column + "'"));
        Column flat = functions.udf(f, SQLDataTypes.VectorType()).apply(df.col(column));
        return df.withColumn(column, flat);
    }
}
