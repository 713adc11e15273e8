package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.engine.CoreEngineFactory;
import io.github.sparksnn.ml.train.engine.EngineCache;
import io.github.sparksnn.ml.train.net.PartialReceiver;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import io.github.sparksnn.train.EngineConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A task's own share as its sender sees it while the engine computes: each piece it is handed as final is the piece
 * of the whole leaf ({@code grad ++ n * buffers}, bit for bit), the pieces come the last first, and a failed
 * computation wakes the sender with the reason.
 */
class OverlappedShareTest {
    static final String SPEC = "linear(6, 200) | batchnorm1d(200) | lif(tau=2.0) | linear(200, 330) | lif(tau=2.0)"
            + " | linear(330, 3) | lif(tau=2.0)";

    private static PackedBlock block(int size) {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[size * 6];
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < 6; j++) {
                x[i * 6 + j] = (float) r.nextGaussian();
            }
            y[i] = r.nextInt(3);
        }
        return new PackedBlock(0, 6, size, x, y, 2, null);
    }

    @Test
    void theSenderGetsEachPieceOnlyOnceItIsTheWholeLeafsPiece() throws Exception {
        EngineConfig cfg = EngineConfig.builder().modelSpec(SPEC).inputShape(6).timeSteps(3).encoder("direct")
                .loss("mse").seed(5).maxChunk(8).build(); // 20 samples a step: three chunks
        CoreEngineFactory factory = new CoreEngineFactory(cfg);
        PackedBlock b = block(200);
        int steps = 10;
        try (EngineCache.Lease lease = EngineCache.acquire("overlapped-share-test", factory)) {
            int numParams = lease.engine.numParameters();
            int dim = numParams + lease.engine.buffers().length;
            assertTrue(numParams > PartialReceiver.PIECE, "at least two pieces");
            float[] state = io.github.sparksnn.ml.train.engine.EngineStates.of(lease.engine.parameters(),
                    lease.engine.buffers());
            for (int step = 0; step < 2; step++) {
                OrderedSum.Node whole = StepTask.leaf(lease, b, state, numParams, null, 7, 0, step, steps, 1,
                        new double[steps], new float[numParams]);
                OverlappedShare share = OverlappedShare.of(b, step, 1, steps, numParams, dim);
                assertEquals(20, share.count());
                assertTrue(share.present());
                // The sender's side: take each piece the moment it is handed over.
                CompletableFuture<List<float[]>> sender = CompletableFuture.supplyAsync(() -> {
                    List<float[]> pieces = new ArrayList<>();
                    try {
                        for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
                            float[] v = share.awaitFrom(off);
                            pieces.add(Arrays.copyOfRange(v, off, off + PartialReceiver.pieceLength(off, dim)));
                        }
                        share.awaitStats();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return pieces;
                });
                OrderedSum.Node leaf = StepTask.leaf(lease, b, state, numParams, null, 7, 0, step, steps, 1,
                        new double[steps], new float[numParams], null, share, null);
                share.done(leaf);
                List<float[]> pieces = sender.get(30, TimeUnit.SECONDS);
                assertArrayEquals(whole.vector, leaf.vector, "step " + step + ": the leaf's bits");
                assertEquals(whole.lossSum, leaf.lossSum, 0.0);
                int k = 0;
                for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
                    assertArrayEquals(Arrays.copyOfRange(whole.vector, off, off + PartialReceiver.pieceLength(off, dim)),
                            pieces.get(k++), "step " + step + ": piece at " + off + " was final when handed over");
                }
            }
        }
    }

    @Test
    void aFailedComputationWakesTheSenderAndAWrongCountIsRefused() throws Exception {
        PackedBlock b = block(50);
        OverlappedShare share = OverlappedShare.of(b, 0, 1, 5, 4, 4);
        assertEquals(10, share.count());
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            IOException e = assertThrows(IOException.class, () -> share.awaitFrom(0));
            assertTrue(e.getMessage().contains("engine broke"), e.getMessage());
        });
        share.fail(new IllegalStateException("engine broke"));
        waiting.get(30, TimeUnit.SECONDS);
        OverlappedShare other = OverlappedShare.of(b, 0, 1, 5, 4, 4);
        assertThrows(IllegalStateException.class, () -> other.done(new OrderedSum.Node(new float[4], 0, 0, 9, 0)));
        // Local steps: the vector comes whole at the end, all of it final at once.
        OverlappedShare local = OverlappedShare.of(b, 0, 3, 5, 4, 4);
        assertEquals(30, local.count());
        float[] v = {1, 2, 3, 4};
        local.done(new OrderedSum.Node(v, 0, 0, 30, 0));
        assertSame(v, local.awaitFrom(0));
    }
}
