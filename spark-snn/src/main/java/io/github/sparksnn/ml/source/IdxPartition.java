package io.github.sparksnn.ml.source;

import org.apache.spark.sql.connector.read.InputPartition;

/**
 * Records {@code [start, end)} of a pair of IDX files, as planned on the driver (whose header said {@code count}
 * records of {@code rows x cols}; a task checks the file still says so).
 */
record IdxPartition(String images, String labels, int start, int end, int count, int rows, int cols)
        implements InputPartition {
}
