package io.github.sparksnn.ml;

import io.github.sparksnn.ml.train.Blobs;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A spiking MLP with batch normalization through fit, transform, save/load, resume and the layer pipeline. */
class BatchNormModelTest {
    static SparkSession spark;
    static final int F = 6;
    static final int C = 3;
    static final String SPEC = "linear(6, 8) | batchnorm1d(8) | lif(tau=2.0) | linear(8, 3) | lif(tau=2.0)";
    static final Blobs DATA = new Blobs(90, F, C, 13, 0.1);
    static Dataset<Row> train;
    static SpikingNetworkModel model;
    static Path checkpoints;

    static SpikingNetworkClassifier estimator(int epochs) {
        return new SpikingNetworkClassifier().setModelSpec(SPEC).setInputShape(new int[]{F}).setTimeSteps(4)
                .setOptimizer("adam").setLearningRate(0.02).setBatchSize(30).setEpochs(epochs).setSeed(5);
    }

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSupport.local(2);
        train = DATA.frame(spark, 2).cache();
        checkpoints = SparkTestSupport.tempDir("bn-ckpt");
        // the first epoch with a checkpoint, then resumed to the second: compared with model (uninterrupted)
        estimator(1).setCheckpointDir(checkpoints.toString()).fit(train);
        model = estimator(2).fit(train);
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
    void trainedBuffersAreNotTheInitialOnes() {
        float[] b = model.buffers();
        assertEquals(16, b.length);
        for (int c = 0; c < 8; c++) {
            assertNotEquals(0f, b[c], "running mean of channel " + c);
            assertTrue(b[8 + c] > 0 && b[8 + c] != 1f, "running variance of channel " + c + ": " + b[8 + c]);
        }
    }

    @Test
    void predictionsEqualASingleJvmEngineWithTheSameParamsAndBuffers() {
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
            e.setBuffers(model.buffers());
            e.predictRates(x, 0, rows.size(), 0, expected); // direct encoder: no random draws
        }
        assertArrayEquals(expected, raw(model.transform(train), "rawPrediction"));
        double[] one = model.predictRaw((Vector) rows.get(0).get(0)).toArray(); // the single-row path too
        for (int k = 0; k < C; k++) {
            assertEquals(expected[k], (float) one[k], "class " + k);
        }
    }

    @Test
    void saveLoadKeepsBuffersAndPredictions() throws Exception {
        Path dir = SparkTestSupport.tempDir("bn-model");
        String path = dir.resolve("m").toString();
        model.write().save(path);
        SpikingNetworkModel loaded = SpikingNetworkModel.load(path);
        assertArrayEquals(model.buffers(), loaded.buffers());
        assertArrayEquals(model.weights(), loaded.weights());
        assertArrayEquals(raw(model.transform(train), "rawPrediction"), raw(loaded.transform(train), "rawPrediction"));
    }

    @Test
    void resumeEqualsUninterruptedTraining() {
        SpikingNetworkModel resumed = estimator(2).setCheckpointDir(checkpoints.toString()).setResume(true).fit(train);
        assertEquals(1, resumed.summary().resumedFromEpoch());
        assertArrayEquals(model.weights(), resumed.weights(), 0f);
        assertArrayEquals(model.buffers(), resumed.buffers(), 0f);
    }

    @Test
    void layerPipelineEndsInTheModelsRawPrediction() {
        PipelineModel pm = model.toLayerPipeline();
        Dataset<Row> both = model.transform(pm.transform(train));
        assertArrayEquals(raw(both, "rawPrediction"), raw(both, "snn_rates"));
        SpikingLayer bn = (SpikingLayer) pm.stages()[2];
        float[] b = model.buffers();
        assertArrayEquals(b, bn.buffers());
    }

    @Test
    void aBatchNormModelWithoutItsBuffersIsRejected() {
        SpikingNetworkModel m = model.copy(new org.apache.spark.ml.param.ParamMap());
        m.setBuffers(new float[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.transform(train));
        assertTrue(e.getMessage().contains("holds 0 buffer values") && e.getMessage().contains("need 16"),
                e.getMessage());
    }
}
