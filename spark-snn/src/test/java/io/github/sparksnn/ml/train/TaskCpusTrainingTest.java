package io.github.sparksnn.ml.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.ml.SparkTestSupport;
import io.github.sparksnn.ml.train.engine.CoreEngineFactory;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.plan.BlockPacker;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import io.github.sparksnn.train.EngineConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code spark.task.cpus = 2}: each task's engine runs on the two CPUs Spark gave it (one endpoint of the aggregation
 * tree for two cores), sending its gradient layer by layer over sockets as a one-thread task does, with the bits of
 * the job-per-step loop on the same two-thread engines, and different bits from one-thread tasks (the replicas' sums
 * are added in a different order), so the thread count is really in use.
 */
class TaskCpusTrainingTest {
    static SparkSession spark;
    static JavaSparkContext jsc;
    static final int F = 6;
    static final int C = 3;
    static final Blobs DATA = new Blobs(230, F, C, 7, 0.2);

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localWithTaskCpus(4, 2, "TaskCpusTrainingTest");
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    private static DistributedTrainer.Result train(SyncMode mode, EngineFactory f) {
        DistributedTrainer.Config cfg = new DistributedTrainer.Config(9, 23, 2, 2, 1, null, 1, false, "barrier", mode,
                2, 60);
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(DATA.frame(spark, 2), "features", "label", F, C);
        try {
            int[] sizes = BlockPacker.checkedSizes(blocks, "training");
            return new DistributedTrainer(jsc, cfg, f, new OptimizerUpdateRule.Factory("adam"),
                    (e, s, n, t) -> 0.05).fit(blocks, sizes, null, f.create().parameters(), f.create().buffers());
        } finally {
            blocks.unpersist(true);
        }
    }

    /** The core's engine on one thread whatever the task's CPUs. */
    record OneThread(EngineConfig config) implements EngineFactory {
        @Override
        public io.github.sparksnn.train.GradientEngine create() {
            return config.create();
        }

        @Override
        public String cacheKey() {
            return "one thread|" + config;
        }
    }

    @Test
    void twoCpusPerTaskRunTwoThreadEnginesWithTheBitsOfTheJobPerStepLoop() {
        EngineConfig cfg = EngineConfig.builder()
                .modelSpec("linear(6, 40) | lif(tau=2.0) | linear(40, 30) | lif(tau=2.0) | linear(30, 3) | lif(tau=2.0)")
                .inputShape(F).timeSteps(3).encoder("poisson").loss("mse").seed(5).build();
        EngineFactory f = new CoreEngineFactory(cfg);
        assertEquals(2, DistributedTrainer.taskSlots(jsc), "local[4] with 2 CPUs a task: two slots");
        DistributedTrainer.Result jobs = train(SyncMode.JOBS, f);
        for (String b : jobs.partitionBackends()) {
            assertTrue(b.endsWith(" x 2 threads"), b);
        }
        jsc.setLocalProperty(BarrierLoop.TRANSPORT, "socket");
        try {
            DistributedTrainer.Result barrier = train(SyncMode.BARRIER, f);
            assertEquals(SyncMode.BARRIER, barrier.syncMode());
            assertArrayEquals(jobs.params(), barrier.params(), 0f, "barrier over sockets vs jobs, 2 threads a task");
            for (String b : barrier.partitionBackends()) {
                assertTrue(b.endsWith(" x 2 threads"), b);
            }
        } finally {
            jsc.setLocalProperty(BarrierLoop.TRANSPORT, null);
        }
        // One thread a task (threads set in the config, so Spark's CPUs do not change it): other bits.
        DistributedTrainer.Result one = train(SyncMode.JOBS, new OneThread(cfg));
        for (String b : one.partitionBackends()) {
            assertFalse(b.contains("threads"), b);
        }
        assertFalse(java.util.Arrays.equals(jobs.params(), one.params()), "the thread count changes the sums' order");
    }
}
