package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.feature.VectorAssembler;
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
 * {@link PopulationEncoder}: Gaussian receptive fields against the closed form, worked here in float64; and the spec
 * layer {@code population(...)} in a fitted model, which saves and loads to the same outputs and whose layer stage
 * ({@code toLayerPipeline()}) writes exactly what this stage (one per column, then {@code VectorAssembler}) writes,
 * rounded to float: the two share one definition.
 */
class PopulationEncoderTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType).add("value", DataTypes.DoubleType);

    /** The closed form at the value rounded to float (the network's input type), as the stage documents. */
    static double[] reference(double value, int n, double lo, double hi, double width) {
        double x = (float) value;
        double sigma = width == 0 ? (hi - lo) / (n - 1) / 1.5 : width;
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            double c = lo + (hi - lo) * i / (n - 1);
            r[i] = Math.exp(-0.5 * Math.pow((x - c) / sigma, 2));
        }
        return r;
    }

    static Dataset<Row> values(double... xs) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            rows.add(RowFactory.create((long) i, xs[i]));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    @Test
    void responsesMatchTheClosedFormAndPeakAtTheNearestCentre() {
        double[] xs = {-3.0, -2.0, -0.7, 0.0, 1.3, 2.5, 4.0, 7.0};
        Dataset<Row> df = values(xs);
        for (double width : new double[] {0.0, 0.8}) {
            PopulationEncoder enc = new PopulationEncoder().setNumNeurons(7).setMin(-2).setMax(4).setWidth(width);
            var out = PoissonEncoderTest.byId(enc.transform(df), "population");
            for (int i = 0; i < xs.length; i++) {
                double[] got = out.get((long) i).toArray();
                double[] want = reference(xs[i], 7, -2, 4, width);
                assertEquals(7, got.length);
                for (int k = 0; k < 7; k++) {
                    assertEquals(want[k], got[k], 1e-12, "x=" + xs[i] + " neuron " + k);
                    assertTrue(got[k] > 0 && got[k] <= 1);
                }
            }
        }
        // a value on a centre gives 1 there: the ends of the range and the middle
        double[] atMin = new double[5], atMid = new double[5];
        PopulationEncoder.encode(0.0, 5, 0, 1, 0, atMin);
        PopulationEncoder.encode(0.5, 5, 0, 1, 0, atMid);
        assertEquals(1.0, atMin[0]);
        assertEquals(1.0, atMid[2]);
        assertEquals(atMid[1], atMid[3], 1e-15); // symmetric
        assertEquals(Math.exp(-0.5 * 1.5 * 1.5), atMin[1], 1e-15); // one spacing away, sigma = spacing / 1.5
        assertEquals(0.25 / 1.5, new PopulationEncoder().setNumNeurons(5).sigma(), 1e-15);
    }

    @Test
    void integerAndFloatColumnsAreCodedAsDoubles() {
        StructType ints = new StructType().add("id", DataTypes.LongType).add("value", DataTypes.IntegerType);
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(0L, 3), RowFactory.create(1L, null)), ints);
        var out = new PopulationEncoder().setNumNeurons(4).setMin(0).setMax(6).transform(df).orderBy("id")
                .collectAsList();
        assertArrayEquals(reference(3, 4, 0, 6, 0), ((Vector) out.get(0).get(2)).toArray(), 1e-12);
        assertNull(out.get(1).get(2));
        StructType floats = new StructType().add("id", DataTypes.LongType).add("value", DataTypes.FloatType);
        Row r = new PopulationEncoder().transform(spark.createDataFrame(List.of(RowFactory.create(0L, 0.25f)), floats))
                .first();
        assertArrayEquals(reference(0.25, 10, 0, 1, 0), ((Vector) r.get(2)).toArray(), 1e-12);
    }

    @Test
    void nonFiniteValuesFailNamingTheColumn() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            String m = PoissonEncoderTest.causes(assertThrows(Exception.class,
                    () -> new PopulationEncoder().transform(values(0.5, bad)).collectAsList()));
            assertTrue(m.contains("PopulationEncoder: column 'value' holds " + bad + "; values must be finite"), m);
        }
    }

    @Test
    void schemaAndParamErrorsNameTheProblem() {
        StructType vec = new StructType().add("value", SQLDataTypes.VectorType());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new PopulationEncoder().transformSchema(vec));
        assertTrue(type.getMessage().contains("'value' must be numeric") && type.getMessage().contains("vector"),
                type.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new PopulationEncoder().setInputCol("age").transformSchema(SCHEMA));
        assertTrue(missing.getMessage().contains("'age'") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> new PopulationEncoder().setMin(2).setMax(2).transformSchema(SCHEMA));
        assertTrue(range.getMessage().contains("min (2.0) must be below max (2.0)"), range.getMessage());
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> new PopulationEncoder().setOutputCol("id").transformSchema(SCHEMA));
        assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
        assertEquals(10, AttributeGroup.fromStructField(new PopulationEncoder().transformSchema(SCHEMA)
                .apply("population")).size());
        PopulationEncoder p = new PopulationEncoder();
        assertThrows(IllegalArgumentException.class, () -> p.setNumNeurons(1));
        assertThrows(IllegalArgumentException.class, () -> p.setMin(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> p.setMax(Double.NEGATIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> p.setWidth(-1));
        assertThrows(IllegalArgumentException.class, () -> p.setWidth(Double.NaN));
    }

    @Test
    void saveAndLoadKeepsEveryParam() throws Exception {
        PopulationEncoder enc = new PopulationEncoder().setNumNeurons(6).setMin(-1).setMax(3).setWidth(0.4)
                .setOutputCol("pop");
        Path dir = SparkTestSupport.tempDir("population");
        enc.write().overwrite().save(dir.toString());
        PopulationEncoder back = PopulationEncoder.load(dir.toString());
        assertEquals(enc.uid(), back.uid());
        assertEquals(6, back.getNumNeurons());
        assertEquals(-1.0, back.getMin());
        assertEquals(3.0, back.getMax());
        assertEquals(0.4, back.getWidth());
        Dataset<Row> df = values(-1.5, 0.2, 2.9);
        assertEquals(PoissonEncoderTest.byId(enc.transform(df), "pop"), PoissonEncoderTest.byId(back.transform(df), "pop"));
    }

    static final int K = 5;
    static final String POP = "population(5, min=18.0, max=90.0) | linear(10, 8) | lif | linear(8, 2) | lif";

    /** Tabular rows: an age and a second value on the same range, class 1 when the age is above 50. */
    static Dataset<Row> tabular(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double age = 18 + 72 * r.nextDouble();
            double other = 18 + 72 * r.nextDouble();
            rows.add(RowFactory.create((long) i, age, other, Vectors.dense(age, other), age > 50 ? 1.0 : 0.0));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("age", DataTypes.DoubleType)
                .add("other", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType())
                .add("label", DataTypes.DoubleType);
        return spark.createDataFrame(rows, schema);
    }

    /** The two DataFrames' probability columns agree bit for bit, row by row. */
    static void assertSameOutputs(Dataset<Row> a, Dataset<Row> b, String what) {
        Map<Long, Vector> x = PoissonEncoderTest.byId(a, "probability");
        Map<Long, Vector> y = PoissonEncoderTest.byId(b, "probability");
        assertEquals(x.keySet(), y.keySet(), what);
        for (Long id : x.keySet()) {
            assertArrayEquals(x.get(id).toArray(), y.get(id).toArray(), 0.0, what + " row " + id);
        }
    }

    @Test
    void populationLayerModelRoundTripsAndItsLayerEqualsThePopulationEncoders() throws Exception {
        Dataset<Row> df = tabular(80, 1);
        SpikingNetworkModel model = new SpikingNetworkClassifier().setModelSpec(POP).setInputShape(new int[]{2})
                .setTimeSteps(3).setEpochs(2).setBatchSize(16).setLearningRate(0.02).setSeed(4L).fit(df);
        Path dir = SparkTestSupport.tempDir("pop-model");
        model.write().overwrite().save(dir.toString());
        SpikingNetworkModel back = SpikingNetworkModel.load(dir.toString());
        assertEquals(model.getModelSpec(), back.getModelSpec());
        assertSameOutputs(model.transform(df), back.transform(df), "loaded population model");

        Dataset<Row> assembled = new VectorAssembler().setInputCols(new String[]{"age_rf", "other_rf"})
                .setOutputCol("rf").transform(new PopulationEncoder().setInputCol("other").setOutputCol("other_rf")
                        .setNumNeurons(K).setMin(18).setMax(90).transform(new PopulationEncoder().setInputCol("age")
                                .setOutputCol("age_rf").setNumNeurons(K).setMin(18).setMax(90).transform(df)));
        Map<Long, Vector> stage = PoissonEncoderTest.byId(assembled, "rf");
        Map<Long, Vector> layer = PoissonEncoderTest.byId(back.toLayerPipeline().transform(df),
                "snn_layer1_population");
        for (long id = 0; id < 80; id++) {
            double[] s = stage.get(id).toArray(), l = layer.get(id).toArray();
            assertEquals(3 * 2 * K, l.length);
            for (int t = 0; t < 3; t++) { // the direct input: the same responses at every step
                for (int j = 0; j < 2 * K; j++) {
                    assertEquals((float) s[j], (float) l[t * 2 * K + j], "row " + id + " step " + t + " index " + j);
                }
            }
        }
    }
}
