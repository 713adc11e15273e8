package io.github.sparksnn.ml.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Synthetic, seeded Gaussian clusters: class k centred at a random point in [0, 1]^f. */
public final class Blobs {
    public final float[][] x;
    public final int[] y;

    public Blobs(int n, int f, int c, long seed, double spread) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] centres = new double[c][f];
        for (double[] ce : centres) {
            for (int j = 0; j < f; j++) {
                ce[j] = r.nextDouble();
            }
        }
        x = new float[n][f];
        y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % c;
            for (int j = 0; j < f; j++) {
                x[i][j] = (float) Math.min(1, Math.max(0, centres[y[i]][j] + spread * r.nextGaussian()));
            }
        }
    }

    public static StructType schema() {
        return new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    }

    /** Rows in order, sliced into {@code partitions} contiguous partitions (deterministic, whatever the master). */
    public Dataset<Row> frame(SparkSession spark, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            double[] d = new double[x[i].length];
            for (int j = 0; j < d.length; j++) {
                d[j] = x[i][j];
            }
            rows.add(RowFactory.create(Vectors.dense(d), (double) y[i]));
        }
        JavaRDD<Row> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions);
        return spark.createDataFrame(rdd, schema());
    }

    /** The samples of each partition as {@link #frame} slices them (Spark's ParallelCollectionRDD rule). */
    public int[][] partitionIndices(int partitions) {
        int[][] out = new int[partitions][];
        long n = y.length;
        for (int p = 0; p < partitions; p++) {
            int start = (int) (p * n / partitions);
            int end = (int) ((p + 1) * n / partitions);
            out[p] = new int[end - start];
            for (int i = start; i < end; i++) {
                out[p][i - start] = i;
            }
        }
        return out;
    }
}
