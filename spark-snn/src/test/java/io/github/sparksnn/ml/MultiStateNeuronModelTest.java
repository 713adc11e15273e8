package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.ml.train.Blobs;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A network of the recurrent, synaptic and adaptive neurons (learned recurrent matrices and decays among its
 * parameters) through fit in both sync modes, transform, save/load and the layer pipeline.
 */
class MultiStateNeuronModelTest {
    static SparkSession spark;
    static final int F = 6;
    static final int C = 3;
    static final String SPEC = "linear(6, 16) | rlif(v_threshold=0.5, surrogate=ATan(alpha=2.0)) | linear(16, 16)"
            + " | synaptic(alpha=0.6, beta=0.7, learn_alpha=true, learn_beta=true, v_threshold=0.5)"
            + " | linear(16, 3) | alif(tau_a=5.0, beta_a=0.3, v_threshold=0.5)";
    static final Blobs DATA = new Blobs(90, F, C, 13, 0.1);
    static Dataset<Row> train;
    static SpikingNetworkModel model;

    static SpikingNetworkClassifier estimator(String syncMode) {
        return new SpikingNetworkClassifier().setModelSpec(SPEC).setInputShape(new int[]{F}).setTimeSteps(6)
                .setOptimizer("adam").setLearningRate(0.02).setBatchSize(30).setEpochs(6).setSeed(5)
                .setSyncMode(syncMode);
    }

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
        train = DATA.frame(spark, 2).cache();
        model = estimator("barrier").fit(train);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static float[] raw(Dataset<Row> out, String col) {
        List<Row> rows = out.select(col).collectAsList();
        float[] r = new float[rows.size() * C];
        for (int i = 0; i < rows.size(); i++) {
            double[] v = ((Vector) rows.get(i).get(0)).toArray();
            for (int k = 0; k < C; k++) {
                r[i * C + k] = (float) v[k];
            }
        }
        return r;
    }

    @Test
    void itLearnsAndBarrierModeGivesTheBitsOfJobsMode() {
        double[] loss = model.summary().lossHistory();
        assertTrue(loss[loss.length - 1] < loss[0], "the loss falls: " + java.util.Arrays.toString(loss));
        SpikingNetworkModel jobs = estimator("jobs").fit(train);
        assertArrayEquals(model.weights(), jobs.weights(), 0f);
    }

    @Test
    void predictionsEqualASingleJvmEngine() {
        List<Row> rows = train.select("features").collectAsList();
        float[] x = new float[rows.size() * F];
        for (int i = 0; i < rows.size(); i++) {
            double[] v = ((Vector) rows.get(i).get(0)).toArray();
            for (int j = 0; j < F; j++) {
                x[i * F + j] = (float) v[j];
            }
        }
        float[] expected = new float[rows.size() * C];
        EngineConfig cfg = model.engineConfig();
        try (CpuGradientEngine e = new CpuGradientEngine(cfg)) {
            e.setParameters(model.weights());
            e.predictRates(x, 0, rows.size(), 0, expected);
        }
        assertArrayEquals(expected, raw(model.transform(train), "rawPrediction"));
    }

    @Test
    void saveLoadKeepsTheSpecWeightsAndPredictions() throws Exception {
        Path dir = SparkTestSupport.tempDir("multistate-model");
        String path = dir.resolve("m").toString();
        model.write().save(path);
        SpikingNetworkModel loaded = SpikingNetworkModel.load(path);
        assertEquals(model.engineConfig().spec(), loaded.engineConfig().spec());
        assertArrayEquals(model.weights(), loaded.weights());
        assertArrayEquals(raw(model.transform(train), "rawPrediction"), raw(loaded.transform(train), "rawPrediction"));
    }

    @Test
    void layerPipelineEndsInTheModelsRawPrediction() {
        PipelineModel pm = model.toLayerPipeline();
        Dataset<Row> both = model.transform(pm.transform(train));
        assertArrayEquals(raw(both, "rawPrediction"), raw(both, "snn_rates"));
    }
}
