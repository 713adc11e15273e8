package io.github.sparksnn.ml.source;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import io.github.sparksnn.data.IdxHeader;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** One pair of IDX files as a readable table; also its scan (the whole table, always) and batch plan. */
final class IdxTable implements SupportsRead, ScanBuilder, Scan, Batch {

    private final IdxOptions options;
    private final IdxFiles files;
    private final int count;
    private final int rows;
    private final int cols;

    private IdxTable(IdxOptions options, IdxFiles files, int count, int rows, int cols) {
        this.options = options;
        this.files = files;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
    }

    /** The output schema: features, label, index. */
    static StructType schema(IdxOptions o) {
        return new StructType()
                .add("features", o.rowSequence() ? DataTypes.createArrayType(SQLDataTypes.VectorType(), false)
                        : o.vectorFeatures() ? SQLDataTypes.VectorType()
                        : DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                .add("label", DataTypes.DoubleType, false)
                .add("index", DataTypes.LongType, false);
    }

    /** Reads and cross-checks the two headers on the driver. */
    static IdxTable open(IdxOptions options, SparkSession spark) {
        Map<String, String> conf = new HashMap<>();
        if (!IdxFiles.isLocal(options.images()) || !IdxFiles.isLocal(options.labels())) {
            spark.sparkContext().hadoopConfiguration().forEach(e -> conf.put(e.getKey(), e.getValue()));
        }
        IdxFiles files = new IdxFiles(conf);
        IdxHeader img = files.header(options.images());
        IdxHeader lab = files.header(options.labels());
        if (img.magic() != IdxHeader.IMAGES_MAGIC || img.dims().length != 3) {
            throw new IllegalArgumentException(String.format("idx source: %s is not an IDX image file: magic %d "
                    + "(0x%08x), expected %d (0x%08x, unsigned bytes, 3 dimensions)%s", options.images(), img.magic(),
                    img.magic(), IdxHeader.IMAGES_MAGIC, IdxHeader.IMAGES_MAGIC,
                    img.magic() == IdxHeader.LABELS_MAGIC ? " (it looks like a label file)" : ""));
        }
        if (lab.magic() != IdxHeader.LABELS_MAGIC || lab.dims().length != 1) {
            throw new IllegalArgumentException(String.format("idx source: %s is not an IDX label file: magic %d "
                    + "(0x%08x), expected %d (0x%08x, unsigned bytes, 1 dimension)%s", options.labels(), lab.magic(),
                    lab.magic(), IdxHeader.LABELS_MAGIC, IdxHeader.LABELS_MAGIC,
                    lab.magic() == IdxHeader.IMAGES_MAGIC ? " (it looks like an image file)" : ""));
        }
        int[] d = img.dims();
        if (d[1] <= 0 || d[2] <= 0) {
            throw new IllegalArgumentException("idx source: " + options.images() + " declares empty images "
                    + d[1] + "x" + d[2]);
        }
        if (img.count() != lab.count()) {
            throw new IllegalArgumentException("idx source: image/label count mismatch: " + options.images()
                    + " holds " + img.count() + " images but " + options.labels() + " holds " + lab.count()
                    + " labels");
        }
        return new IdxTable(options, files, img.count(), d[1], d[2]);
    }

    // ------------------------------------------------------------------ Table

    @Override
    public String name() {
        return "idx[" + options.images() + ", " + options.labels() + "]";
    }

    @Override
    public StructType schema() {
        return schema(options);
    }

    @Override
    public Set<TableCapability> capabilities() {
        return Set.of(TableCapability.BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap ignored) {
        return this;
    }

    // ------------------------------------------------------------------ ScanBuilder, Scan

    @Override
    public Scan build() {
        return this;
    }

    @Override
    public StructType readSchema() {
        return schema();
    }

    @Override
    public String description() {
        return "IdxScan[" + count + " records of " + rows + "x" + cols + ", " + partitions() + " partitions, "
                + options.images() + "]";
    }

    @Override
    public Batch toBatch() {
        return this;
    }

    // ------------------------------------------------------------------ Batch

    private int partitions() {
        return Math.max(1, Math.min(options.numPartitions(), count));
    }

    /** Contiguous record ranges {@code [i*n/P, (i+1)*n/P)}: partition i holds records in file order. */
    @Override
    public InputPartition[] planInputPartitions() {
        int p = partitions();
        InputPartition[] out = new InputPartition[p];
        for (int i = 0; i < p; i++) {
            int start = (int) ((long) i * count / p);
            int end = (int) ((long) (i + 1) * count / p);
            out[i] = new IdxPartition(options.images(), options.labels(), start, end, count, rows, cols);
        }
        return out;
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
        return new IdxReaderFactory(files, options.vectorFeatures(), options.normalize(), options.rowSequence());
    }
}
