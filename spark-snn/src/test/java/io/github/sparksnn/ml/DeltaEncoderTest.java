package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * {@link DeltaEncoder} on its three input forms against snnTorch's {@code spikegen.delta}, worked here in float64;
 * and the spec layer {@code delta(...)} in a fitted sequence model, which saves and loads to the same outputs and whose
 * layer stage writes exactly what this stage writes.
 */
class DeltaEncoderTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static final StructType SEQ = new StructType().add("id", DataTypes.LongType)
            .add("sequence", DataTypes.createArrayType(SQLDataTypes.VectorType()));
    static final StructType SERIES = new StructType().add("id", DataTypes.LongType)
            .add("sequence", DataTypes.createArrayType(DataTypes.DoubleType));
    static final StructType FLAT = new StructType().add("id", DataTypes.LongType)
            .add("sequence", SQLDataTypes.VectorType());

    /**
     * The reference: ON where x[t] - x[t-1] >= th, OFF where <= -th; x[-1] = 0, or x[0] with padding; the values
     * rounded to float first, as the stage documents.
     */
    static double[] reference(double[][] x, double th, boolean padding) {
        int t = x.length, f = x[0].length;
        double[] out = new double[t * 2 * f];
        for (int k = 0; k < t; k++) {
            for (int j = 0; j < f; j++) {
                double before = k == 0 ? (padding ? (float) x[0][j] : 0) : (float) x[k - 1][j];
                double d = (float) x[k][j] - before;
                if (d >= th) {
                    out[k * 2 * f + j] = 1;
                }
                if (d <= -th) {
                    out[k * 2 * f + f + j] = 1;
                }
            }
        }
        return out;
    }

    static double[][] sequence(int seed, int t, int f) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        double[][] x = new double[t][f];
        for (int k = 0; k < t; k++) {
            for (int j = 0; j < f; j++) {
                x[k][j] = k == 0 ? r.nextDouble() : x[k - 1][j] + (r.nextDouble() - 0.5) * 0.6;
            }
        }
        return x;
    }

    static Row seqRow(long id, double[][] x) {
        List<Vector> steps = new ArrayList<>();
        for (double[] s : x) {
            steps.add(Vectors.dense(s));
        }
        return RowFactory.create(id, steps);
    }

    @Test
    void snnTorchsDocumentedExamplesAsOnAndOffChannels() {
        // spikegen.delta(torch.Tensor([1, 2, 2.9, 3, 3.9]), threshold=1): its code gives [1, 1, 0, 0, 0] (the
        // differences are 1, 1, 0.9, 0.1, 0.9; the docstring's [1, 1, 0, 1, 0] does not follow from them)
        double[][] a = {{1}, {2}, {2.9}, {3}, {3.9}};
        assertArrayEquals(new double[] {1, 0, 1, 0, 0, 0, 0, 0, 0, 0}, DeltaEncoder.encode(a, 1, false));
        // ... with padding=True: [0, 1, 0, 0, 0]
        assertArrayEquals(new double[] {0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, DeltaEncoder.encode(a, 1, true));
        // spikegen.delta(torch.Tensor([1, 2, 0, 2, 2.9]), threshold=1, off_spike=True) = [1, 1, -1, 1, 0]
        double[][] b = {{1}, {2}, {0}, {2}, {2.9}};
        assertArrayEquals(new double[] {1, 0, 1, 0, 0, 1, 1, 0, 0, 0}, DeltaEncoder.encode(b, 1, false));
    }

    @Test
    void allThreeInputFormsMatchTheReference() {
        int t = 7, f = 3;
        List<Row> seq = new ArrayList<>(), flat = new ArrayList<>(), series = new ArrayList<>();
        List<double[][]> xs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            double[][] x = sequence(i, t, f);
            xs.add(x);
            seq.add(seqRow(i, x));
            double[] v = new double[t * f];
            List<Double> one = new ArrayList<>();
            for (int k = 0; k < t; k++) {
                System.arraycopy(x[k], 0, v, k * f, f);
                one.add(x[k][0]);
            }
            flat.add(RowFactory.create((long) i, Vectors.dense(v)));
            series.add(RowFactory.create((long) i, one));
        }
        for (boolean padding : new boolean[] {false, true}) {
            DeltaEncoder enc = new DeltaEncoder().setThreshold(0.15).setPadding(padding);
            var a = PoissonEncoderTest.byId(enc.transform(spark.createDataFrame(seq, SEQ)), "spikes");
            var b = PoissonEncoderTest.byId(enc.copy(new org.apache.spark.ml.param.ParamMap()).setTimeSteps(t)
                    .transform(spark.createDataFrame(flat, FLAT)), "spikes");
            var c = PoissonEncoderTest.byId(enc.transform(spark.createDataFrame(series, SERIES)), "spikes");
            long on = 0, off = 0;
            for (int i = 0; i < xs.size(); i++) {
                double[] expected = reference(xs.get(i), 0.15, padding);
                assertArrayEquals(expected, a.get((long) i).toArray(), "array<vector> row " + i);
                assertArrayEquals(expected, b.get((long) i).toArray(), "flat vector row " + i);
                double[][] first = new double[t][1];
                for (int k = 0; k < t; k++) {
                    first[k][0] = xs.get(i)[k][0];
                    on += (long) expected[k * 2 * f];
                    off += (long) expected[k * 2 * f + f];
                }
                assertArrayEquals(reference(first, 0.15, padding), c.get((long) i).toArray(), "array<double> row " + i);
            }
            assertTrue(on > 0 && off > 0, "both channels fire: " + on + " on, " + off + " off");
        }
    }

    @Test
    void constantSequencesAndTheThresholdsEdge() {
        // zero input never fires; a step of exactly the threshold fires (>=), just below does not
        assertArrayEquals(new double[8], DeltaEncoder.encode(new double[][] {{0, 0}, {0, 0}}, 0.5, false));
        double[] e = DeltaEncoder.encode(new double[][] {{0.5, 0}, {0.0, Math.nextDown(0.5f)}}, 0.5, false);
        assertArrayEquals(new double[] {1, 0, 0, 0, 0, 0, 1, 0}, e);
        // values are rounded to float first (the network's input type): a double just below 0.5 is 0.5f, and fires
        e = DeltaEncoder.encode(new double[][] {{0.0}, {Math.nextDown(0.5)}}, 0.5, false);
        assertArrayEquals(new double[] {0, 0, 1, 0}, e);
        assertArrayEquals(new double[0], DeltaEncoder.encode(new double[0][], 0.1, false));
    }

    @Test
    void badSequencesFailNamingTheColumnAndNullStaysNull() {
        double[][] ok = sequence(1, 3, 2);
        List<Row> nan = List.of(seqRow(0, new double[][] {ok[0], {0.1, Double.NaN}, ok[2]}));
        String m = PoissonEncoderTest.causes(assertThrows(Exception.class,
                () -> new DeltaEncoder().transform(spark.createDataFrame(nan, SEQ)).collectAsList()));
        assertTrue(m.contains("DeltaEncoder: column 'sequence' holds NaN at step 1, feature 1"), m);
        List<Row> ragged = List.of(seqRow(0, new double[][] {{1, 2}, {3}}));
        m = PoissonEncoderTest.causes(assertThrows(Exception.class,
                () -> new DeltaEncoder().transform(spark.createDataFrame(ragged, SEQ)).collectAsList()));
        assertTrue(m.contains("has 2 features at step 0 but 1 at step 1"), m);
        List<Row> shortRow = List.of(seqRow(0, ok));
        m = PoissonEncoderTest.causes(assertThrows(Exception.class,
                () -> new DeltaEncoder().setTimeSteps(4).transform(spark.createDataFrame(shortRow, SEQ)).collectAsList()));
        assertTrue(m.contains("holds a sequence of 3 steps, but timeSteps = 4"), m);
        List<Row> flat = List.of(RowFactory.create(0L, Vectors.dense(1, 2, 3, 4, 5)));
        m = PoissonEncoderTest.causes(assertThrows(Exception.class,
                () -> new DeltaEncoder().setTimeSteps(2).transform(spark.createDataFrame(flat, FLAT)).collectAsList()));
        assertTrue(m.contains("length 5, not a multiple of timeSteps = 2"), m);
        List<Row> nul = new ArrayList<>();
        nul.add(RowFactory.create(0L, null));
        assertNull(new DeltaEncoder().transform(spark.createDataFrame(nul, SEQ)).first().get(2));
    }

    @Test
    void schemaAndParamErrorsNameTheProblem() {
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
                () -> new DeltaEncoder().transformSchema(FLAT));
        assertTrue(flat.getMessage().contains("flat vector, so Param timeSteps must give the sequence length"),
                flat.getMessage());
        StructType wrong = new StructType().add("sequence", DataTypes.StringType);
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new DeltaEncoder().transformSchema(wrong));
        assertTrue(type.getMessage().contains("'sequence' must hold a sequence") && type.getMessage().contains("string"),
                type.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new DeltaEncoder().setInputCol("s").transformSchema(SEQ));
        assertTrue(missing.getMessage().contains("'s'") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> new DeltaEncoder().setOutputCol("id").transformSchema(SEQ));
        assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
        StructType known = new StructType().add(new org.apache.spark.ml.attribute.AttributeGroup("sequence", 12)
                .toStructField());
        assertEquals(24, org.apache.spark.ml.attribute.AttributeGroup.fromStructField(
                new DeltaEncoder().setTimeSteps(4).transformSchema(known).apply("spikes")).size());
        IllegalArgumentException notMultiple = assertThrows(IllegalArgumentException.class,
                () -> new DeltaEncoder().setTimeSteps(5).transformSchema(known));
        assertTrue(notMultiple.getMessage().contains("not a multiple of timeSteps = 5"), notMultiple.getMessage());
        DeltaEncoder d = new DeltaEncoder();
        assertThrows(IllegalArgumentException.class, () -> d.setThreshold(0));
        assertThrows(IllegalArgumentException.class, () -> d.setThreshold(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> d.setThreshold(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> d.setTimeSteps(-1));
    }

    @Test
    void saveAndLoadKeepsEveryParam() throws Exception {
        DeltaEncoder enc = new DeltaEncoder().setThreshold(0.2).setPadding(true).setTimeSteps(5).setOutputCol("d");
        Path dir = SparkTestSupport.tempDir("delta");
        enc.write().overwrite().save(dir.toString());
        DeltaEncoder back = DeltaEncoder.load(dir.toString());
        assertEquals(enc.uid(), back.uid());
        assertEquals(0.2, back.getThreshold());
        assertEquals(true, back.getPadding());
        assertEquals(5, back.getTimeSteps());
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rows.add(seqRow(i, sequence(i, 5, 2)));
        }
        Dataset<Row> df = spark.createDataFrame(rows, SEQ);
        assertEquals(PoissonEncoderTest.byId(enc.transform(df), "d"), PoissonEncoderTest.byId(back.transform(df), "d"));
        assertTrue(Arrays.asList(enc.transform(df).columns()).contains("d"));
    }

    @Test
    void deltaLayerModelRoundTripsAndItsLayerEqualsTheDeltaEncoder() throws Exception {
        int t = 6, f = 3;
        SplittableRandom r = new SplittableRandom(8);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            double[] v = new double[t * f];
            double drift = i % 2 == 0 ? 0.15 : -0.15; // class 0 rises, class 1 falls: ON against OFF spikes
            for (int k = 0; k < t; k++) {
                for (int j = 0; j < f; j++) {
                    v[k * f + j] = (k == 0 ? 0.5 : v[(k - 1) * f + j] + drift) + 0.2 * (r.nextDouble() - 0.5);
                }
            }
            rows.add(RowFactory.create((long) i, Vectors.dense(v), (double) (i % 2)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("features", SQLDataTypes.VectorType())
                .add("label", DataTypes.DoubleType);
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        SpikingNetworkModel model = new SpikingNetworkClassifier().setSequenceInput(true).setInputShape(new int[]{t, f})
                .setTimeSteps(t).setModelSpec("delta(threshold=0.1) | linear(6, 8) | lif | linear(8, 2) | lif")
                .setEpochs(2).setBatchSize(12).setLearningRate(0.02).setSeed(2L).fit(df);
        Path dir = SparkTestSupport.tempDir("delta-model");
        model.write().overwrite().save(dir.toString());
        SpikingNetworkModel back = SpikingNetworkModel.load(dir.toString());
        assertEquals("delta | linear(6, 8) | lif | linear(8, 2) | lif",
                io.github.sparksnn.model.ModelSpec.parse(back.getModelSpec()).toString()); // 0.1: the default
        PopulationEncoderTest.assertSameOutputs(model.transform(df), back.transform(df), "loaded delta model");

        Map<Long, Vector> stage = PoissonEncoderTest.byId(new DeltaEncoder().setInputCol("features").setTimeSteps(t)
                .setThreshold(0.1).transform(df), "spikes");
        Map<Long, Vector> layer = PoissonEncoderTest.byId(back.toLayerPipeline().transform(df), "snn_layer1_delta");
        long on = 0, off = 0;
        for (long id = 0; id < 60; id++) {
            double[] s = stage.get(id).toArray();
            assertArrayEquals(s, layer.get(id).toArray(), 0.0, "row " + id);
            for (int k = 0; k < t; k++) {
                for (int j = 0; j < f; j++) {
                    on += (long) s[k * 2 * f + j];
                    off += (long) s[k * 2 * f + f + j];
                }
            }
        }
        assertTrue(on > 0 && off > 0, on + " ON and " + off + " OFF spikes");
    }
}
