package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.PipelineModel;
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
 * Sequence input through the Spark stages: an {@code array<vector>} features column trains to the bits of the same
 * sequences as time-major vectors, predicts the same, saves and loads with its Param, and every malformed row or
 * schema is an error that names the problem.
 */
class SequenceInputSparkTest {
    static final int T = 6;
    static final int F = 2;
    static final int C = 3;
    static final StructType SEQ = new StructType()
            .add("features", DataTypes.createArrayType(SQLDataTypes.VectorType()), true)
            .add("label", DataTypes.DoubleType, false);
    static final StructType FLAT = new StructType()
            .add("features", SQLDataTypes.VectorType(), true)
            .add("label", DataTypes.DoubleType, false);
    static SparkSession spark;
    static List<double[][]> sequences = new ArrayList<>();
    static List<Integer> labels = new ArrayList<>();
    static Dataset<Row> seqDf;
    static Dataset<Row> flatDf;
    static SpikingNetworkModel model;

    /** Class c: a pulse on feature 0 at steps 2c and 2c+1, noise elsewhere; only the timing tells the classes apart. */
    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
        SplittableRandom r = new SplittableRandom(17);
        List<Row> seqRows = new ArrayList<>();
        List<Row> flatRows = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            int c = i % C;
            double[][] s = new double[T][F];
            for (int t = 0; t < T; t++) {
                s[t][0] = (t / 2 == c ? 4.0 : 0.0) + 0.2 * r.nextDouble();
                s[t][1] = 2.0 + 0.2 * r.nextDouble();
            }
            sequences.add(s);
            labels.add(c);
            seqRows.add(seqRow(s, c));
            flatRows.add(RowFactory.create(Vectors.dense(flat(s)), (double) c));
        }
        seqDf = spark.createDataFrame(seqRows, SEQ).cache(); // 2 partitions by position, as the flat rows
        flatDf = spark.createDataFrame(flatRows, FLAT).cache();
        model = estimator().fit(seqDf);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static SpikingNetworkClassifier estimator() {
        return new SpikingNetworkClassifier()
                .setModelSpec("linear(2, 12) | rlif(v_threshold=0.5) | linear(12, 3) | lif(v_threshold=0.3)")
                .setInputShape(new int[]{T, F}).setTimeSteps(T).setSequenceInput(true).setLoss("ce")
                .setLearningRate(0.05).setBatchSize(15).setEpochs(10).setSeed(3);
    }

    static Row seqRow(double[][] s, double label) {
        List<Vector> steps = new ArrayList<>();
        for (double[] v : s) {
            steps.add(v == null ? null : Vectors.dense(v));
        }
        return RowFactory.create(steps, label);
    }

    static double[] flat(double[][] s) {
        double[] out = new double[s.length * s[0].length];
        for (int t = 0; t < s.length; t++) {
            System.arraycopy(s[t], 0, out, t * s[0].length, s[0].length);
        }
        return out;
    }

    static double[] raw(Dataset<Row> out) {
        List<Row> rows = out.select("rawPrediction").collectAsList();
        double[] r = new double[rows.size() * C];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(((Vector) rows.get(i).get(0)).toArray(), 0, r, i * C, C);
        }
        return r;
    }

    @Test
    void anArrayOfVectorsTrainsAndPredictsAsItsTimeMajorVector() {
        double[] loss = model.summary().lossHistory();
        assertTrue(loss[loss.length - 1] < 0.95 * loss[0], "the loss falls: " + Arrays.toString(loss));
        SpikingNetworkModel fromFlat = estimator().fit(flatDf);
        assertArrayEquals(model.weights(), fromFlat.weights(), 0f, "the same packed floats, the same bits");
        assertEquals(T * F, model.numFeatures());
        assertArrayEquals(raw(model.transform(seqDf)), raw(model.transform(flatDf)), 0.0);
        double acc = model.transform(seqDf).filter("prediction = label").count() / 90.0;
        assertTrue(acc > 0.5, "timing is learned beyond chance (1/3): accuracy " + acc);
    }

    /** Sequence input and a recurrent neuron under barrier mode (in process and over sockets) and jobs: one set of bits. */
    @Test
    void barrierModeGivesTheBitsOfTheJobPerStepLoop() {
        Dataset<Row> two = seqDf.repartition(2).cache(); // as many partitions as local[2] has task slots
        two.count();
        float[] jobs = estimator().setSyncMode("jobs").fit(two).weights();
        float[] barrier = estimator().setSyncMode("barrier").fit(two).weights();
        assertArrayEquals(jobs, barrier, 0f, "barrier in process vs jobs");
        spark.sparkContext().setLocalProperty("spark.snn.aggregation.transport", "socket");
        try {
            assertArrayEquals(jobs, estimator().setSyncMode("barrier").fit(two).weights(), 0f,
                    "barrier over sockets vs jobs");
        } finally {
            spark.sparkContext().setLocalProperty("spark.snn.aggregation.transport", null);
        }
    }

    @Test
    void savedModelsKeepTheSequenceParam() throws Exception {
        Path dir = SparkTestSupport.tempDir("seq-model");
        model.write().overwrite().save(dir.resolve("m").toString());
        SpikingNetworkModel loaded = SpikingNetworkModel.load(dir.resolve("m").toString());
        assertTrue(loaded.getSequenceInput());
        assertArrayEquals(new int[]{T, F}, loaded.getInputShape());
        assertArrayEquals(raw(model.transform(seqDf)), raw(loaded.transform(seqDf)), 0.0);
        estimator().write().overwrite().save(dir.resolve("e").toString());
        assertTrue(SpikingNetworkClassifier.load(dir.resolve("e").toString()).getSequenceInput());
    }

    @Test
    void truncatedBpttIsAParamThatTrainsAndRoundTrips() throws Exception {
        SpikingNetworkClassifier cut = estimator().setTbpttWindow(2);
        assertEquals(0, estimator().getTbpttWindow(), "full BPTT by default");
        assertEquals(2, cut.engineConfig().tbpttWindow());
        SpikingNetworkModel m = cut.fit(seqDf);
        double[] loss = m.summary().lossHistory();
        assertTrue(loss[loss.length - 1] < 0.95 * loss[0], "the loss falls over windows of 2: " + Arrays.toString(loss));
        assertTrue(!Arrays.equals(model.weights(), m.weights()), "a window of 2 < T trains other weights");
        assertArrayEquals(model.weights(), estimator().setTbpttWindow(T).fit(seqDf).weights(), 0f,
                "a window of T is full BPTT, bit for bit");
        Path dir = SparkTestSupport.tempDir("seq-tbptt");
        cut.write().overwrite().save(dir.resolve("e").toString());
        assertEquals(2, SpikingNetworkClassifier.load(dir.resolve("e").toString()).getTbpttWindow());
        assertThrows(IllegalArgumentException.class, () -> estimator().setTbpttWindow(-1));
        IllegalArgumentException bn = assertThrows(IllegalArgumentException.class, () -> estimator()
                .setModelSpec("linear(2, 12) | batchnorm1d(12) | lif | linear(12, 3) | lif").setTbpttWindow(2)
                .engineConfig());
        assertTrue(bn.getMessage().contains("SpikingNetworkClassifier") && bn.getMessage().contains("batchnorm"),
                bn.getMessage());
    }

    @Test
    void theLayerPipelineReadsTheTimeMajorVector() {
        PipelineModel layers = model.toLayerPipeline();
        Dataset<Row> out = layers.transform(flatDf);
        List<Row> rows = out.select("snn_rates").collectAsList();
        double[] rates = new double[rows.size() * C];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(((Vector) rows.get(i).get(0)).toArray(), 0, rates, i * C, C);
        }
        assertArrayEquals(raw(model.transform(flatDf)), rates, 1e-6);
    }

    private static String failure(Dataset<Row> df, boolean fit) {
        return PoissonEncoderTest.causes(assertThrows(Exception.class, () -> {
            if (fit) {
                estimator().setEpochs(1).fit(df);
            } else {
                model.transform(df).collectAsList();
            }
        }));
    }

    @Test
    void badRowsAreErrorsThatNameTheProblem() {
        double[][] ok = sequences.get(0);
        double[][] shortSeq = Arrays.copyOf(ok, T - 1);
        double[][] nan = Arrays.stream(ok).map(double[]::clone).toArray(double[][]::new);
        nan[2][1] = Double.NaN;
        double[][] wide = Arrays.stream(ok).map(double[]::clone).toArray(double[][]::new);
        wide[4] = new double[]{1, 2, 3};
        double[][] hole = Arrays.stream(ok).map(double[]::clone).toArray(double[][]::new);
        hole[1] = null;
        for (boolean fit : new boolean[]{true, false}) {
            String m = failure(spark.createDataFrame(List.of(seqRow(shortSeq, 0)), SEQ), fit);
            assertTrue(m.contains("holds a sequence of 5 steps, but timeSteps is 6"), m);
            m = failure(spark.createDataFrame(List.of(seqRow(nan, 0)), SEQ), fit);
            assertTrue(m.contains("column 'features'") && m.contains("step 2, value 1 is NaN"), m);
            m = failure(spark.createDataFrame(List.of(seqRow(wide, 0)), SEQ), fit);
            assertTrue(m.contains("step 4 has 3 values, but inputShape gives 2 per step"), m);
            m = failure(spark.createDataFrame(List.of(seqRow(hole, 0)), SEQ), fit);
            assertTrue(m.contains("step 1 is null"), m);
            m = failure(spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(new double[T * F + 1]), 0.0)),
                    FLAT), fit);
            assertTrue(m.contains("has 13 values") && m.contains("12"), m);
        }
    }

    @Test
    void badSchemasAndShapesFailBeforeAnyJob() {
        IllegalArgumentException noFlag = assertThrows(IllegalArgumentException.class,
                () -> estimator().setSequenceInput(false).setInputShape(new int[]{F}).transformSchema(SEQ));
        assertTrue(noFlag.getMessage().contains("set sequenceInput=true"), noFlag.getMessage());
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                () -> estimator().setTimeSteps(4).transformSchema(SEQ));
        assertTrue(steps.getMessage().contains("inputShape is [6, 2] and timeSteps is 4"), steps.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> estimator().setInputShape(new int[]{T, 3}).transformSchema(SEQ));
        assertTrue(width.getMessage().contains("the network sees [3] per step"), width.getMessage());
        StructType scalars = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.DoubleType);
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> estimator().transformSchema(scalars));
        assertTrue(one.getMessage().contains("one value per step, but inputShape gives 2"), one.getMessage());
        IllegalArgumentException enc = assertThrows(IllegalArgumentException.class,
                () -> estimator().setEncoder("poisson").transformSchema(SEQ));
        assertTrue(enc.getMessage().contains("encoder must be direct"), enc.getMessage());
        StructType strings = new StructType().add("features", DataTypes.StringType).add("label", DataTypes.DoubleType);
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> model.transformSchema(strings));
        assertTrue(type.getMessage().contains("features"), type.getMessage());
    }
}
