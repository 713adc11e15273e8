package io.github.sparksnn.ml;

import io.github.sparksnn.ml.train.Blobs;
import io.github.sparksnn.ml.train.plan.BatchPlan;
import io.github.sparksnn.ml.train.state.EpochMetrics;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import io.github.sparksnn.train.optim.Optimizer;
import io.github.sparksnn.train.optim.Optimizers;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

/** The estimator and its model on local[2] with the real CPU engine and a tiny spiking MLP. */
class SpikingNetworkClassifierTest {
    static SparkSession spark;
    static final int F = 6;
    static final int C = 3;
    static final String SPEC = "linear(6, 24) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(24, 3) | lif(tau=2.0)";
    static final Blobs DATA = new Blobs(300, F, C, 21, 0.08);
    static Dataset<Row> train;
    static SpikingNetworkModel model;

    static SpikingNetworkClassifier estimator() {
        return new SpikingNetworkClassifier().setModelSpec(SPEC).setInputShape(new int[]{F}).setTimeSteps(4)
                .setOptimizer("adam").setLearningRate(0.02).setBatchSize(30).setEpochs(6).setSeed(9);
    }

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
        train = DATA.frame(spark, 2).cache();
        model = estimator().fit(train);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @Test
    void learnsAndWorksWithTheEvaluator() {
        Dataset<Row> out = model.transform(train);
        double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(out);
        assertTrue(acc > 0.8, "accuracy " + acc);
        TrainingSummary s = model.summary();
        assertEquals(6, s.totalIterations());
        assertTrue(s.lossHistory()[5] < s.lossHistory()[0], s.toString());
        assertTrue(s.toCsv().startsWith("epoch,loss,"));
        // Output columns: rates in [0, 1] with T=4 (multiples of 1/4), probabilities summing to 1, argmax prediction.
        for (Row r : out.select("rawPrediction", "probability", "prediction").collectAsList()) {
            double[] raw = ((Vector) r.get(0)).toArray();
            double[] p = ((Vector) r.get(1)).toArray();
            double sum = 0;
            int best = 0;
            for (int k = 0; k < C; k++) {
                assertEquals(0, raw[k] * 4 - Math.rint(raw[k] * 4), 1e-6, "rate is a spike count / T");
                sum += p[k];
                if (raw[k] > raw[best]) {
                    best = k;
                }
            }
            assertEquals(1.0, sum, 1e-9);
            assertEquals(best, r.getDouble(2), 0.0);
        }
        // The row-at-a-time API agrees with the batched transform.
        Row first = out.select("features", "rawPrediction").head();
        assertArrayEquals(((Vector) first.get(1)).toArray(), model.predictRaw((Vector) first.get(0)).toArray(), 0.0);
    }

    @Test
    void followsSingleJvmTrainingWithTheRealEngine() {
        // 2 partitions of 150, global batch 30: the distributed weights after 1 epoch equal a single-JVM loop over
        // the same global batches (same samples, one engine call per batch), within float tolerance.
        SpikingNetworkModel m = estimator().setEpochs(1).fit(train);
        EngineConfig cfg = estimator().engineConfig();
        GradientEngine engine = cfg.create();
        float[] params = cfg.initialParameters();
        Optimizer adam = Optimizers.parse("adam");
        int[][] parts = DATA.partitionIndices(2);
        int steps = BatchPlan.stepsPerEpoch(300, 30);
        for (int s = 0; s < steps; s++) {
            List<Integer> rows = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int[] perm = BatchPlan.permutation(parts[p].length, 9, 0, p);
                for (int i = BatchPlan.shareStart(150, s, steps); i < BatchPlan.shareEnd(150, s, steps); i++) {
                    rows.add(parts[p][perm[i]]);
                }
            }
            float[] x = new float[rows.size() * F];
            int[] y = new int[rows.size()];
            for (int i = 0; i < y.length; i++) {
                System.arraycopy(DATA.x[rows.get(i)], 0, x, i * F, F);
                y[i] = DATA.y[rows.get(i)];
            }
            engine.setParameters(params);
            float[] g = new float[params.length];
            engine.accumulateGradient(x, y, 0, y.length, 0, g);
            for (int i = 0; i < g.length; i++) {
                g[i] /= y.length;
            }
            adam.step(params, g, 0.02);
        }
        float[] w = m.weights();
        float maxDiff = 0;
        for (int i = 0; i < w.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(w[i] - params[i]));
        }
        // Adam steps are ~lr = 0.02 in size; a mismatched batch would move weights by that much.
        assertTrue(maxDiff < 2e-3f, "max |distributed - single JVM| = " + maxDiff);
        assertFalse(java.util.Arrays.equals(w, cfg.initialParameters()));
    }

    @Test
    void saveAndLoadPredictIdentically() throws Exception {
        Path dir = SparkTestSupport.tempDir("model");
        model.write().overwrite().save(dir.resolve("m").toString());
        SpikingNetworkModel loaded = SpikingNetworkModel.load(dir.resolve("m").toString());
        assertArrayEquals(model.weights(), loaded.weights(), 0f);
        assertEquals(model.getModelSpec(), loaded.getModelSpec());
        assertArrayEquals(model.getInputShape(), loaded.getInputShape());
        assertFalse(loaded.hasSummary());
        List<Row> a = model.transform(train).select("rawPrediction", "prediction").collectAsList();
        List<Row> b = loaded.transform(train).select("rawPrediction", "prediction").collectAsList();
        assertEquals(a, b);

        SpikingNetworkClassifier est = estimator().setEpochs(3);
        est.write().overwrite().save(dir.resolve("e").toString());
        SpikingNetworkClassifier est2 = SpikingNetworkClassifier.load(dir.resolve("e").toString());
        assertEquals(est.getModelSpec(), est2.getModelSpec());
        assertEquals(3, est2.getEpochs());
        assertEquals(0.02, est2.getLearningRate());
        assertEquals(est.uid(), est2.uid());
    }

    @Test
    void pipelineWithAssemblerAndScalerSavesAndLoads() throws Exception {
        Dataset<Row> wide = train.withColumn("arr", org.apache.spark.ml.functions.vector_to_array(col("features"), "float64"));
        for (int j = 0; j < F; j++) {
            wide = wide.withColumn("c" + j, col("arr").getItem(j).multiply(10));
        }
        String[] cols = new String[F];
        for (int j = 0; j < F; j++) {
            cols[j] = "c" + j;
        }
        wide = wide.drop("features", "arr");
        Pipeline pipe = new Pipeline().setStages(new PipelineStage[]{
                new VectorAssembler().setInputCols(cols).setOutputCol("raw"),
                new MinMaxScaler().setInputCol("raw").setOutputCol("features"),
                estimator().setEpochs(4)});
        PipelineModel pm = pipe.fit(wide);
        double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(pm.transform(wide));
        assertTrue(acc > 0.7, "accuracy " + acc);
        Path dir = SparkTestSupport.tempDir("pipe");
        pm.write().overwrite().save(dir.toString());
        PipelineModel loaded = PipelineModel.load(dir.toString());
        assertEquals(pm.transform(wide).select("prediction").collectAsList(),
                loaded.transform(wide).select("prediction").collectAsList());
    }

    @Test
    void crossValidatorOverLearningRate() {
        SpikingNetworkClassifier est = estimator().setEpochs(5).setBatchSize(15);
        ParamMap[] grid = new ParamGridBuilder().addGrid(est.learningRate(), new double[]{1e-6, 0.02}).build();
        CrossValidator cv = new CrossValidator().setEstimator(est).setEstimatorParamMaps(grid).setNumFolds(2)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setSeed(3);
        CrossValidatorModel cvm = cv.fit(train);
        double[] metrics = cvm.avgMetrics();
        assertEquals(2, metrics.length);
        assertTrue(metrics[1] > metrics[0] + 0.2, java.util.Arrays.toString(metrics));
        assertEquals(0.02, ((SpikingNetworkModel) cvm.bestModel()).parent() instanceof SpikingNetworkClassifier e
                ? e.getLearningRate() : -1, 0.0);
    }

    @Test
    void validationColumnIsEvaluatedNotTrainedOn() {
        Dataset<Row> withVal = train.withColumn("isVal", functions.rand(4).lt(0.2));
        SpikingNetworkModel m = estimator().setEpochs(2).setValidationIndicatorCol("isVal").fit(withVal);
        for (EpochMetrics e : m.summary().epochs()) {
            assertTrue(e.validationAccuracy() >= 0 && e.validationAccuracy() <= 1, e.toString());
        }
        long trainCount = withVal.filter("NOT isVal").count();
        assertEquals(trainCount, m.summary().numTrainingSamples());
    }

    @Test
    void paramsHaveDocsDefaultsAndCopies() {
        SpikingNetworkClassifier e = estimator();
        String explained = e.explainParams();
        for (String p : new String[]{"modelSpec", "timeSteps", "inputShape", "encoder", "loss", "optimizer",
                "learningRate", "lrSchedule", "batchSize", "epochs", "seed", "backend", "aggregationDepth",
                "checkpointDir", "checkpointInterval", "validationIndicatorCol", "syncInterval", "featuresCol",
                "labelCol", "predictionCol", "probabilityCol", "rawPredictionCol"}) {
            assertTrue(explained.contains(p + ":"), p);
        }
        SpikingNetworkClassifier c = e.copy(new ParamMap().put(e.timeSteps().w(8)));
        assertEquals(8, c.getTimeSteps());
        assertEquals(4, e.getTimeSteps());
        assertEquals(e.uid(), c.uid());
        assertThrows(IllegalArgumentException.class, () -> e.setEncoder("morse"));
        assertThrows(IllegalArgumentException.class, () -> e.setBatchSize(0));
    }

    @Test
    void badInputFailsEarlyWithClearMessages() {
        // Wrong feature length (the spec expects 6 values).
        Exception ex = assertThrows(IllegalArgumentException.class,
                () -> estimator().setModelSpec("linear(5, 8) | lif() | linear(8, 3) | lif()").setInputShape(new int[]{5})
                        .fit(train));
        assertTrue(ex.getMessage().contains("'features'") && ex.getMessage().contains("has 6 values"), ex.getMessage());
        // Non-finite features.
        Dataset<Row> nan = train.withColumn("features", functions.when(col("label").equalTo(1),
                functions.lit(null)).otherwise(col("features")));
        ex = assertThrows(IllegalArgumentException.class, () -> estimator().fit(nan));
        assertTrue(ex.getMessage().contains("'features'") && ex.getMessage().contains("null"), ex.getMessage());
        Dataset<Row> inf = new Blobs(20, F, C, 1, 0.1).frame(spark, 1).withColumn("label", col("label"))
                .withColumn("features", org.apache.spark.ml.functions.array_to_vector(functions.transform(
                        org.apache.spark.ml.functions.vector_to_array(col("features"), "float64"),
                        x -> functions.when(x.gt(0.5), functions.lit(Double.NaN)).otherwise(x))));
        ex = assertThrows(IllegalArgumentException.class, () -> estimator().fit(inf));
        assertTrue(ex.getMessage().contains("non-finite value (NaN)"), ex.getMessage());
        // Labels: out of range, not integers.
        ex = assertThrows(IllegalArgumentException.class,
                () -> estimator().fit(train.withColumn("label", col("label").plus(1))));
        assertTrue(ex.getMessage().contains("'label'") && ex.getMessage().contains("[0, 3)"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class,
                () -> estimator().fit(train.withColumn("label", col("label").plus(0.5))));
        assertTrue(ex.getMessage().contains("integers"), ex.getMessage());
        // Missing columns, empty DataFrame, bad spec, missing GPU.
        ex = assertThrows(IllegalArgumentException.class, () -> estimator().setLabelCol("target").fit(train));
        assertTrue(ex.getMessage().contains("target"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> estimator().fit(train.limit(0)));
        assertTrue(ex.getMessage().contains("empty"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class,
                () -> estimator().setModelSpec("linear(6, 8) | lif(tau=2.0) | lnear(8, 3)").fit(train));
        assertTrue(ex.getMessage().contains("lnear"), ex.getMessage());
        // cuda is decided where the engine is built (here local mode's executor, "the driver"): the task fails
        // naming that JVM and the reason, and the job with it
        Exception noGpu = assertThrows(org.apache.spark.SparkException.class, () -> estimator().setBackend("cuda").fit(train));
        assertTrue(noGpu.getMessage().contains("backend=cuda: the driver (host ")
                && noGpu.getMessage().contains("has no usable CUDA device: test provider: no device here"), noGpu.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> model.transform(train.drop("features")));
        assertTrue(ex.getMessage().contains("features"), ex.getMessage());
    }

    @Test
    void layerPipelineShowsEveryLayerAndEndsWithTheModelsRates() throws Exception {
        for (String enc : new String[]{"direct", "poisson", "latency(tau=3.0, normalize=true)"}) {
            SpikingNetworkModel m = model.copy(new ParamMap()).setEncoder(enc);
            PipelineModel layers = m.toLayerPipeline();
            Dataset<Row> out = layers.transform(train);
            assertEquals(List.of("features", "label", "snn_input", "snn_layer1_linear", "snn_layer2_lif",
                    "snn_layer3_linear", "snn_layer4_lif", "snn_rates"), List.of(out.columns()));
            List<Row> a = out.select("snn_rates", "snn_layer2_lif", "snn_input").collectAsList();
            List<Row> b = m.transform(train).select("rawPrediction").collectAsList();
            assertEquals(b.size(), a.size());
            long spikes = 0;
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(((Vector) b.get(i).get(0)).toArray(), ((Vector) a.get(i).get(0)).toArray(), 0.0,
                        enc + " row " + i);
                double[] hidden = ((Vector) a.get(i).get(1)).toArray();
                assertEquals(4 * 24, hidden.length);
                for (double v : hidden) {
                    assertTrue(v == 0.0 || v == 1.0, "spikes are 0/1");
                    spikes += (long) v;
                }
                assertEquals(4 * F, ((Vector) a.get(i).get(2)).size());
            }
            assertTrue(spikes > 0, "the hidden layer fires");
            if (enc.equals("direct")) {
                Path dir = SparkTestSupport.tempDir("layers");
                layers.write().overwrite().save(dir.toString());
                assertEquals(a.subList(0, 20), PipelineModel.load(dir.toString()).transform(train)
                        .select("snn_rates", "snn_layer2_lif", "snn_input").limit(20).collectAsList());
            }
        }
    }
}
