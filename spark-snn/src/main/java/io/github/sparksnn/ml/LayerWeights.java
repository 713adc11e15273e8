package io.github.sparksnn.ml;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * Weights of a stage as Parquet under {@code path/data}: one row {@code (numClasses, numFeatures, weights, buffers)},
 * the layout of {@link SpikingNetworkModel} and of the per-layer stages ({@link SpikingLayer}); buffers are the
 * batch-norm running statistics (empty for other layers; data written without the column loads as empty).
 */
final class LayerWeights {
    private LayerWeights() {
    }

    static StructType schema() {
        return new StructType()
                .add("numClasses", DataTypes.IntegerType, false)
                .add("numFeatures", DataTypes.IntegerType, false)
                .add("weights", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("buffers", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    /**
     * Writes the row. The vectors travel to the writing task as a broadcast, not inside it: a one-row
     * {@code createDataFrame} would embed megabytes of weights in the task ("task of very large size").
     */
    static void save(SparkSession spark, String path, int a, int b, float[] weights, float[] buffers) {
        org.apache.spark.broadcast.Broadcast<float[][]> bc = spark.sparkContext().broadcast(
                new float[][]{weights, buffers}, scala.reflect.ClassTag$.MODULE$.apply(float[][].class));
        try {
            spark.range(0, 1, 1, 1).map((org.apache.spark.api.java.function.MapFunction<Long, Row>) i -> RowFactory
                            .create(a, b, seq(bc.value()[0]), seq(bc.value()[1])),
                    org.apache.spark.sql.Encoders.row(schema())).write().parquet(new Path(path, "data").toString());
        } finally {
            bc.destroy();
        }
    }

    /** A Row's external form of an array column (a Scala Seq, what the row encoder takes inside a task). */
    private static scala.collection.immutable.Seq<Float> seq(float[] a) {
        return scala.jdk.javaapi.CollectionConverters.asScala(SpikingNetworkModel.boxed(a)).toList();
    }

    /** {@code (a, b, weights, buffers)} as saved. */
    static Object[] load(SparkSession spark, String path) {
        org.apache.spark.sql.Dataset<Row> data = spark.read().parquet(new Path(path, "data").toString());
        boolean hasBuffers = java.util.Arrays.asList(data.columns()).contains("buffers");
        Row row = (hasBuffers ? data.select("numClasses", "numFeatures", "weights", "buffers")
                : data.select("numClasses", "numFeatures", "weights")).head();
        return new Object[]{row.getInt(0), row.getInt(1), SpikingNetworkModel.unboxed(row.getList(2)),
                hasBuffers ? SpikingNetworkModel.unboxed(row.getList(3)) : new float[0]};
    }
}
