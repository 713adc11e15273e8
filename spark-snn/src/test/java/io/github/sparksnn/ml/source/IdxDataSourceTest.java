package io.github.sparksnn.ml.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.github.sparksnn.data.IdxImages;
import io.github.sparksnn.data.IdxReader;
import io.github.sparksnn.ml.SparkTestSupport;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IdxDataSourceTest {
    static SparkSession spark;
    static Path dir;
    static final int N = 11;
    static final int ROWS = 3;
    static final int COLS = 2;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestSupport.local(2);
        dir = SparkTestSupport.tempDir("idx");
        // train: gzip; t10k: plain files; pixel (i, k) = (37 i + 11 k) mod 256, label i mod 10
        IdxTestFiles.writePair(dir, "train", N, ROWS, COLS, true);
        IdxTestFiles.writePair(dir, "t10k", 4, ROWS, COLS, false);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static int pixel(int i, int k) {
        return IdxTestFiles.pixel(i, k);
    }

    @Test
    void readsEveryRecordScaledInItsOwnPartitionRange() {
        Dataset<Row> df = spark.read().format("idx").option("numPartitions", 3).load(dir.toString());
        assertEquals(SQLDataTypes.VectorType(), df.schema().apply("features").dataType());
        assertEquals(DataTypes.DoubleType, df.schema().apply("label").dataType());
        assertEquals(DataTypes.LongType, df.schema().apply("index").dataType());
        assertEquals(3, df.rdd().getNumPartitions());
        // Partition i holds the contiguous range [i*n/3, (i+1)*n/3): check with spark_partition_id.
        List<Row> parts = df.selectExpr("spark_partition_id() AS p", "index")
                .groupBy("p").agg(org.apache.spark.sql.functions.min("index"), org.apache.spark.sql.functions.max("index"))
                .orderBy("p").collectAsList();
        assertEquals(3, parts.size());
        for (int p = 0; p < 3; p++) {
            assertEquals((long) p * N / 3, parts.get(p).getLong(1));
            assertEquals((long) (p + 1) * N / 3 - 1, parts.get(p).getLong(2));
        }
        List<Row> rows = df.orderBy("index").collectAsList();
        assertEquals(N, rows.size());
        for (int i = 0; i < N; i++) {
            Row r = rows.get(i);
            assertEquals(i, r.getLong(2));
            assertEquals(i % 10, r.getDouble(1));
            double[] expected = new double[ROWS * COLS];
            for (int k = 0; k < expected.length; k++) {
                expected[k] = pixel(i, k) / 255.0;
            }
            assertArrayEquals(expected, ((Vector) r.get(0)).toArray(), 0.0, "record " + i);
        }
    }

    @Test
    void testSplitArrayFeaturesRawPixelsAndJavaEntry() {
        Dataset<Row> df = spark.read().format("idx").option("split", "test").option("featuresType", "array")
                .option("normalize", "false").load(dir.toString());
        assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, false), df.schema().apply("features").dataType());
        List<Row> rows = df.orderBy("index").collectAsList();
        assertEquals(4, rows.size());
        assertEquals((double) pixel(3, 5), rows.get(3).getList(0).get(5));
        // A file: URI goes through Hadoop's FileSystem (the route of hdfs:// and s3a://) and reads the same rows.
        Dataset<Row> viaHadoop = spark.read().format("idx").option("numPartitions", 2).load(dir.toUri().toString());
        assertEquals(spark.read().format("idx").load(dir.toString()).orderBy("index").collectAsList(),
                viaHadoop.orderBy("index").collectAsList());
        Exception noFiles = assertThrows(IllegalArgumentException.class,
                () -> spark.read().format("idx").load(dir.resolve("nowhere").toUri().toString()));
        assertTrue(noFiles.getMessage().contains("apt-get install dataset-fashion-mnist"), noFiles.getMessage());
        Dataset<Row> viaJava = IdxDataFrames.load(spark, dir, "train", 2);
        assertEquals(2, viaJava.rdd().getNumPartitions());
        assertEquals(N, viaJava.count());
        // more partitions than records: capped at the record count
        assertEquals(4, IdxDataFrames.load(spark, dir, "test", 50).rdd().getNumPartitions());
    }

    @Test
    void rowSequencesHoldOneVectorPerImageRow() {
        Dataset<Row> df = spark.read().format("idx").option("sequence", "rows").load(dir.toString());
        assertEquals(DataTypes.createArrayType(SQLDataTypes.VectorType(), false),
                df.schema().apply("features").dataType());
        List<Row> rows = df.orderBy("index").collectAsList();
        assertEquals(N, rows.size());
        for (int i = 0; i < N; i++) {
            List<Object> steps = rows.get(i).getList(0);
            assertEquals(ROWS, steps.size(), "one step per image row");
            for (int r = 0; r < ROWS; r++) {
                double[] expected = new double[COLS];
                for (int c = 0; c < COLS; c++) {
                    expected[c] = pixel(i, r * COLS + c) / 255.0;
                }
                assertArrayEquals(expected, ((Vector) steps.get(r)).toArray(), 0.0, "record " + i + ", row " + r);
            }
        }
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> spark.read().format("idx")
                .option("sequence", "rows").option("featuresType", "array").load(dir.toString()));
        assertTrue(both.getMessage().contains("does not go with featuresType"), both.getMessage());
        IllegalArgumentException cols = assertThrows(IllegalArgumentException.class, () -> spark.read().format("idx")
                .option("sequence", "columns").load(dir.toString()));
        assertTrue(cols.getMessage().contains("option sequence must be 'none' or 'rows', got 'columns'"),
                cols.getMessage());
    }

    @Test
    void sqlTemporaryViewUsingIdx() {
        spark.sql("CREATE OR REPLACE TEMPORARY VIEW idx_train USING idx OPTIONS (path '" + dir + "', numPartitions '2')");
        Row r = spark.sql("SELECT count(*), sum(label), max(index) FROM idx_train").first();
        assertEquals(N, r.getLong(0));
        double labels = 0;
        for (int i = 0; i < N; i++) {
            labels += i % 10;
        }
        assertEquals(labels, r.getDouble(1));
        assertEquals(N - 1, r.getLong(2));
    }

    @Test
    void badFilesAndOptionsFailAtLoadWithTheProblemNamed() throws IOException {
        Path empty = SparkTestSupport.tempDir("idx-empty");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> spark.read().format("idx").load(empty.toString()));
        assertTrue(missing.getMessage().contains("apt-get install dataset-fashion-mnist"), missing.getMessage());
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte"), missing.getMessage());

        // images and labels swapped: wrong magic, named
        IllegalArgumentException magic = assertThrows(IllegalArgumentException.class,
                () -> spark.read().format("idx")
                        .option("images", dir.resolve("train-labels-idx1-ubyte.gz").toString())
                        .option("labels", dir.resolve("train-images-idx3-ubyte.gz").toString()).load());
        assertTrue(magic.getMessage().contains("not an IDX image file") && magic.getMessage().contains("2049"),
                magic.getMessage());

        // 11 images, 4 labels
        IllegalArgumentException counts = assertThrows(IllegalArgumentException.class,
                () -> spark.read().format("idx")
                        .option("images", dir.resolve("train-images-idx3-ubyte.gz").toString())
                        .option("labels", dir.resolve("t10k-labels-idx1-ubyte").toString()).load());
        assertTrue(counts.getMessage().contains("count mismatch") && counts.getMessage().contains("11 images")
                && counts.getMessage().contains("4 labels"), counts.getMessage());

        IllegalArgumentException split = assertThrows(IllegalArgumentException.class,
                () -> spark.read().format("idx").option("split", "validation").load(dir.toString()));
        assertTrue(split.getMessage().contains("split") && split.getMessage().contains("validation"),
                split.getMessage());
        IllegalArgumentException parts = assertThrows(IllegalArgumentException.class,
                () -> spark.read().format("idx").option("numPartitions", 0).load(dir.toString()));
        assertTrue(parts.getMessage().contains("numPartitions"), parts.getMessage());
        IllegalArgumentException pair = assertThrows(IllegalArgumentException.class,
                () -> spark.read().format("idx").option("images", "x").load());
        assertTrue(pair.getMessage().contains("'images' and 'labels'"), pair.getMessage());
    }

    @Test
    void realFashionMnistHas60000And10000RecordsEqualToTheReader() {
        Path fm = Path.of(IdxOptions.DEFAULT_DIR);
        assumeTrue(Files.isRegularFile(fm.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST not installed at " + fm + " (apt-get install dataset-fashion-mnist): skipped");
        Dataset<Row> train = IdxDataFrames.fashionMnist(spark, "train", 4);
        // load() without a path reads the default directory
        Dataset<Row> test = spark.read().format("idx").option("split", "test").option("numPartitions", 2).load();
        assertEquals(4, train.rdd().getNumPartitions());
        assertEquals(2, test.rdd().getNumPartitions());
        assertEquals(60000L, train.count());
        assertEquals(10000L, test.count());
        // Balanced classes: 1000 of each of the 10 in the test split.
        List<Row> perClass = test.groupBy("label").count().orderBy("label").collectAsList();
        assertEquals(10, perClass.size());
        for (Row r : perClass) {
            assertEquals(1000L, r.getLong(1), "class " + r.getDouble(0));
        }
        // One record from the end of the last partition equals the plain reader's.
        IdxImages img = IdxReader.readImages(fm.resolve("train-images-idx3-ubyte.gz"), 59998, 59999);
        int[] lab = IdxReader.readLabels(fm.resolve("train-labels-idx1-ubyte.gz"), 59998, 59999);
        Row r = train.where("index = 59998").first();
        assertEquals(lab[0], r.getDouble(1));
        double[] v = ((Vector) r.get(0)).toArray();
        assertEquals(784, v.length);
        for (int k = 0; k < 784; k++) {
            assertEquals((img.rawPixels()[k] & 0xff) / 255.0, v[k], 0.0);
        }
    }
}
