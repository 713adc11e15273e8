package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.layer.Encoder;
import io.github.sparksnn.layer.LatencyCode;
import java.nio.file.Path;
import java.util.ArrayList;
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

/**
 * {@link LatencyEncoder} and the network's {@code latency(...)} encoder against a float64 reference written here
 * from snnTorch's formulas, their edge cases, validation, persistence, and the two agreeing on the same rows.
 */
class LatencyEncoderTest {
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

    /** snnTorch's latency_code then its rounding, in double, from the float-rounded input (-1: no spike). */
    static int referenceStep(double x, int steps, double tau, double th, double eps, boolean normalize,
                             boolean linear, boolean clip) {
        double v = (float) x;
        if (clip && v < th) {
            return -1;
        }
        double t;
        if (linear) {
            double tl = normalize ? steps - 1 : tau;
            t = Math.min(-tl * (v - 1), -tl * (th - 1));
        } else {
            double c = Math.max(v, th + eps);
            t = tau * Math.log(c / (c - th));
            if (normalize) {
                double tmax = (th + eps) / eps;
                t = t * (steps - 1) / (tau * Math.log(tmax));
            }
        }
        long k = Math.round(t);
        if (Math.abs(t - Math.floor(t) - 0.5) == 0) { // torch.round: half to even
            k = (long) Math.floor(t);
            k += (k % 2 != 0) ? 1 : 0;
        }
        return k <= steps - 1 ? (int) k : -1;
    }

    static Dataset<Row> rows(double[][] values) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            rows.add(RowFactory.create((long) i, Vectors.dense(values[i])));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    static double[][] grid(int n, int d) {
        double[][] v = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                v[i][j] = ((i * 13 + j * 7) % 41) / 40.0; // 0 .. 1, both ends, values not exact in float
            }
        }
        v[0][0] = 0.0;
        v[0][1] = 1.0;
        v[0][2] = 0.01;          // exactly the default threshold (as a float)
        v[0][3] = 0.005;         // below it
        v[0][4] = 1e-7;
        return v;
    }

    @Test
    void everyVariantMatchesTheFloat64ReferenceOnAGrid() {
        double[][] v = grid(30, 6);
        Dataset<Row> df = rows(v);
        int t = 9;
        for (boolean linear : new boolean[] {false, true}) {
            for (boolean normalize : new boolean[] {false, true}) {
                for (boolean clip : new boolean[] {false, true}) {
                    for (double tau : new double[] {1.0, 5.0}) {
                        LatencyEncoder enc = new LatencyEncoder().setTimeSteps(t).setTau(tau).setLinear(linear)
                                .setNormalize(normalize).setClip(clip).setThreshold(0.01).setEpsilon(1e-7);
                        Map<Long, Vector> out = PoissonEncoderTest.byId(enc.transform(df), "spikes");
                        for (int i = 0; i < v.length; i++) {
                            double[] s = out.get((long) i).toArray();
                            assertEquals(t * 6, s.length);
                            for (int j = 0; j < 6; j++) {
                                int k = referenceStep(v[i][j], t, tau, 0.01, 1e-7, normalize, linear, clip);
                                String what = enc.encoderSpec() + " x=" + v[i][j];
                                double count = 0;
                                for (int step = 0; step < t; step++) {
                                    count += s[step * 6 + j];
                                    assertEquals(step == k ? 1.0 : 0.0, s[step * 6 + j], what + " step " + step);
                                }
                                assertEquals(k < 0 ? 0.0 : 1.0, count, what + ": at most one spike");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void edgeCasesAndSnnTorchsDocumentedExample() {
        // spikegen.latency(torch.Tensor([0.02, 0.5, 1]), num_steps=5, normalize=True, linear=True): spike times
        // [3.92, 2.0, 0.0], spikes at steps 4, 2 and 0
        LatencyCode lin = new LatencyCode(1, 0.01, 1e-7, true, true, false);
        assertEquals(3.92, lin.spikeTime(0.02, 5), 1e-12);
        assertEquals(4, lin.spikeStep(0.02, 5));
        assertEquals(2, lin.spikeStep(0.5, 5));
        assertEquals(0, lin.spikeStep(1.0, 5));
        double[] out = new double[15];
        LatencyEncoder.encode(new double[] {0.02, 0.5, 1}, 5, lin, out);
        assertArrayEquals(new double[] {0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0}, out);
        // log code: maximum intensity fires first; zero takes tau ln((th + eps) / eps) ~ 11.5 tau, past T unless
        // normalized, where it is exactly the last step
        LatencyCode log = new LatencyCode(5, 0.01, 1e-7, false, false, false);
        assertEquals(0, log.spikeStep(1.0, 10));
        assertEquals(5 * Math.log(1 / 0.99), log.spikeTime(1.0, 10), 1e-12);
        assertEquals(3, log.spikeStep(0.02, 10)); // 5 ln 2 = 3.47
        assertEquals(-1, log.spikeStep(0.0, 10));
        LatencyCode logN = new LatencyCode(5, 0.01, 1e-7, true, false, false);
        assertEquals(9.0, logN.spikeTime(0.0, 10), 1e-9);
        assertEquals(9, logN.spikeStep(0.0, 10));
        assertEquals(0, logN.spikeStep(1.0, 10));
        // clip: below threshold never fires; T = 1 puts every spike on the one step
        assertEquals(-1, new LatencyCode(5, 0.01, 1e-7, true, false, true).spikeStep(0.005, 10));
        assertEquals(0, logN.spikeStep(0.0, 1));
        // the network's encoder clamps (NaN never fires) where the Transformer rejects
        assertEquals(-1, logN.spikeStep(Double.NaN, 10));
        assertEquals(logN.spikeStep(1.0, 10), logN.spikeStep(3.0, 10));
    }

    @Test
    void nanAndOutOfRangeFailNamingTheColumnAndNullStaysNull() {
        for (double bad : new double[] {Double.NaN, -0.5, 1.25}) {
            Dataset<Row> df = rows(new double[][] {{0.2, bad}});
            Exception e = assertThrows(Exception.class, () -> new LatencyEncoder().transform(df).collectAsList());
            String msg = PoissonEncoderTest.causes(e);
            assertTrue(msg.contains("LatencyEncoder: column 'features' holds " + bad + " at index 1"), msg);
        }
        Dataset<Row> withNull = spark.createDataFrame(List.of(RowFactory.create(0L, null)), SCHEMA);
        assertNull(new LatencyEncoder().transform(withNull).first().get(2));
    }

    @Test
    void schemaAndParamErrorsNameTheProblem() {
        StructType schema = new StructType().add("x", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new LatencyEncoder().setInputCol("pixels").transformSchema(schema));
        assertTrue(missing.getMessage().contains("'pixels'") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new LatencyEncoder().setInputCol("x").transformSchema(schema));
        assertTrue(type.getMessage().contains("'x'") && type.getMessage().contains("double"), type.getMessage());
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> new LatencyEncoder().setOutputCol("x").transformSchema(schema));
        assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
        assertEquals(SQLDataTypes.VectorType(), new LatencyEncoder().transformSchema(schema).apply("spikes").dataType());
        LatencyEncoder e = new LatencyEncoder();
        assertThrows(IllegalArgumentException.class, () -> e.setTau(0));
        assertThrows(IllegalArgumentException.class, () -> e.setTau(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> e.setTau(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> e.setThreshold(0));
        assertThrows(IllegalArgumentException.class, () -> e.setThreshold(1));
        assertThrows(IllegalArgumentException.class, () -> e.setThreshold(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> e.setEpsilon(-1e-7));
        assertThrows(IllegalArgumentException.class, () -> e.setTimeSteps(0));
        IllegalArgumentException core = assertThrows(IllegalArgumentException.class,
                () -> new LatencyCode(1, 1.5, 1e-7, false, false, false));
        assertTrue(core.getMessage().contains("threshold must lie in (0, 1), got 1.5"), core.getMessage());
    }

    @Test
    void encoderSpecParsesBackAndBadSpecsSayWhy() {
        LatencyEncoder enc = new LatencyEncoder().setTau(2.5).setNormalize(true).setLinear(true).setClip(true);
        Encoder parsed = Encoder.parse(enc.encoderSpec());
        assertEquals(enc.code(), parsed.latencyCode());
        assertEquals(enc.encoderSpec(), parsed.specName());
        assertEquals(parsed, Encoder.parse("LATENCY( Tau = 2.5, normalize=TRUE, linear=true, clip=true )"));
        assertEquals(LatencyCode.defaults(), Encoder.parse("latency").latencyCode());
        assertEquals(LatencyCode.defaults(), Encoder.parse("latency()").latencyCode());
        assertEquals(Encoder.DIRECT, Encoder.parse(" Direct "));
        assertEquals("poisson", Encoder.parse("POISSON").specName());
        for (String[] bad : new String[][] {
                {"latency(tau=0)", "tau must be a finite number > 0"},
                {"latency(threshold=1)", "threshold must lie in (0, 1)"},
                {"latency(gain=2)", "unknown argument [gain]"},
                {"latency(linear=yes)", "linear must be true or false, got 'yes'"},
                {"latency(tau=fast)", "tau must be a number, got 'fast'"},
                {"latency(tau=1, tau=2)", "'tau' is given twice"},
                {"latency(tau=1", "does not end with ')'"},
                {"poisson(rate=1)", "poisson takes no arguments"},
                {"rank", "unknown encoder 'rank'"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Encoder.parse(bad[0]));
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + ": " + e.getMessage());
        }
    }

    @Test
    void saveAndLoadKeepsEveryParam() throws Exception {
        LatencyEncoder enc = new LatencyEncoder().setTimeSteps(7).setTau(3.0).setThreshold(0.05).setEpsilon(1e-6)
                .setNormalize(true).setLinear(false).setClip(true).setOutputCol("train");
        Path dir = SparkTestSupport.tempDir("latency");
        enc.write().overwrite().save(dir.toString());
        LatencyEncoder back = LatencyEncoder.load(dir.toString());
        assertEquals(enc.uid(), back.uid());
        assertEquals(enc.code(), back.code());
        assertEquals(7, back.getTimeSteps());
        assertEquals("train", back.getOutputCol());
        Dataset<Row> df = rows(grid(6, 5));
        assertEquals(PoissonEncoderTest.byId(enc.transform(df), "train"),
                PoissonEncoderTest.byId(back.transform(df), "train"));
    }

    @Test
    void theNetworksLatencyEncoderFeedsExactlyWhatTheTransformerWrites() {
        double[][] v = grid(40, 6);
        Dataset<Row> df = rows(v).repartition(3);
        for (LatencyEncoder enc : new LatencyEncoder[] {
                new LatencyEncoder().setTimeSteps(6).setTau(2.0).setNormalize(true),
                new LatencyEncoder().setTimeSteps(6).setLinear(true).setTau(4.0).setClip(true)}) {
            SpikeEncoderLayer layer = new SpikeEncoderLayer().setInputCol("features").setOutputCol("net")
                    .setNumFeatures(6).setTimeSteps(6).setEncoder(enc.encoderSpec());
            Map<Long, Vector> mine = PoissonEncoderTest.byId(enc.transform(df), "spikes");
            Map<Long, Vector> net = PoissonEncoderTest.byId(layer.transform(df), "net");
            long spikes = 0;
            for (long i = 0; i < v.length; i++) {
                assertArrayEquals(mine.get(i).toArray(), net.get(i).toArray(), 0.0, enc.encoderSpec() + " row " + i);
                for (double s : mine.get(i).toArray()) {
                    spikes += (long) s;
                }
            }
            assertTrue(spikes > v.length, "the rows fire");
        }
    }

    @Test
    void aClassifierTrainsWithTheLatencyEncoder() {
        List<Row> rows = new ArrayList<>();
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        for (int i = 0; i < 120; i++) {
            int c = i % 3;
            double[] x = new double[4];
            for (int j = 0; j < 4; j++) {
                x[j] = Math.min(1, Math.max(0, (j == c ? 0.9 : 0.1) + 0.1 * (rng.nextDouble() - 0.5)));
            }
            rows.add(RowFactory.create(Vectors.dense(x), (double) c));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        String spec = new LatencyEncoder().setTau(3.0).setNormalize(true).encoderSpec();
        SpikingNetworkClassifier est = new SpikingNetworkClassifier()
                .setModelSpec("linear(4, 16) | lif(tau=2.0) | linear(16, 3) | lif(tau=2.0)")
                .setInputShape(new int[] {4}).setTimeSteps(5).setEncoder(spec).setEpochs(3).setBatchSize(20)
                .setLearningRate(0.02).setSeed(5L);
        SpikingNetworkModel model = est.fit(df);
        assertEquals(spec, model.getEncoder());
        double[] loss = model.summary().lossHistory();
        assertEquals(3, loss.length);
        for (double l : loss) {
            assertTrue(Double.isFinite(l), java.util.Arrays.toString(loss));
        }
        assertEquals(120, model.transform(df).select("prediction").count());
    }
}
