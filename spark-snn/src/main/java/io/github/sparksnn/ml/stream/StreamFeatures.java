package io.github.sparksnn.ml.stream;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import scala.jdk.javaapi.CollectionConverters;

/**
 * An events' features column as {@code array<float>} that holds no nulls, made without boxing. A file source
 * declares every array as one that may hold nulls, and Spark decodes such an array into a {@code float[]} (and casts
 * it from doubles) through one boxed value per element; at 784 features per event that boxing cost about as much as
 * reading the file. {@link #floats} reads the array once, fails on a null element naming the key, the time and the
 * micro-batch, and writes the floats as one primitive array, whose decode into the event's {@code float[]} is one
 * copy. It is Spark's own {@code StaticInvoke} expression on a static method here, so it runs in generated code;
 * the class and {@link #convert} are public only because that generated code calls them.
 */
public final class StreamFeatures {
    private StreamFeatures() {
    }

    /**
     * {@code features} (an array of float or double; any other numeric element type is cast to double first) as
     * {@code array<float>} without nulls; a null array stays null.
     */
    static Column floats(Column features, DataType elementType, Column key, Column time, boolean timestamps) {
        boolean doubles = !elementType.equals(DataTypes.FloatType);
        Column in = doubles && !elementType.equals(DataTypes.DoubleType)
                ? features.cast(DataTypes.createArrayType(DataTypes.DoubleType)) : features;
        Expression call = new StaticInvoke(StreamFeatures.class, new ArrayType(DataTypes.FloatType, false), "convert",
                CollectionConverters.asScala(java.util.List.of(ExpressionUtils.expression(in),
                        Literal.create(doubles, DataTypes.BooleanType), ExpressionUtils.expression(key),
                        ExpressionUtils.expression(time), Literal.create(timestamps, DataTypes.BooleanType))).toList(),
                CollectionConverters.asScala(java.util.List.<org.apache.spark.sql.types.AbstractDataType>of()).toList(),
                false, true, true, scala.Option.empty());
        return ExpressionUtils.column(call);
    }

    /**
     * The body of {@link #floats}, called by Spark's generated code per row.
     *
     * @throws IllegalArgumentException on a null element, naming the key, the time, the micro-batch and the index
     */
    public static ArrayData convert(ArrayData a, boolean doubles, UTF8String key, long time, boolean timestamps) {
        if (a == null) {
            return null;
        }
        int n = a.numElements();
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            if (a.isNullAt(j)) {
                throw new IllegalArgumentException("key '" + key + "', time " + timeText(time, timestamps) + ", batch "
                        + KeyStepFunction.batch() + ": feature " + j + " is null");
            }
            out[j] = doubles ? (float) a.getDouble(j) : a.getFloat(j);
        }
        return UnsafeArrayData.fromPrimitiveArray(out);
    }

    /** A time for messages: the sequence number, or the timestamp (microseconds) as an instant. */
    static String timeText(Long t, boolean timestamps) {
        return t == null ? "null" : timestamps ? Instant.EPOCH.plus(t, ChronoUnit.MICROS).toString() : Long.toString(t);
    }
}
