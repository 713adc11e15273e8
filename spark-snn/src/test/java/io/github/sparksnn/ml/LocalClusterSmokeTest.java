package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.sparksnn.ml.source.IdxDataFrames;
import io.github.sparksnn.ml.source.IdxTestFiles;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/**
 * Two real executor JVMs ({@code local-cluster[2,1,1024]}): the idx data source reads inside them, and the
 * stages' UDFs and the SQL functions run there with the same values as in the driver. One session, one test, to
 * pay the ~10 s executor start-up once.
 */
class LocalClusterSmokeTest {

    @Test
    void dataSourceStagesAndSqlFunctionsRunInSeparateExecutorJvms() throws Exception {
        Path dir = SparkTestSupport.tempDir("idx-cluster");
        int n = 40;
        IdxTestFiles.writePair(dir, "train", n, 4, 5, true);
        SparkSession spark = SparkTestSupport.localCluster();
        try {
            SnnFunctions.register(spark);
            spark.udf().register("jvm_name", (UDF1<Object, String>) x -> ManagementFactory.getRuntimeMXBean().getName(),
                    DataTypes.StringType);
            Dataset<Row> df = spark.read().format("idx").option("numPartitions", 4).load(dir.toString());
            Dataset<Row> out = new PoissonEncoder().setInputCol("features").setOutputCol("spikes").setTimeSteps(3)
                    .setSeed(5L).setKeyCol("index").transform(
                            new SurrogateSpike().setInputCol("features").setOutputCol("grad").setMode("gradient")
                                    .setSurrogate("Sigmoid(alpha=4.0)").transform(df));
            out.createOrReplaceTempView("t");
            List<Row> rows = spark.sql("SELECT index, label, features, grad, spikes, "
                    + "snn_surrogate_grad('ATan(alpha=2.0)', label - 4.5) AS g, jvm_name(index) AS jvm FROM t "
                    + "ORDER BY index").collectAsList();
            assertEquals(n, rows.size());
            SurrogateFunction sigmoid = Surrogates.parse("Sigmoid(alpha=4.0)");
            SurrogateFunction atan = Surrogates.parse("ATan(alpha=2.0)");
            Set<String> jvms = new HashSet<>();
            for (Row r : rows) {
                int i = (int) r.getLong(0);
                assertEquals(IdxTestFiles.label(i), r.getDouble(1));
                double[] p = ((Vector) r.get(2)).toArray();
                double[] grad = ((Vector) r.get(3)).toArray();
                assertEquals(20, p.length);
                for (int k = 0; k < 20; k++) {
                    assertEquals(IdxTestFiles.pixel(i, k) / 255.0, p[k], 0.0);
                    assertEquals(sigmoid.gradient(p[k]), grad[k], 0.0);
                }
                double[] spikes = new double[60];
                PoissonEncoder.encode(p, 3, PoissonEncoder.rowSeed(5L, i), spikes);
                assertArrayEquals(spikes, ((Vector) r.get(4)).toArray(), "record " + i);
                assertEquals(atan.gradient(IdxTestFiles.label(i) - 4.5), r.getDouble(5), 0.0);
                jvms.add(r.getString(6));
            }
            assertFalse(jvms.contains(ManagementFactory.getRuntimeMXBean().getName()), "ran in the driver: " + jvms);
            assertEquals(2, spark.sparkContext().getExecutorIds().size());

            Path fm = Path.of("/usr/share/datasets/fashion-mnist");
            if (Files.isRegularFile(fm.resolve("t10k-images-idx3-ubyte.gz"))) {
                assertEquals(10000L, IdxDataFrames.load(spark, fm, "test", 2).count());
            } else {
                System.err.println("LocalClusterSmokeTest: Fashion-MNIST absent, real-data count skipped");
            }
            // Both executor JVMs took tasks (two single-core executors, four partitions).
            assertEquals(2, jvms.size(), "executor JVMs that ran tasks: " + jvms);
        } finally {
            SparkTestSupport.stop(spark);
        }
    }
}
