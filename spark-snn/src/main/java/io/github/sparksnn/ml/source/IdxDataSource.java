package io.github.sparksnn.ml.source;

import java.util.Map;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A Spark data source (DataSource V2, batch read) for IDX image/label files of the MNIST family, registered under
 * the short name {@code idx}:
 * <pre>{@code
 * Dataset<Row> train = spark.read().format("idx").option("split", "train").option("numPartitions", 4)
 *         .load("/usr/share/datasets/fashion-mnist");
 * }</pre>
 * Schema: {@code features} (dense ml {@code Vector} of rows*cols pixels scaled to [0, 1], or {@code array<double>}
 * with {@code featuresType=array}; raw 0..255 with {@code normalize=false}), {@code label} (double, the class
 * index), {@code index} (long, the record's position in the file: a stable row key, e.g. for
 * {@code PoissonEncoder.keyCol}). Options are described in {@link IdxOptions}.
 *
 * <p>The driver reads only the two headers (validating magic numbers, image shape and matching counts, so a bad
 * file fails at {@code load()}, before any job); each task decodes its own record range {@code [start, end)}
 * inside the executor. Gzip is not splittable, so a task decompresses from the start of the file and skips to
 * its range: with P partitions the file is decompressed P times in parallel, cheap for files of tens of MB.
 */
public final class IdxDataSource implements TableProvider, DataSourceRegister {

    /** The short name for {@code spark.read().format(...)}. */
    public static final String SHORT_NAME = "idx";

    public IdxDataSource() {
    }

    @Override
    public String shortName() {
        return SHORT_NAME;
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        return IdxTable.schema(IdxOptions.parse(options, 1));
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        SparkSession spark = SparkSession.active();
        IdxOptions options = IdxOptions.parse(properties, spark.sparkContext().defaultParallelism());
        return IdxTable.open(options, spark);
    }
}
