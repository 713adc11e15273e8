package io.github.sparksnn.ml.train.plan;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

import scala.Tuple2;

import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Turns a DataFrame of (features vector, label) rows into one {@link PackedBlock} per partition, checks
 * every row on the way, and raises the first problem on the driver with a message that names the column.
 */
public final class BlockPacker {
    private BlockPacker() {
    }

    /**
     * Packs {@code df}'s partitions (one block each, partition order kept) and persists them in memory.
     * {@code labelCol} may be null for unlabeled data (labels are then 0). Labels must be integers in
     * {@code [0, numClasses)}; features vectors of length {@code featureSize} with finite values.
     */
    public static JavaRDD<PackedBlock> pack(Dataset<Row> df, String featuresCol, String labelCol, int featureSize,
                                            int numClasses) {
        Dataset<Row> sel = labelCol == null ? df.select(col(featuresCol))
                : df.select(col(featuresCol), col(labelCol).cast("double"));
        final boolean labeled = labelCol != null;
        JavaRDD<PackedBlock> blocks = sel.javaRDD().mapPartitionsWithIndex(
                (p, rows) -> Collections.singletonList(
                        packPartition(p, rows, labeled, featuresCol, labelCol, featureSize, numClasses)).iterator(),
                true);
        return blocks.persist(StorageLevel.MEMORY_ONLY());
    }

    static PackedBlock packPartition(int p, Iterator<Row> rows, boolean labeled, String featuresCol,
                                     String labelCol, int featureSize, int numClasses) {
        float[] feats = new float[featureSize * 64];
        int[] labels = new int[64];
        int n = 0;
        int maxLabel = -1;
        String problem = null;
        while (rows.hasNext()) {
            Row r = rows.next();
            if (problem != null) {
                continue;
            }
            Vector v = r.isNullAt(0) ? null : (Vector) r.get(0);
            if (v == null) {
                problem = where(featuresCol, p, n) + " is null";
                continue;
            }
            if (v.size() != featureSize) {
                problem = where(featuresCol, p, n) + " has " + v.size() + " values, the model's input shape needs "
                        + featureSize;
                continue;
            }
            int label = 0;
            if (labeled) {
                if (r.isNullAt(1)) {
                    problem = where(labelCol, p, n) + " is null";
                    continue;
                }
                double d = r.getDouble(1);
                if (!(d >= 0 && d < numClasses && d == Math.rint(d))) {
                    problem = where(labelCol, p, n) + " is " + d + ": labels must be integers in [0, " + numClasses
                            + ")";
                    continue;
                }
                label = (int) d;
            }
            if (n == labels.length) {
                labels = Arrays.copyOf(labels, n * 2);
                feats = Arrays.copyOf(feats, n * 2 * featureSize);
            }
            int base = n * featureSize;
            double[] dense = v.toArray();
            for (int j = 0; j < featureSize; j++) {
                double x = dense[j];
                if (!Double.isFinite(x)) {
                    problem = where(featuresCol, p, n) + " has a non-finite value (" + x + ") at index " + j;
                    break;
                }
                feats[base + j] = (float) x;
            }
            if (problem != null) {
                continue;
            }
            labels[n] = label;
            maxLabel = Math.max(maxLabel, label);
            n++;
        }
        return new PackedBlock(p, featureSize, n, Arrays.copyOf(feats, n * featureSize), Arrays.copyOf(labels, n),
                maxLabel, problem);
    }

    private static String where(String column, int partition, int row) {
        return "column '" + column + "', row " + row + " of partition " + partition + ":";
    }

    /** Sizes of the persisted blocks (one small job); raises the first recorded problem, in partition order. */
    public static int[] checkedSizes(JavaRDD<PackedBlock> blocks, String what) {
        List<Tuple2<Integer, String>> summary = blocks.map(b -> new Tuple2<>(b.size, b.problem)).collect();
        int[] out = new int[summary.size()];
        for (int i = 0; i < out.length; i++) {
            String problem = summary.get(i)._2();
            if (problem != null) {
                blocks.unpersist(false);
                throw new IllegalArgumentException("invalid " + what + " data: " + problem);
            }
            out[i] = summary.get(i)._1();
        }
        return out;
    }
}
