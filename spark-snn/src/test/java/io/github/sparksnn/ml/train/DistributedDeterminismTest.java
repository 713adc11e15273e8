package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.SparkTestSupport;
import io.github.sparksnn.ml.train.engine.CoreEngineFactory;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.plan.BlockPacker;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import io.github.sparksnn.train.EngineConfig;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The same seed and partitioning give bit-identical parameters on local[1], local[2] and
 * local-cluster[2,1,1024] (two executor JVMs), also when one executor JVM dies mid-training. Real engine
 * (spiking MLP, Poisson input so that every step's seed matters) and real optimizer (Adam).
 */
class DistributedDeterminismTest {
    static final int F = 6;
    static final int C = 3;
    static final Blobs DATA = new Blobs(200, F, C, 5, 0.1);
    static final EngineConfig CFG = EngineConfig.builder()
            .modelSpec("linear(6, 16) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(16, 3) | lif(tau=2.0)")
            .inputShape(F).timeSteps(4).encoder("poisson").loss("mse").seed(3).build();

    static DistributedTrainer.Result run(SparkSession spark, EngineFactory engines, SyncMode mode) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(DATA.frame(spark, 2), "features", "label", F, C);
        try {
            int[] sizes = BlockPacker.checkedSizes(blocks, "training");
            DistributedTrainer.Config cfg = new DistributedTrainer.Config(17, 40, 2, 2, 1, null, 1, false, "det")
                    .with(mode, 2);
            return new DistributedTrainer(jsc, cfg, engines, new OptimizerUpdateRule.Factory("adam"),
                    LrSchedule.constant(0.01)).fit(blocks, sizes, null, CFG.initialParameters());
        } finally {
            blocks.unpersist(true);
        }
    }

    static float[] train(SparkSession spark, EngineFactory engines, SyncMode expected) {
        DistributedTrainer.Result r = run(spark, engines, SyncMode.AUTO);
        assertEquals(expected, r.syncMode(), "auto picked the mode");
        return r.params();
    }

    @Test
    void identicalOnEveryMasterInBothModesAndAfterAnExecutorDies() throws IOException {
        float[] one;
        DistributedTrainer.Result bn1;
        SparkSession s = SparkTestSupport.local(1);
        try {
            // Two partitions on one slot: auto falls back to a job per step.
            one = train(s, new CoreEngineFactory(CFG), SyncMode.JOBS);
            bn1 = BatchNormDeterminismTest.train(s, 1, SyncMode.AUTO);
            assertEquals(SyncMode.JOBS, bn1.syncMode());
        } finally {
            SparkTestSupport.stop(s);
        }
        assertFalse(java.util.Arrays.equals(one, CFG.initialParameters()), "training changed the weights");

        s = SparkTestSupport.local(2);
        try {
            assertArrayEquals(one, train(s, new CoreEngineFactory(CFG), SyncMode.BARRIER), 0f, "local[2] barrier");
            assertArrayEquals(one, run(s, new CoreEngineFactory(CFG), SyncMode.JOBS).params(), 0f, "local[2] jobs");
            DistributedTrainer.Result bn2 = BatchNormDeterminismTest.train(s, 1, SyncMode.BARRIER);
            assertArrayEquals(bn1.params(), bn2.params(), 0f, "batch norm params, barrier local[2] vs local[1]");
            assertArrayEquals(bn1.buffers(), bn2.buffers(), 0f, "batch norm buffers, barrier local[2] vs local[1]");
        } finally {
            SparkTestSupport.stop(s);
        }

        Path dir = SparkTestSupport.tempDir("kill");
        File marker = dir.resolve("executor-killed").toFile();
        s = SparkTestSupport.localCluster();
        try {
            assertArrayEquals(one, train(s, new CoreEngineFactory(CFG), SyncMode.BARRIER), 0f,
                    "local-cluster barrier vs local[1]");
            DistributedTrainer.Result bnc = BatchNormDeterminismTest.train(s, 1, SyncMode.BARRIER);
            assertArrayEquals(bn1.params(), bnc.params(), 0f, "batch norm params, local-cluster");
            assertArrayEquals(bn1.buffers(), bnc.buffers(), 0f, "batch norm buffers, local-cluster");
            // Now an executor JVM halts in the middle of the barrier stage (its 4th engine call), once: the stage
            // restarts from the last completed step on a fresh executor.
            float[] afterKill = train(s, killOnce(new CoreEngineFactory(CFG), marker.getAbsolutePath(), 4),
                    SyncMode.BARRIER);
            assertTrue(marker.exists(), "an executor was killed during training");
            assertArrayEquals(one, afterKill, 0f, "parameters after an executor died");
        } finally {
            SparkTestSupport.stop(s);
        }
    }

    /** Engines whose first executor JVM to make its n-th gradient call dies (exactly once overall). */
    static EngineFactory killOnce(EngineFactory inner, String marker, int afterCalls) {
        return new HookedEngines.Factory(inner, new KillOnce(marker, afterCalls), "kill-once");
    }

    record KillOnce(String marker, int afterCalls) implements HookedEngines.Hook {
        static final AtomicInteger CALLS = new AtomicInteger();

        @Override
        public void beforeGradient(long seed) {
            if (CALLS.incrementAndGet() == afterCalls && !"driver".equals(SparkEnv.get().executorId())) {
                try {
                    if (new File(marker).createNewFile()) {
                        Runtime.getRuntime().halt(137);
                    }
                } catch (IOException ignored) {
                    // no marker, no kill
                }
            }
        }
    }
}
