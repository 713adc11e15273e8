package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * The spec encoder layers in fitted models: a model with {@code population(...)} or {@code delta(...)} trains, saves
 * and loads to the same outputs, and its layer stage ({@code toLayerPipeline()}) writes exactly what the Spark stages
 * {@link PopulationEncoder} (one per column, then {@code VectorAssembler}) and {@link DeltaEncoder} write, rounded to
 * float: the two share one definition.
 */
class SpecEncoderLayersSparkTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
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
        assertSameOutputs(model.transform(df), back.transform(df), "loaded delta model");

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
