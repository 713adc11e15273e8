package io.github.sparksnn.ml;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Weights of a stage as Parquet under {@code path/data}: one row {@code (numClasses, numFeatures, weights)}, the
 * layout of {@link SpikingNetworkModel} and of the per-layer stages ({@link SpikingLayer}).
 */
final class LayerWeights {
    private LayerWeights() {
    }

    static StructType schema() {
        return new StructType()
                .add("numClasses", DataTypes.IntegerType, false)
                .add("numFeatures", DataTypes.IntegerType, false)
                .add("weights", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    static void save(SparkSession spark, String path, int a, int b, float[] weights) {
        List<Float> w = new ArrayList<>(weights.length);
        for (float f : weights) {
            w.add(f);
        }
        Row row = RowFactory.create(a, b, w);
        spark.createDataFrame(List.of(row), schema()).repartition(1).write().parquet(new Path(path, "data").toString());
    }

    /** {@code (a, b, weights)} as saved. */
    static Object[] load(SparkSession spark, String path) {
        Row row = spark.read().parquet(new Path(path, "data").toString())
                .select("numClasses", "numFeatures", "weights").head();
        List<Float> w = row.getList(2);
        float[] weights = new float[w.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = w.get(i);
        }
        return new Object[]{row.getInt(0), row.getInt(1), weights};
    }
}
