package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.SparkTestSupport;
import io.github.sparksnn.ml.train.engine.SoftmaxEngine;
import io.github.sparksnn.ml.train.plan.BatchPlan;
import io.github.sparksnn.ml.train.plan.BlockPacker;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.CheckpointStoreTest;
import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import io.github.sparksnn.ml.train.state.UpdateRule;
import io.github.sparksnn.train.GradientEngine;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The distributed step loop on local[2] with an exact test engine (softmax regression). */
class DistributedTrainerTest {
    static SparkSession spark;
    static JavaSparkContext jsc;
    static final int F = 6;
    static final int C = 3;
    static final Blobs DATA = new Blobs(240, F, C, 11, 0.15);

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static DistributedTrainer.Config config(int batch, int epochs, int depth, int sync, String cpDir, int cpEvery,
                                            boolean resume) {
        return new DistributedTrainer.Config(5, batch, epochs, depth, sync, cpDir, cpEvery, resume, "test");
    }

    static DistributedTrainer.Result train(int partitions, DistributedTrainer.Config cfg, double noise) {
        Dataset<Row> df = DATA.frame(spark, partitions);
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(df, "features", "label", F, C);
        int[] sizes = BlockPacker.checkedSizes(blocks, "training");
        SoftmaxEngine.Factory f = new SoftmaxEngine.Factory(F, C, 3, noise);
        float[] init = f.create().parameters();
        try {
            return new DistributedTrainer(jsc, cfg, f, new Sgd.Factory(0.9f), (e, s, n, t) -> 0.5 * (1 - (double) (e * n + s) / (t * n)))
                    .fit(blocks, sizes, blocks, init);
        } finally {
            blocks.unpersist(true);
        }
    }

    @Test
    void followsSingleJvmTrainingOnTheSameBatches() {
        int partitions = 3;
        int batch = 30;
        int epochs = 2;
        DistributedTrainer.Result dist = train(partitions, config(batch, epochs, 2, 1, null, 1, false), 0);

        // Single-JVM reference: rebuild each global batch from the plan, one engine, one gradient sum, SGD.
        int[][] parts = DATA.partitionIndices(partitions);
        GradientEngine engine = new SoftmaxEngine(F, C, 3, 0);
        float[] params = engine.parameters();
        Sgd rule = new Sgd(params.length, 0.9f);
        int steps = BatchPlan.stepsPerEpoch(DATA.y.length, batch);
        for (int e = 0; e < epochs; e++) {
            for (int s = 0; s < steps; s++) {
                List<Integer> rows = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    int[] perm = BatchPlan.permutation(parts[p].length, 5, e, p);
                    for (int i = BatchPlan.shareStart(parts[p].length, s, steps);
                         i < BatchPlan.shareEnd(parts[p].length, s, steps); i++) {
                        rows.add(parts[p][perm[i]]);
                    }
                }
                float[] x = new float[rows.size() * F];
                int[] y = new int[rows.size()];
                for (int i = 0; i < rows.size(); i++) {
                    System.arraycopy(DATA.x[rows.get(i)], 0, x, i * F, F);
                    y[i] = DATA.y[rows.get(i)];
                }
                assertEquals(batch, rows.size(), "240 samples in 3 x 80 split evenly into batches of 30");
                engine.setParameters(params);
                float[] g = new float[params.length];
                engine.accumulateGradient(x, y, 0, y.length, 0, g);
                for (int i = 0; i < g.length; i++) {
                    g[i] /= y.length;
                }
                rule.step(params, g, 0.5 * (1 - (double) (e * steps + s) / (epochs * steps)));
            }
        }
        float maxDiff = 0;
        for (int i = 0; i < params.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(params[i] - dist.params()[i]));
        }
        assertTrue(maxDiff < 1e-4f, "max |distributed - single JVM| = " + maxDiff);
        // The reference is not trivially close: training moved the parameters far more than the tolerance.
        float moved = 0;
        float[] init = new SoftmaxEngine(F, C, 3, 0).parameters();
        for (int i = 0; i < params.length; i++) {
            moved = Math.max(moved, Math.abs(params[i] - init[i]));
        }
        assertTrue(moved > 0.1f, "training moved the parameters by " + moved);
        // And it learned: these blobs are separable.
        assertTrue(dist.history().get(epochs - 1).validationAccuracy() > 0.9, dist.history().toString());
        assertEquals(2, dist.history().size());
        assertTrue(dist.history().get(1).loss() < dist.history().get(0).loss());
    }

    @Test
    void bitIdenticalAcrossRunsAndAggregationDepths() {
        DistributedTrainer.Result a = train(4, config(25, 2, 1, 1, null, 1, false), 0.3);
        DistributedTrainer.Result b = train(4, config(25, 2, 3, 1, null, 1, false), 0.3);
        assertArrayEquals(a.params(), b.params(), 0f);
        DistributedTrainer.Result c = train(4, config(25, 2, 2, 1, null, 1, false), 0.3);
        assertArrayEquals(a.params(), c.params(), 0f);
        // The seed matters (noise drawn from step seeds): a different run seed gives different parameters.
        DistributedTrainer.Result d = train(4, new DistributedTrainer.Config(6, 25, 2, 1, 1, null, 1, false, "test"),
                0.3);
        assertFalse(java.util.Arrays.equals(a.params(), d.params()), "run seed 6 vs 5");
    }

    @Test
    void resumeEqualsAnUninterruptedRun() throws Exception {
        Path dir = SparkTestSupport.tempDir("cp");
        DistributedTrainer.Result full = train(3, config(40, 4, 2, 1, null, 1, false), 0.2);
        DistributedTrainer.Result firstHalf = train(3, config(40, 2, 2, 1, dir.toString(), 1, false), 0.2);
        assertTrue(Files.exists(dir.resolve("checkpoint-epoch-00002.ckpt")));
        assertFalse(java.util.Arrays.equals(full.params(), firstHalf.params()));
        // The schedule depends on total steps, so the resumed run must be configured for 4 epochs as well:
        // stop a 4-epoch run after 2 by reusing its checkpoint of epoch 2 (written every epoch).
        Path dir2 = SparkTestSupport.tempDir("cp");
        train(3, config(40, 4, 2, 1, dir2.toString(), 2, false), 0.2);
        Files.delete(dir2.resolve("checkpoint-epoch-00004.ckpt"));
        DistributedTrainer.Result resumed = train(3, config(40, 4, 2, 1, dir2.toString(), 2, true), 0.2);
        assertEquals(2, resumed.resumedFromEpoch());
        assertArrayEquals(full.params(), resumed.params(), 0f);
        assertEquals(4, resumed.history().size());
        assertEquals(full.history().get(3).loss(), resumed.history().get(3).loss(), 0.0);
        // A checkpoint of another configuration is refused with a message that says so.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(2, config(40, 4, 2, 1, dir2.toString(), 2, true), 0.2));
        assertTrue(e.getMessage().contains("another configuration"), e.getMessage());
    }

    @Test
    void resumeRefusesAJavaSerializedCheckpointWithoutRunningIt() throws Exception {
        // a checkpoint folder handed over by someone else, holding an object whose deserialization writes a marker
        Path dir = SparkTestSupport.tempDir("cp");
        Path marker = dir.resolve("marker");
        byte[] payload = CheckpointStoreTest.javaSerialized(new CheckpointStoreTest.MarkerPayload(marker.toString()));
        Files.write(dir.resolve("checkpoint-epoch-00001.bin"), payload);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(3, config(40, 2, 2, 1, dir.toString(), 1, true), 0.2));
        assertTrue(e.getMessage().contains("checkpoint-epoch-00001.bin") && e.getMessage().contains("old format"),
                e.getMessage());
        Files.move(dir.resolve("checkpoint-epoch-00001.bin"), dir.resolve("checkpoint-epoch-00001.ckpt"));
        e = assertThrows(IllegalArgumentException.class,
                () -> train(3, config(40, 2, 2, 1, dir.toString(), 1, true), 0.2));
        assertTrue(e.getMessage().contains("checkpoint-epoch-00001.ckpt")
                && e.getMessage().contains("Java-serialized object"), e.getMessage());
        assertFalse(Files.exists(marker), "resume ran the checkpoint's code");
    }

    @Test
    void localStepsWithAveragingMatchSynchronousStepsOnOnePartition() {
        // One partition: averaging a single replica is the replica itself, so k local plain-SGD steps equal k
        // synchronous steps (up to the rounding of delta * n / n).
        DistributedTrainer.Result sync = trainSgd(1, 1);
        DistributedTrainer.Result local = trainSgd(1, 4);
        float maxDiff = 0;
        for (int i = 0; i < sync.params().length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(sync.params()[i] - local.params()[i]));
        }
        assertTrue(maxDiff < 1e-4f, "max diff " + maxDiff);
        // With several partitions it still learns (and differs from synchronous training).
        DistributedTrainer.Result multi = trainSgd(3, 4);
        assertTrue(multi.history().get(1).validationAccuracy() > 0.9, multi.history().toString());
    }

    /**
     * What {@code syncInterval = k > 1} is, exactly: each round every task runs k steps with a fresh local update
     * rule (Adam's moments and step count start from zero every round), then the driver averages the replicas (local
     * SGD / FedAvg with the client optimizer reset each round; the driver's own rule is not used). On one partition
     * averaging is the identity, so it must equal synchronous training whose Adam is restarted at every round's first
     * step, up to the rounding of delta * n / n, and differ from synchronous training whose Adam runs on.
     */
    @Test
    void localStepsRestartTheLocalOptimizerEveryRound() {
        int k = 3;
        Dataset<Row> df = DATA.frame(spark, 1);
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(df, "features", "label", F, C);
        int[] sizes = BlockPacker.checkedSizes(blocks, "training");
        int stepsPerEpoch = BatchPlan.stepsPerEpoch(sizes[0], 24);
        assertTrue(stepsPerEpoch > 2 * k, "several rounds per epoch: " + stepsPerEpoch + " steps");
        SoftmaxEngine.Factory f = new SoftmaxEngine.Factory(F, C, 3, 0);
        UpdateRule.Factory adam = new OptimizerUpdateRule.Factory("adam");
        DistributedTrainer.Result local = fitAdam(blocks, sizes, f, k, adam);
        DistributedTrainer.Result restarted = fitAdam(blocks, sizes, f, 1, new RestartEvery(adam, k, stepsPerEpoch));
        DistributedTrainer.Result runOn = fitAdam(blocks, sizes, f, 1, adam);
        double restartDiff = 0;
        double runOnDiff = 0;
        double scale = 0;
        for (int i = 0; i < local.params().length; i++) {
            restartDiff = Math.max(restartDiff, Math.abs(local.params()[i] - restarted.params()[i]));
            runOnDiff = Math.max(runOnDiff, Math.abs(local.params()[i] - runOn.params()[i]));
            scale = Math.max(scale, Math.abs(local.params()[i]));
        }
        assertTrue(restartDiff < 1e-5 * scale, "against a restarted Adam: " + restartDiff + " of " + scale);
        assertTrue(runOnDiff > 100 * restartDiff && runOnDiff > 1e-3 * scale,
                "against an Adam that runs on: " + runOnDiff + " (restarted: " + restartDiff + ")");
    }

    private static DistributedTrainer.Result fitAdam(JavaRDD<PackedBlock> blocks, int[] sizes, SoftmaxEngine.Factory f,
                                                    int sync, UpdateRule.Factory rules) {
        DistributedTrainer.Config cfg = new DistributedTrainer.Config(5, 24, 2, 2, sync, null, 1, false, "t");
        return new DistributedTrainer(jsc, cfg, f, rules, LrSchedule.constant(0.02)).fit(blocks, sizes, null,
                f.create().parameters());
    }

    /** A driver-side rule that starts a fresh inner rule at the first step of every k-step round of an epoch. */
    private record RestartEvery(UpdateRule.Factory inner, int k, int stepsPerEpoch) implements UpdateRule.Factory {
        @Override
        public UpdateRule create(int numParameters) {
            return new UpdateRule() {
                private UpdateRule rule;
                private long calls;

                @Override
                public void step(float[] params, float[] meanGrad, double lr) {
                    if ((calls++ % stepsPerEpoch) % k == 0) {
                        rule = inner.create(numParameters);
                    }
                    rule.step(params, meanGrad, lr);
                }

                @Override
                public io.github.sparksnn.train.optim.OptimizerState state() {
                    throw new UnsupportedOperationException("not checkpointed in this test");
                }

                @Override
                public void restore(io.github.sparksnn.train.optim.OptimizerState state) {
                    throw new UnsupportedOperationException("not checkpointed in this test");
                }

                @Override
                public List<String> bufferNames() {
                    return inner.create(numParameters).bufferNames();
                }
            };
        }
    }

    private static DistributedTrainer.Result trainSgd(int partitions, int sync) {
        Dataset<Row> df = DATA.frame(spark, partitions);
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(df, "features", "label", F, C);
        int[] sizes = BlockPacker.checkedSizes(blocks, "training");
        SoftmaxEngine.Factory f = new SoftmaxEngine.Factory(F, C, 3, 0);
        DistributedTrainer.Config cfg = new DistributedTrainer.Config(5, 24, 2, 2, sync, null, 1, false, "t");
        return new DistributedTrainer(jsc, cfg, f, new Sgd.Factory(0f), LrSchedule.constant(0.3))
                .fit(blocks, sizes, blocks, f.create().parameters());
    }

    @Test
    void badRowsAreReportedWithTheColumnBeforeTraining() {
        Dataset<Row> ok = DATA.frame(spark, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlockPacker.checkedSizes(BlockPacker.pack(ok, "features", "label", F + 1, C), "training"));
        assertTrue(e.getMessage().contains("column 'features'") && e.getMessage().contains("needs " + (F + 1)),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BlockPacker.checkedSizes(BlockPacker.pack(ok, "features", "label", F, 2), "training"));
        assertTrue(e.getMessage().contains("column 'label'") && e.getMessage().contains("[0, 2)"), e.getMessage());
        Dataset<Row> empty = ok.limit(0);
        JavaRDD<PackedBlock> eb = BlockPacker.pack(empty, "features", "label", F, C);
        int[] sizes = BlockPacker.checkedSizes(eb, "training");
        SoftmaxEngine.Factory f = new SoftmaxEngine.Factory(F, C, 3, 0);
        e = assertThrows(IllegalArgumentException.class, () -> new DistributedTrainer(jsc,
                config(10, 1, 2, 1, null, 1, false), f, new Sgd.Factory(0), LrSchedule.constant(0.1))
                .fit(eb, sizes, null, f.create().parameters()));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }
}
