package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.SparkTestSupport;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.engine.SoftmaxEngine;
import io.github.sparksnn.ml.train.net.Frame;
import io.github.sparksnn.ml.train.net.InProcessHub;
import io.github.sparksnn.ml.train.net.PeerLink;
import io.github.sparksnn.ml.train.plan.BatchPlan;
import io.github.sparksnn.ml.train.plan.BlockPacker;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.EpochMetrics;
import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Barrier-mode training on local[5], over real sockets and in process (a local master's default): the same bits as
 * the job-per-step loop for every tree shape and both transports, the fallback when slots are short, a silent task
 * turned into a timeout error, and the driver service under bad connections.
 */
class BarrierTrainingTest {
    static SparkSession spark;
    static JavaSparkContext jsc;
    static final int F = 6;
    static final int C = 3;
    static final Blobs DATA = new Blobs(230, F, C, 7, 0.2);

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(5);
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @AfterEach
    void clearHooks() {
        BarrierLoop.serviceHook = null;
        jsc.setLocalProperty("spark.snn.barrier.maxRestarts", null);
        jsc.setLocalProperty(BarrierLoop.TRANSPORT, null);
        jsc.setLocalProperty(BarrierLoop.SHARED_ROUNDS, null);
        assertEquals(0, InProcessHub.openCount(), "every in-process hub is closed after its attempt");
        assertEquals(0, SharedRound.openCount(), "every shared round is closed after its attempt");
    }

    /** The transports a local master can use: in process (its default) and sockets. */
    static final String[] TRANSPORTS = {"auto", "socket"};

    static void transport(String t) {
        jsc.setLocalProperty(BarrierLoop.TRANSPORT, t);
    }

    static DistributedTrainer.Config config(SyncMode mode, int fanIn, int sync) {
        return new DistributedTrainer.Config(9, 23, 2, 2, sync, null, 1, false, "barrier", mode, fanIn, 60);
    }

    static DistributedTrainer.Result train(int partitions, DistributedTrainer.Config cfg, EngineFactory f) {
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(DATA.frame(spark, partitions), "features", "label", F, C);
        try {
            int[] sizes = BlockPacker.checkedSizes(blocks, "training");
            return new DistributedTrainer(jsc, cfg, f, new OptimizerUpdateRule.Factory("adam"),
                    (e, s, n, t) -> 0.05 * (1 - (double) (e * n + s) / (t * n))).fit(blocks, sizes, null,
                    f.create().parameters(), f.create().buffers());
        } finally {
            blocks.unpersist(true);
        }
    }

    static SoftmaxEngine.Factory softmax() {
        return new SoftmaxEngine.Factory(F, C, 3, 0.3);
    }

    @Test
    void everyTreeShapeGivesTheBitsOfTheJobPerStepLoop() {
        for (int p : new int[]{1, 2, 3, 5}) {
            DistributedTrainer.Result jobs = train(p, config(SyncMode.JOBS, 2, 1), softmax());
            assertEquals(SyncMode.JOBS, jobs.syncMode());
            assertEquals(p, jobs.partitionBackends().size(), jobs.partitionBackends().toString());
            assertTrue(jobs.partitionBackends().stream().allMatch(b -> b.endsWith(": executor driver, cpu")),
                    jobs.partitionBackends().toString());
            assertFalse(java.util.Arrays.equals(jobs.params(), softmax().create().parameters()), "it trained");
            for (int fanIn = 0; fanIn <= 2; fanIn++) {
              for (String t : TRANSPORTS) {
                transport(t);
                DistributedTrainer.Result b = train(p, config(SyncMode.BARRIER, fanIn, 1), softmax());
                assertEquals(SyncMode.BARRIER, b.syncMode());
                assertArrayEquals(jobs.params(), b.params(), 0f, "P=" + p + ", fan-in " + fanIn + ", transport " + t
                        + " vs jobs");
                for (int e = 0; e < 2; e++) {
                    assertEquals(jobs.history().get(e).loss(), b.history().get(e).loss(), 0.0, "loss, P=" + p);
                    assertEquals(jobs.history().get(e).trainAccuracy(), b.history().get(e).trainAccuracy(), 0.0);
                }
                assertEquals("barrier", b.history().get(1).syncMode());
                // In process nothing goes through a socket.
                assertEquals(t.equals("socket"), b.history().get(1).driverBytesPerStep() > 0, t);
                // The tasks' own counters: each waits some time a step; bytes only over sockets (a lone task
                // talks to the driver alone, at least its share of the state both ways).
                EpochMetrics last = b.history().get(1);
                assertTrue(last.taskWaitMillis() >= 0 && Double.isFinite(last.taskWaitMillis()), last.toString());
                assertEquals(t.equals("socket"), last.taskBytesPerStep() > 0, last.toString());
                assertTrue(Double.isNaN(jobs.history().get(1).taskWaitMillis()), "jobs mode has no task counters");
                assertEquals(p, b.partitionBackends().size(), b.partitionBackends().toString());
                for (int q = 0; q < p; q++) {
                    assertEquals("partition " + q + ": executor driver, cpu", b.partitionBackends().get(q));
                }
              }
            }
            transport(null);
        }
        // Local steps with parameter averaging take the same path in both modes.
        DistributedTrainer.Result jobs = train(3, config(SyncMode.JOBS, 2, 3), softmax());
        for (String t : TRANSPORTS) {
            transport(t);
            DistributedTrainer.Result barrier = train(3, config(SyncMode.BARRIER, 2, 3), softmax());
            assertArrayEquals(jobs.params(), barrier.params(), 0f, "syncInterval 3, transport " + t);
        }
        DistributedTrainer.Result barrier = train(3, config(SyncMode.BARRIER, 2, 3), softmax());
        // And the seed matters: another run seed gives other parameters.
        DistributedTrainer.Config other = new DistributedTrainer.Config(10, 23, 2, 2, 1, null, 1, false, "barrier",
                SyncMode.BARRIER, 2, 60);
        assertFalse(java.util.Arrays.equals(barrier.params(), train(3, other, softmax()).params()));
    }

    /**
     * The real engine over sockets, where each task sends its gradient piece by piece while its backward pass still
     * runs (the last layer's pieces first, the batch-norm buffers before them): the bits of the job-per-step loop,
     * which computes each leaf whole, for every tree shape. A piece sent before its range was final would carry a
     * partial gradient and change the bits. The vector spans two pieces, split inside the second linear layer.
     */
    @Test
    void sendingDuringTheBackwardPassKeepsTheBitsOfTheJobPerStepLoop() {
        EngineFactory real = layered();
        try (io.github.sparksnn.train.GradientEngine e = real.create()) {
            assertTrue(e.numParameters() > io.github.sparksnn.ml.train.net.PartialReceiver.PIECE
                    && e.buffers().length > 0, "two pieces and buffers");
        }
        for (int p : new int[]{1, 5}) { // a lone task, and a star and a tree of five with cut-through
            DistributedTrainer.Result jobs = train(p, config(SyncMode.JOBS, 2, 1), real);
            transport("socket");
            for (int fanIn : new int[]{0, 2}) {
                DistributedTrainer.Result b = train(p, config(SyncMode.BARRIER, fanIn, 1), real);
                assertEquals(SyncMode.BARRIER, b.syncMode());
                assertArrayEquals(jobs.params(), b.params(), 0f, "P=" + p + ", fan-in " + fanIn + " vs jobs");
                assertArrayEquals(jobs.buffers(), b.buffers(), 0f, "buffers, P=" + p + ", fan-in " + fanIn);
                for (int ep = 0; ep < 2; ep++) {
                    assertEquals(jobs.history().get(ep).loss(), b.history().get(ep).loss(), 0.0, "loss, P=" + p);
                }
            }
            transport(null);
            assertFalse(java.util.Arrays.equals(jobs.params(), real.create().parameters()), "it trained");
        }
    }

    /** The engine of {@link #sendingDuringTheBackwardPassKeepsTheBitsOfTheJobPerStepLoop}: several pieces. */
    static EngineFactory layered() {
        return new io.github.sparksnn.ml.train.engine.CoreEngineFactory(io.github.sparksnn.train.EngineConfig.builder()
                .modelSpec("linear(6, 200) | batchnorm1d(200) | lif(tau=2.0) | linear(200, 330) | lif(tau=2.0)"
                        + " | linear(330, 3) | lif(tau=2.0)")
                .inputShape(F).timeSteps(3).encoder("direct").loss("mse").seed(5).build());
    }

    /**
     * Partition 1's engine, at step 3, reports its last two layers' gradients final (most of the vector: its pieces
     * go up at once), waits until they are on the wire, then throws: the task's PARTIAL frame is open part-way
     * through its vector when its ERROR frame must follow.
     */
    record BreakMidBackward() implements HookedEngines.Hook {
        @Override
        public void beforeGradient(long seed) {
        }

        @Override
        public void afterRange(long seed, int k, int from, int to) {
            if (atStep3(1, seed) && k == 1) {
                try {
                    Thread.sleep(1000); // the sender thread writes the pieces that are final
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("engine broke mid-backward on purpose");
            }
        }
    }

    @Test
    void aFailureMidVectorEndsTheOpenFrameAndTheRootCauseReachesTheDriver() {
        transport("socket");
        for (int fanIn : new int[]{2, 0}) { // partition 1 under partition 0 (cut-through), then under the driver
            long aborted0 = PeerLink.abortedFrames();
            List<BarrierLoop.ServiceHandle> handles = new ArrayList<>();
            BarrierLoop.serviceHook = handles::add;
            Exception e = assertThrows(org.apache.spark.SparkException.class, () -> train(3,
                    config(SyncMode.BARRIER, fanIn, 1), new HookedEngines.Factory(layered(), new BreakMidBackward(),
                            "break-mid")));
            assertTrue(e.getMessage().contains("engine broke mid-backward on purpose"), e.getMessage());
            List<String> notes = handles.get(0).notes();
            assertEquals(1, notes.size(), "fan-in " + fanIn + ": a deterministic failure, no restarts: " + notes);
            assertTrue(notes.get(0).contains("attempt 0 of epoch 1 failed: partition 1 (epoch 1): engine broke "
                    + "mid-backward on purpose"), "fan-in " + fanIn + ": " + notes);
            // Partition 1's frame, and under fan-in 2 its parent's, which had relayed its first pieces.
            assertTrue(PeerLink.abortedFrames() >= aborted0 + 1,
                    "fan-in " + fanIn + ": the frame was open part-way and ended as aborted");
        }
    }

    /** Partition 2 stalls at step 3 after its last layers' pieces left, only the first time (a marker file). */
    record StallMidBackwardOnce(String marker) implements HookedEngines.Hook {
        @Override
        public void beforeGradient(long seed) {
        }

        @Override
        public void afterRange(long seed, int k, int from, int to) {
            if (atStep3(2, seed) && k == 1) {
                stallOnce(marker);
            }
        }
    }

    @Test
    void aStallMidVectorTimesOutAndTheRestartKeepsTheBits() {
        transport("socket");
        EngineFactory real = layered();
        DistributedTrainer.Result clean = train(3, config(SyncMode.BARRIER, 2, 1), real);
        jsc.setLocalProperty("spark.snn.barrier.maxRestarts", "3");
        List<BarrierLoop.ServiceHandle> handles = new ArrayList<>();
        BarrierLoop.serviceHook = handles::add;
        DistributedTrainer.Result r = train(3, config(SyncMode.BARRIER, 2, 1).withStepTimeout(STALL_TIMEOUT_S),
                new HookedEngines.Factory(real, new StallMidBackwardOnce(
                        SparkTestSupportPaths.marker("stall-mid-backward")), "stall-mid"));
        assertArrayEquals(clean.params(), r.params(), 0f, "after a stall part-way through a vector and a restart");
        assertArrayEquals(clean.buffers(), r.buffers(), 0f, "buffers");
        String notes = handles.get(0).notes().toString();
        // The driver (P = 3, fan-in 2: partition 2 heads the block [2, 3)) read the first pieces of partition 2's
        // sum, then nothing: its wait for the next piece times out and the attempt restarts from the last completed
        // step, with a note saying whose sum stopped where.
        assertTrue(notes.contains("attempt 0 of epoch 1 failed at step 3: the driver got only part of the partial "
                + "sum of partition 2 for epoch 1, step 3 ("), notes);
    }

    @Test
    void bfloat16TransportIsDeterministicCloseToFloat32AndSurvivesARestart() {
        // Sockets for float32 too, to compare the bytes (bfloat16 always takes the sockets).
        transport("socket");
        DistributedTrainer.Result f32 = train(3, config(SyncMode.BARRIER, 2, 1), softmax());
        DistributedTrainer.Result a = train(3, config(SyncMode.BARRIER, 2, 1).withBf16Transport(true), softmax());
        DistributedTrainer.Result b = train(3, config(SyncMode.BARRIER, 2, 1).withBf16Transport(true), softmax());
        assertArrayEquals(a.params(), b.params(), 0f, "bfloat16 transport is deterministic");
        assertFalse(java.util.Arrays.equals(f32.params(), a.params()), "and rounds: other bits than float32");
        double maxDiff = 0;
        double scale = 0;
        for (int i = 0; i < a.params().length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a.params()[i] - f32.params()[i]));
            scale = Math.max(scale, Math.abs(f32.params()[i]));
        }
        assertTrue(maxDiff < 0.02 * scale, "max |bf16 - f32| = " + maxDiff + " of scale " + scale);
        assertEquals(f32.history().get(1).loss(), a.history().get(1).loss(), 0.02 * f32.history().get(1).loss());
        // Half the payload through the driver: the state changes and the partial sums travel as 2-byte values. The
        // driver talks to 2 tasks (P = 3, fan-in 2: blocks [0,2) and [2,3)), one vector each way on each link; the
        // frames' headers and tags are the same in both runs, and this model is small enough for them to matter.
        int floatsThroughDriver = 2 * 2 * f32.params().length;
        double saved = f32.history().get(1).driverBytesPerStep() - a.history().get(1).driverBytesPerStep();
        assertTrue(saved >= 0.8 * 2 * floatsThroughDriver && saved <= 2.0 * floatsThroughDriver + 1e-9,
                "driver bytes per step: bfloat16 " + a.history().get(1).driverBytesPerStep() + ", float32 "
                        + f32.history().get(1).driverBytesPerStep() + ", " + floatsThroughDriver + " values");
        // A stage restart resends the full state: the driver's copy equals the tasks', so the bits do not move.
        jsc.setLocalProperty("spark.snn.barrier.maxRestarts", "3");
        DistributedTrainer.Result restarted = train(3, config(SyncMode.BARRIER, 2, 1).withBf16Transport(true)
                .withStepTimeout(STALL_TIMEOUT_S), new HookedEngines.Factory(softmax(), new StallOnce(
                SparkTestSupportPaths.marker("stall-once-bf16")), "stall-once"));
        assertArrayEquals(a.params(), restarted.params(), 0f, "bfloat16 transport after a restart");
    }

    @Test
    void autoFallsBackToJobsWhenTaskSlotsAreShortAndBarrierSaysWhy() {
        DistributedTrainer.Result r = train(6, config(SyncMode.AUTO, 2, 1), softmax());
        assertEquals(SyncMode.JOBS, r.syncMode());
        assertEquals(SyncMode.BARRIER, train(5, config(SyncMode.AUTO, 2, 1), softmax()).syncMode());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(6, config(SyncMode.BARRIER, 2, 1), softmax()));
        assertTrue(e.getMessage().contains("6 partitions need 6 concurrent task slots, and local[5] has 5"),
                e.getMessage());
    }

    @Test
    void anRddChainSparkRefusesForBarrierStagesFallsBackInAuto() {
        // coalesce() inside the stage: Spark's barrier mode refuses RDD chains whose partition counts change.
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(DATA.frame(spark, 4).coalesce(2), "features", "label", F, C);
        try {
            int[] sizes = BlockPacker.checkedSizes(blocks, "training");
            SoftmaxEngine.Factory f = softmax();
            java.util.function.Function<SyncMode, DistributedTrainer.Result> fit = mode -> new DistributedTrainer(jsc,
                    config(mode, 2, 1), f, new OptimizerUpdateRule.Factory("adam"), LrSchedule.constant(0.05))
                    .fit(blocks, sizes, null, f.create().parameters());
            DistributedTrainer.Result auto = fit.apply(SyncMode.AUTO);
            assertEquals(SyncMode.JOBS, auto.syncMode());
            assertArrayEquals(fit.apply(SyncMode.JOBS).params(), auto.params(), 0f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fit.apply(SyncMode.BARRIER));
            assertTrue(e.getMessage().contains("syncMode=barrier cannot run: Barrier execution mode does not allow"),
                    e.getMessage());
        } finally {
            blocks.unpersist(true);
        }
    }

    /**
     * The step timeout of runs that stall on purpose. A healthy step takes milliseconds, but this suite shares two
     * cores with five task slots and a build: 1 s timed out healthy steps under load, so the timeout is 5 s and the
     * deliberate stalls are far longer than any timeout they must trigger.
     */
    static final int STALL_TIMEOUT_S = 5;
    /** How long {@link StallOnce} stalls: longer than two tree levels' timeouts ({@link #STALL_TIMEOUT_S} each). */
    static final long STALL_ONCE_MS = 30_000;

    /** Whether an engine call with {@code seed} is partition {@code p}'s at step 3 of epoch 1 (run seed 9). */
    static boolean atStep3(int p, long seed) {
        TaskContext tc = TaskContext.get();
        return tc != null && tc.partitionId() == p && seed == BatchPlan.stepSeed(9, 0, 2, p);
    }

    /** Sleeps {@link #STALL_ONCE_MS} the first time {@code marker} (a file) is claimed, else returns at once. */
    static void stallOnce(String marker) {
        try {
            if (new java.io.File(marker).createNewFile()) {
                Thread.sleep(STALL_ONCE_MS);
            }
        } catch (IOException | InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Partition 1 stops (sleeps) before its gradient of step 3 in every attempt. */
    record StallPartitionOne(long stallMs) implements HookedEngines.Hook {
        @Override
        public void beforeGradient(long seed) {
            if (atStep3(1, seed)) {
                try {
                    Thread.sleep(stallMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void aTaskThatStopsMidStepFailsTheRunWithATimeoutNamingPartitionAndStep() {
        jsc.setLocalProperty("spark.snn.barrier.maxRestarts", "1");
        DistributedTrainer.Config cfg = config(SyncMode.BARRIER, 2, 1).withStepTimeout(STALL_TIMEOUT_S);
        for (String t : TRANSPORTS) {
            transport(t);
            long t0 = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> train(3,
                    cfg, new HookedEngines.Factory(softmax(), new StallPartitionOne(120_000), "stall")));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(e.getMessage().contains("after 1 restarts"), e.getMessage());
            assertTrue(e.getMessage().contains("partition 0 got no partial sum from partition 1 for epoch 1, step 3"),
                    t + ": " + e.getMessage());
            // The stall lasts 120 s: giving up before it ends proves the timeout fired (no wall-clock budget beyond).
            assertTrue(seconds < 115, t + " gave up after " + seconds + " s, not after the stall");
        }
    }

    @Test
    void aStallShorterThanTheRestartsRecoversWithTheSameBits() {
        DistributedTrainer.Result clean = train(3, config(SyncMode.BARRIER, 0, 1), softmax());
        jsc.setLocalProperty("spark.snn.barrier.maxRestarts", "3");
        for (String t : TRANSPORTS) {
            transport(t);
            // In a star the driver itself waits for partition 1 and times out after two levels' timeouts; the
            // restarted stage runs clean and must land on the same bits.
            // The caller's job group (Zeppelin puts each paragraph in one) survives the stage's cancellation.
            jsc.setJobGroup("user-group", "a notebook paragraph", false);
            DistributedTrainer.Result r;
            List<BarrierLoop.ServiceHandle> handles = new ArrayList<>();
            BarrierLoop.serviceHook = handles::add;
            try {
                r = train(3, config(SyncMode.BARRIER, 0, 1).withStepTimeout(STALL_TIMEOUT_S),
                        new HookedEngines.Factory(softmax(), new StallOnce(
                                SparkTestSupportPaths.marker("stall-once-" + t)), "stall-once"));
                assertEquals("user-group", jsc.getLocalProperty("spark.jobGroup.id"));
            } finally {
                jsc.clearJobGroup();
            }
            assertArrayEquals(clean.params(), r.params(), 0f, t + ": after a timed-out attempt and a restart");
            String notes = handles.get(0).notes().toString();
            assertTrue(notes.contains("attempt 0 of epoch 1 failed at step 3: the driver got no partial sum from "
                    + "partition 1 for epoch 1, step 3 within " + 2 * STALL_TIMEOUT_S * 1000 + " ms"), t + ": " + notes);
        }
    }

    @Test
    void inProcessTheTasksUpdateThemselvesWithTheDriversBits() {
        transport("auto");
        for (int p : new int[]{2, 3}) {
            long before = SharedRound.roundsRun();
            DistributedTrainer.Result shared = train(p, config(SyncMode.BARRIER, 2, 1), softmax());
            assertTrue(SharedRound.roundsRun() > before, "P=" + p + ": the tasks ran the rounds");
            jsc.setLocalProperty(BarrierLoop.SHARED_ROUNDS, "false");
            long mid = SharedRound.roundsRun();
            DistributedTrainer.Result driver = train(p, config(SyncMode.BARRIER, 2, 1), softmax());
            assertEquals(mid, SharedRound.roundsRun(), "P=" + p + ": the driver ran the rounds");
            jsc.setLocalProperty(BarrierLoop.SHARED_ROUNDS, null);
            assertArrayEquals(driver.params(), shared.params(), 0f, "P=" + p);
            for (int e = 0; e < 2; e++) {
                assertEquals(driver.history().get(e).loss(), shared.history().get(e).loss(), 0.0, "loss, P=" + p);
            }
        }
        jsc.setLocalProperty(BarrierLoop.SHARED_ROUNDS, "maybe");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> train(2, config(SyncMode.BARRIER, 2, 1), softmax()));
        assertTrue(e.getMessage().contains("spark.snn.aggregation.sharedRounds must be true or false, got 'maybe'"),
                e.getMessage());
    }

    /** Partition 2's engine throws at step 3 (a deterministic failure, like a missing GPU). */
    record BreakPartitionTwo() implements HookedEngines.Hook {
        @Override
        public void beforeGradient(long seed) {
            if (atStep3(2, seed)) {
                throw new IllegalStateException("engine broke on purpose");
            }
        }
    }

    @Test
    void anEngineFailureStopsAtOnceWithSparksJobFailure() {
        for (String t : TRANSPORTS) {
            transport(t);
            List<BarrierLoop.ServiceHandle> handles = new ArrayList<>();
            BarrierLoop.serviceHook = handles::add;
            Exception e = assertThrows(org.apache.spark.SparkException.class, () -> train(5,
                    config(SyncMode.BARRIER, 2, 1), new HookedEngines.Factory(softmax(), new BreakPartitionTwo(),
                            "break")));
            assertTrue(e.getMessage().contains("engine broke on purpose"), e.getMessage());
            List<String> notes = handles.get(0).notes();
            assertEquals(1, notes.size(), t + ": one attempt, no restarts: " + notes);
            assertTrue(notes.get(0).contains(
                    "attempt 0 of epoch 1 failed: partition 2 (epoch 1): engine broke on purpose"), t + ": " + notes);
        }
    }

    @Test
    void cancellingTheCallersJobGroupStopsTrainingWithoutRestarts() {
        for (String t : TRANSPORTS) {
            transport(t);
            List<BarrierLoop.ServiceHandle> handles = new ArrayList<>();
            BarrierLoop.serviceHook = handles::add;
            String group = "notebook-paragraph-" + t;
            jsc.setJobGroup(group, "a notebook paragraph", true);
            JavaRDD<PackedBlock> blocks = BlockPacker.pack(DATA.frame(spark, 3), "features", "label", F, C);
            try {
                int[] sizes = BlockPacker.checkedSizes(blocks, "training");
                SoftmaxEngine.Factory f = softmax();
                long t0 = System.nanoTime();
                org.apache.spark.SparkException e = assertThrows(org.apache.spark.SparkException.class,
                        () -> new DistributedTrainer(jsc, config(SyncMode.BARRIER, 2, 1), f,
                                new OptimizerUpdateRule.Factory("adam"), LrSchedule.constant(0.05))
                                .listener(new TrainingListener() {
                                    @Override
                                    public void onStep(int epoch, int epochs, int step, int steps, double loss,
                                                       long n, double ips) {
                                        if (epoch == 0 && step == 2) {
                                            jsc.cancelJobGroup(group); // the notebook's cancel button
                                        }
                                    }
                                }).fit(blocks, sizes, null, f.create().parameters()));
                // The cancellation lands while step 4 runs, or (small steps are quick) after the epoch's last one.
                assertTrue(e.getMessage().matches("(?s)barrier-mode training was cancelled in epoch 1 (at step \\d+"
                        + "|after its last step): Job \\d+ cancelled part of cancelled job group " + group), t + ": " + e.getMessage());
                List<String> notes = handles.get(0).notes();
                assertEquals(1, notes.size(), t + ": no restart after a cancellation: " + notes);
                assertTrue((System.nanoTime() - t0) / 1e9 < 30, t + ": stopped promptly");
            } finally {
                jsc.clearJobGroup();
                blocks.unpersist(true);
            }
        }
    }

    /** Partition 1 stalls at step 3 ({@link #STALL_ONCE_MS}), only the first time (a marker file says it happened). */
    record StallOnce(String marker) implements HookedEngines.Hook {
        @Override
        public void beforeGradient(long seed) {
            if (atStep3(1, seed)) {
                stallOnce(marker);
            }
        }
    }

    @Test
    void theDriverServiceRejectsBadConnectionsAndTheRunKeepsItsBits() throws Exception {
        transport("socket");
        DistributedTrainer.Result clean = train(2, config(SyncMode.BARRIER, 0, 1), softmax());
        List<Socket> silent = new ArrayList<>();
        List<BarrierLoop.ServiceHandle> handles = new ArrayList<>();
        BarrierLoop.serviceHook = h -> {
            handles.add(h);
            try {
                // 1. A wrong secret: the service hangs up, so the client gets no proof and refuses too.
                byte[] wrong = h.credentials().secret().clone();
                wrong[0] ^= 1;
                assertThrows(IOException.class, () -> PeerLink.connect(h.host(), h.port(),
                        new PeerLink.Credentials(h.credentials().run(), wrong), 0, 0, -1, 5_000, 5_000));
                // 2. A truncated frame: half a header, then the connection closes.
                try (Socket s = new Socket(h.host(), h.port())) {
                    readHello(s.getInputStream());
                    s.getOutputStream().write(new byte[17]);
                    s.getOutputStream().flush();
                }
                // 3. A connection that never speaks (closed after the run).
                Socket quiet = new Socket(h.host(), h.port());
                silent.add(quiet);
                // 4. An old (version 1) AUTH: 32 bytes of answer where version 2 has 64.
                Socket s = new Socket(h.host(), h.port());
                silent.add(s);
                byte[] nonce = readHello(s.getInputStream());
                writeAuth(s.getOutputStream(), h.credentials().run(), 0, 0,
                        mac(h.credentials().secret(), nonce, h.credentials().run(), 0, 0));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        List<String> duplicates = new ArrayList<>();
        DistributedTrainer.Result r;
        JavaRDD<PackedBlock> blocks = BlockPacker.pack(DATA.frame(spark, 2), "features", "label", F, C);
        try {
            int[] sizes = BlockPacker.checkedSizes(blocks, "training");
            SoftmaxEngine.Factory f = softmax();
            r = new DistributedTrainer(jsc, config(SyncMode.BARRIER, 0, 1).withStepTimeout(4), f,
                    new OptimizerUpdateRule.Factory("adam"),
                    (e, s, n, t) -> 0.05 * (1 - (double) (e * n + s) / (t * n)))
                    .listener(new TrainingListener() {
                        @Override
                        public void onStep(int epoch, int epochs, int step, int steps, double loss, long n, double ips) {
                            // 5. A duplicate partition and 6. a stale attempt, while the real ones are connected
                            //    (each epoch is a stage with its own attempt number: 0, then 1).
                            if (epoch == 0 && step == 1) {
                                duplicates.add(connectAs(handles.get(0), 0, 1));
                            } else if (epoch == 1 && step == 1) {
                                duplicates.add(connectAs(handles.get(0), 0, 0));
                            } else {
                                return;
                            }
                            // Hold the loop until the connection is authenticated and queued, so the next step's
                            // check (in this epoch, this attempt) is the one that rejects it.
                            long until = System.nanoTime() + 10_000_000_000L;
                            while (handles.get(0).server().queued() == 0 && System.nanoTime() < until) {
                                Thread.onSpinWait();
                            }
                        }
                    }).fit(blocks, sizes, null, f.create().parameters());
            // The silent connection is dropped when its handshake times out (4 s) or when the service closes.
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!String.join("\n", handles.get(0).notes()).contains("no complete handshake within")
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        } finally {
            blocks.unpersist(true);
            for (Socket s : silent) {
                s.close();
            }
            OPEN.forEach(PeerLink::close);
        }
        assertArrayEquals(clean.params(), r.params(), 0f, "bits after the bad connections");
        List<String> why = handles.get(0).notes();
        String all = String.join("\n", why);
        assertTrue(all.contains("wrong secret"), all);
        assertTrue(all.contains("closed during the handshake after 17 bytes"), all);
        assertTrue(all.contains("no complete handshake within"), all);
        assertTrue(all.contains("expected AUTH with a 64-byte answer"), all);
        assertTrue(all.contains("duplicate partition 1"), all);
        assertTrue(all.contains("stale attempt 0"), all);
    }

    /** Links {@link #connectAs} leaves open. */
    private static final List<PeerLink> OPEN = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Authenticates as (attempt, partition) and leaves the connection open; returns a label. */
    private static String connectAs(BarrierLoop.ServiceHandle h, int attempt, int partition) {
        try {
            OPEN.add(PeerLink.connect(h.host(), h.port(), h.credentials(), attempt, partition, -1, 5_000, 5_000));
            return "attempt " + attempt + " partition " + partition;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] readHello(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] header = new byte[Frame.HEADER_BYTES];
        d.readFully(header);
        assertEquals(Frame.HELLO, ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getShort(6));
        byte[] nonce = new byte[32];
        d.readFully(nonce);
        return nonce;
    }

    private static void writeAuth(OutputStream out, long run, int attempt, int partition, byte[] mac)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_BYTES + 32).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Frame.MAGIC).putShort(Frame.VERSION).putShort((short) Frame.AUTH).putLong(run).putInt(attempt)
                .putInt(0).putInt(0).putInt(partition).putLong(32).put(mac);
        out.write(b.array());
        out.flush();
    }

    /** HMAC-SHA256(secret, nonce || run || attempt || partition), recomputed independently of PeerLink. */
    private static byte[] mac(byte[] secret, byte[] nonce, long run, int attempt, int partition) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            m.update(nonce);
            m.update(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(run).putInt(attempt)
                    .putInt(partition).array());
            return m.doFinal();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Marker files under target/ for once-only faults. */
    static final class SparkTestSupportPaths {
        static String marker(String name) {
            try {
                return SparkTestSupport.tempDir(name).resolve("happened").toString();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static {
        // PeerLink is the class under test for the wire format; keep the test's own framing in step with it.
        assertEquals(40, Frame.HEADER_BYTES);
        assertNotNull(PeerLink.Credentials.random());
    }

    /**
     * Strangers at every listening port during training (the driver's service and every task that has children):
     * connect-and-close, garbage bytes, a slow drip and 100 connections held open at once, over and over. The run
     * must give the bits of an undisturbed run, without a restart, in about its normal time: a stranger costs a
     * listener a buffer and a log line, never a thread or a wait.
     */
    @Test
    void strangersAtEveryPortDuringTrainingCostNothing() throws Exception {
        transport("socket");
        jsc.setLocalProperty("spark.snn.barrier.maxRestarts", "0");
        // Fan-in 1 over 4 partitions: 0 <- {1, 2}, 2 <- {3}, so partitions 0 and 2 listen as well as the driver.
        DistributedTrainer.Config cfg = config(SyncMode.BARRIER, 1, 1);
        long c0 = System.nanoTime();
        DistributedTrainer.Result clean = train(4, cfg, softmax());
        double cleanSeconds = (System.nanoTime() - c0) / 1e9;
        Strangers strangers = new Strangers();
        List<BarrierLoop.ServiceHandle> handles = new ArrayList<>();
        BarrierLoop.serviceHook = h -> {
            handles.add(h);
            strangers.attack(h.host(), h.port());
        };
        BarrierEpochTask.listenHook = a -> strangers.attack(a.substring(0, a.lastIndexOf(':')),
                Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
        DistributedTrainer.Result r;
        double seconds;
        try {
            long t0 = System.nanoTime();
            r = train(4, cfg, softmax());
            seconds = (System.nanoTime() - t0) / 1e9;
        } finally {
            BarrierEpochTask.listenHook = null;
            strangers.close();
        }
        assertArrayEquals(clean.params(), r.params(), 0f, "the bits of the undisturbed run");
        // Every port was attacked: the driver's and, in each of the 2 epochs, partitions 0's and 2's.
        assertTrue(strangers.ports.size() >= 5, "ports attacked: " + strangers.ports);
        assertTrue(strangers.connections.get() >= 100 * strangers.ports.size(),
                "connections made: " + strangers.connections.get());
        assertTrue(handles.get(0).server().rejectedCount() >= 100,
                "the driver refused " + handles.get(0).server().rejectedCount() + " strangers");
        assertTrue(seconds < cleanSeconds * 3 + 10, "disturbed run took " + seconds + " s, undisturbed " + cleanSeconds);
    }

    /** Background connections against listening ports, until closed. */
    private static final class Strangers implements AutoCloseable {
        final java.util.Set<String> ports = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.concurrent.atomic.AtomicLong connections = new java.util.concurrent.atomic.AtomicLong();
        private final List<Thread> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        private final List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        private volatile boolean stop;

        /** Starts the attacks on one port (returns at once: it is called from the listener's owner). */
        void attack(String host, int port) {
            ports.add(host + ":" + port);
            start(() -> { // 100 connections at once, held open until the end
                for (int i = 0; i < 100 && !stop; i++) {
                    Socket s = open(host, port);
                    if (s != null) {
                        held.add(s);
                    }
                }
            });
            start(() -> { // a slow drip: one byte every 300 ms on a fresh connection
                while (!stop) {
                    try (Socket s = open(host, port)) {
                        if (s == null) {
                            return;
                        }
                        for (int i = 0; i < 20 && !stop; i++) {
                            s.getOutputStream().write(i);
                            s.getOutputStream().flush();
                            Thread.sleep(300);
                        }
                    } catch (IOException | InterruptedException e) {
                        // the listener hung up: the point
                    }
                }
            });
            start(() -> { // connect-and-close and garbage, alternately
                java.util.Random rnd = new java.util.Random(port);
                for (int i = 0; !stop; i++) {
                    try (Socket s = open(host, port)) {
                        if (s == null) {
                            return;
                        }
                        if (i % 2 == 1) {
                            byte[] junk = new byte[1 + rnd.nextInt(300)];
                            rnd.nextBytes(junk);
                            junk[0] = (byte) (junk[0] == 0x54 ? 0x55 : junk[0]); // never the magic's first byte
                            s.getOutputStream().write(junk);
                        }
                        Thread.sleep(5);
                    } catch (IOException | InterruptedException e) {
                        // dropped
                    }
                }
            });
        }

        private Socket open(String host, int port) {
            try {
                Socket s = new Socket(host, port);
                connections.incrementAndGet();
                return s;
            } catch (IOException e) {
                return null; // the listener has closed (its epoch ended)
            }
        }

        private void start(Runnable r) {
            Thread t = new Thread(r, "stranger");
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            for (Thread t : new ArrayList<>(threads)) {
                t.join(5_000);
            }
            for (Socket s : new ArrayList<>(held)) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }
}
