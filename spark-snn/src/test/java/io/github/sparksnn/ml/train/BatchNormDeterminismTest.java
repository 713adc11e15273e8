package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.SparkTestSupport;
import io.github.sparksnn.ml.train.engine.CoreEngineFactory;
import io.github.sparksnn.ml.train.plan.BlockPacker;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import io.github.sparksnn.model.Network;
import io.github.sparksnn.train.EngineConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Batch-norm running statistics (engine buffers) in distributed training: they follow the data-parallel
 * semantics deterministically, so local[1] and local[2] with the same partitioning give the same bits for
 * parameters and buffers, with one synchronized step per batch and with local rounds ({@code syncInterval = 2}).
 */
class BatchNormDeterminismTest {
    static final int F = 16;
    static final int C = 3;
    static final Blobs DATA = new Blobs(96, F, C, 8, 0.15);
    static final EngineConfig CFG = EngineConfig.builder()
            .modelSpec("conv2d(1, 2, 3, padding=1) | batchnorm2d(2) | lif | flatten | linear(32, 3) | lif")
            .inputShape(1, 4, 4).timeSteps(3).encoder("direct").loss("mse").seed(4).build();

    static DistributedTrainer.Result train(SparkSession spark, int syncInterval) {
        return train(spark, syncInterval, SyncMode.AUTO);
    }

    static DistributedTrainer.Result train(SparkSession spark, int syncInterval, SyncMode mode) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(DATA.frame(spark, 2), "features", "label", F, C);
        try {
            int[] sizes = BlockPacker.checkedSizes(blocks, "training");
            DistributedTrainer.Config cfg = new DistributedTrainer.Config(3, 24, 2, 2, syncInterval, null, 1, false,
                    "bn").with(mode, 2);
            return new DistributedTrainer(jsc, cfg, new CoreEngineFactory(CFG), new OptimizerUpdateRule.Factory("adam"),
                    LrSchedule.constant(0.01)).fit(blocks, sizes, null, CFG.initialParameters(),
                    Network.initialRunningStatistics(CFG.spec(), CFG.inputShape()));
        } finally {
            blocks.unpersist(true);
        }
    }

    @Test
    void paramsAndBuffersAreBitIdenticalOnLocal1AndLocal2() {
        DistributedTrainer.Result a1, a2, b1, b2;
        SparkSession s = SparkTestSupport.local(1);
        try {
            a1 = train(s, 1);
            b1 = train(s, 2);
        } finally {
            SparkTestSupport.stop(s);
        }
        s = SparkTestSupport.local(2);
        try {
            a2 = train(s, 1);
            b2 = train(s, 2);
        } finally {
            SparkTestSupport.stop(s);
        }
        float[] initial = Network.initialRunningStatistics(CFG.spec(), CFG.inputShape());
        assertArrayEquals(new float[]{0, 0, 1, 1}, initial);
        for (DistributedTrainer.Result r : new DistributedTrainer.Result[]{a1, b1}) {
            assertEquals(4, r.buffers().length);
            assertTrue(r.buffers()[0] != 0 && r.buffers()[1] != 0, "running means moved: "
                    + java.util.Arrays.toString(r.buffers()));
            assertTrue(r.buffers()[2] > 0 && r.buffers()[3] > 0 && r.buffers()[2] != 1, "running variances");
        }
        assertArrayEquals(a1.params(), a2.params(), 0f, "params, syncInterval 1");
        assertArrayEquals(a1.buffers(), a2.buffers(), 0f, "buffers, syncInterval 1");
        assertArrayEquals(b1.params(), b2.params(), 0f, "params, syncInterval 2");
        assertArrayEquals(b1.buffers(), b2.buffers(), 0f, "buffers, syncInterval 2");
        assertFalse(java.util.Arrays.equals(a1.buffers(), b1.buffers()), "local rounds take another path");
    }
}
