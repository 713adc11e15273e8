package io.github.sparksnn.ml.source;

import java.nio.file.Path;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Java entry points to the {@code idx} data source ({@link IdxDataSource}): a DataFrame of {@code features}
 * (ml Vector scaled to [0, 1]), {@code label} (double) and {@code index} (long), read inside tasks.
 */
public final class IdxDataFrames {
    private IdxDataFrames() {
    }

    /**
     * One split of an MNIST-family data set in {@code dir}.
     *
     * @param split         {@code "train"} or {@code "test"}
     * @param numPartitions record ranges to read in parallel (>= 1)
     * @throws IllegalArgumentException if a file is missing (with the {@code apt-get install dataset-fashion-mnist}
     *                                  hint), has the wrong magic number, or the counts disagree
     */
    public static Dataset<Row> load(SparkSession spark, Path dir, String split, int numPartitions) {
        return load(spark, dir, split, numPartitions, "none");
    }

    /**
     * As {@link #load(SparkSession, Path, String, int)} with the source's {@code sequence} option: {@code none}, or
     * {@code rows} for features as an {@code array<vector>}, one vector per image row (28 steps of 28 pixels).
     */
    public static Dataset<Row> load(SparkSession spark, Path dir, String split, int numPartitions, String sequence) {
        return spark.read().format(IdxDataSource.class.getName())
                .option("split", split)
                .option("numPartitions", numPartitions)
                .option("sequence", sequence)
                .load(dir.toAbsolutePath().toString());
    }

    /** One split of Fashion-MNIST from {@value IdxOptions#DEFAULT_DIR} (the Debian package's location). */
    public static Dataset<Row> fashionMnist(SparkSession spark, String split, int numPartitions) {
        return load(spark, Path.of(IdxOptions.DEFAULT_DIR), split, numPartitions);
    }
}
