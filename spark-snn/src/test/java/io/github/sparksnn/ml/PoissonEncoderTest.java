package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PoissonEncoderTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType)
            .add("features", SQLDataTypes.VectorType());

    static Dataset<Row> intensities(int n, int d) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] p = new double[d];
            for (int j = 0; j < d; j++) {
                p[j] = ((i * 7 + j * 3) % 11) / 10.0; // 0.0 .. 1.0, includes both ends
            }
            rows.add(RowFactory.create((long) i, i % 3 == 0 ? Vectors.dense(p).toSparse() : Vectors.dense(p)));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    static Map<Long, Vector> byId(Dataset<Row> df, String col) {
        Map<Long, Vector> m = new HashMap<>();
        for (Row r : df.select("id", col).collectAsList()) {
            m.put(r.getLong(0), (Vector) r.get(1));
        }
        return m;
    }

    @Test
    void spikeTrainsEqualTheJavaSamplerAndDoNotDependOnPartitioning() {
        PoissonEncoder enc = new PoissonEncoder().setTimeSteps(5).setSeed(7L);
        Dataset<Row> df = intensities(40, 6);
        Map<Long, Vector> one = byId(enc.transform(df.repartition(1)), "spikes");
        Map<Long, Vector> three = byId(enc.transform(df.repartition(3)), "spikes");
        assertEquals(one, three);
        // Each row equals the plain-Java sampler seeded from (seed, content hash).
        for (Row r : df.collectAsList()) {
            Vector p = (Vector) r.get(1);
            double[] expected = new double[30];
            PoissonEncoder.encode(p.toArray(), 5, PoissonEncoder.rowSeed(7L, PoissonEncoder.contentKey(p)), expected);
            assertArrayEquals(expected, one.get(r.getLong(0)).toArray(), "row " + r.getLong(0));
            // p = 0 never fires, p = 1 always does, at every step
            double[] pa = p.toArray();
            for (int t = 0; t < 5; t++) {
                for (int j = 0; j < 6; j++) {
                    if (pa[j] == 0.0) {
                        assertEquals(0.0, expected[t * 6 + j]);
                    } else if (pa[j] == 1.0) {
                        assertEquals(1.0, expected[t * 6 + j]);
                    }
                }
            }
        }
        // A different seed gives different trains.
        assertNotEquals(one, byId(enc.copy(new org.apache.spark.ml.param.ParamMap()).setSeed(8L).transform(df), "spikes"));
    }

    @Test
    void aRowEqualsTheCpuBackendsPoissonEncodeOfThatSample() throws Exception {
        double[] p = {0.0, 0.1, 0.37, 0.5, 0.93, 1.0};
        int t = 7;
        long rowSeed = PoissonEncoder.rowSeed(42L, 5L);
        double[] mine = new double[t * p.length];
        PoissonEncoder.encode(p, t, rowSeed, mine);
        try (io.github.sparksnn.backend.CpuBackend be = new io.github.sparksnn.backend.CpuBackend(1, true)) {
            float[] pf = new float[p.length];
            for (int j = 0; j < p.length; j++) {
                pf[j] = (float) p[j];
            }
            io.github.sparksnn.backend.Tensor x = be.alloc(p.length);
            io.github.sparksnn.backend.Tensor out = be.alloc(t * p.length);
            be.upload(pf, 0, x, 0, p.length);
            be.poissonEncode(x, 1, p.length, t, rowSeed, 0L, out);
            float[] core = new float[t * p.length];
            be.download(out, 0, core, 0, core.length);
            for (int i = 0; i < core.length; i++) {
                assertEquals(core[i], mine[i], 0.0, "element " + i);
            }
        }
    }

    @Test
    void firingRateMatchesIntensityAndKeyColSeedsRows() {
        int t = 4000;
        double[] p = {0.05, 0.3, 0.5, 0.9};
        List<Row> rows = List.of(RowFactory.create(1L, Vectors.dense(p)), RowFactory.create(2L, Vectors.dense(p)));
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
        PoissonEncoder enc = new PoissonEncoder().setTimeSteps(t).setSeed(3L).setKeyCol("id").setOutputCol("s");
        Map<Long, Vector> out = byId(enc.transform(df), "s");
        // Same features, different keys: different trains.
        assertNotEquals(out.get(1L), out.get(2L));
        double[] s = out.get(1L).toArray();
        assertEquals(t * p.length, s.length);
        for (int j = 0; j < p.length; j++) {
            double count = 0;
            for (int k = 0; k < t; k++) {
                count += s[k * p.length + j];
            }
            double sd = Math.sqrt(t * p[j] * (1 - p[j]));
            assertTrue(Math.abs(count - t * p[j]) < 5 * sd, "feature " + j + ": " + count + " spikes, expected ~" + t * p[j]);
        }
        double[] expected = new double[s.length];
        PoissonEncoder.encode(p, t, PoissonEncoder.rowSeed(3L, 1L), expected);
        assertArrayEquals(expected, s);
    }

    @Test
    void schemaErrorsNameTheColumnAndTheProblem() {
        StructType schema = new StructType().add("x", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new PoissonEncoder().setInputCol("pixels").transformSchema(schema));
        assertTrue(missing.getMessage().contains("'pixels'") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new PoissonEncoder().setInputCol("x").transformSchema(schema));
        assertTrue(type.getMessage().contains("'x'") && type.getMessage().contains("double"), type.getMessage());
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> new PoissonEncoder().setOutputCol("x").transformSchema(schema));
        assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> new PoissonEncoder().setKeyCol("x").transformSchema(schema));
        assertTrue(key.getMessage().contains("key column 'x'"), key.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PoissonEncoder().setTimeSteps(0));
        // transformSchema's output type
        assertEquals(SQLDataTypes.VectorType(), new PoissonEncoder().transformSchema(schema).apply("spikes").dataType());
    }

    @Test
    void outOfRangeOrNanIntensitiesFailNamingTheColumnAndNullRowsStayNull() {
        for (double bad : new double[] {1.5, -0.1, Double.NaN}) {
            Dataset<Row> df = spark.createDataFrame(
                    List.of(RowFactory.create(0L, Vectors.dense(0.2, bad))), SCHEMA);
            Exception e = assertThrows(Exception.class, () -> new PoissonEncoder().transform(df).collectAsList());
            String msg = causes(e);
            assertTrue(msg.contains("column 'features' holds " + bad + " at index 1"), msg);
        }
        Dataset<Row> withNull = spark.createDataFrame(List.of(RowFactory.create(0L, null)), SCHEMA);
        assertNull(new PoissonEncoder().transform(withNull).first().get(2));
    }

    @Test
    void saveAndLoadKeepsEveryParam() throws Exception {
        PoissonEncoder enc = new PoissonEncoder().setTimeSteps(9).setSeed(-5L).setKeyCol("id")
                .setInputCol("features").setOutputCol("train");
        Path dir = SparkTestSupport.tempDir("poisson");
        enc.write().overwrite().save(dir.toString());
        PoissonEncoder back = PoissonEncoder.load(dir.toString());
        assertEquals(enc.uid(), back.uid());
        assertEquals(9, back.getTimeSteps());
        assertEquals(-5L, back.getSeed());
        assertEquals("id", back.getKeyCol());
        assertEquals("train", back.getOutputCol());
        Dataset<Row> df = intensities(5, 3);
        assertEquals(byId(enc.transform(df), "train"), byId(back.transform(df), "train"));
        assertTrue(enc.explainParams().contains("timeSteps: number of time steps T"), enc.explainParams());
    }

    /** The messages of an exception and all its causes (Spark wraps task failures). */
    static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
