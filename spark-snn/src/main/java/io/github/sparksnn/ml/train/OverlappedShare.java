package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.net.CutThrough;
import io.github.sparksnn.ml.train.plan.BatchPlan;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import io.github.sparksnn.train.GradientEngine;

import java.io.IOException;

/**
 * A barrier task's own share of one round, handed from the thread that computes it to the thread that sends the
 * partial sum up ({@link CutThrough#send}) while the backward pass still runs: the engine reports each range of the
 * gradient as it becomes final (the last layer first, {@link GradientEngine.FinalRanges}), and the sender forwards
 * the pieces it covers at once, as DDP's gradient buckets do. The vector that goes up is {@code grad ++ n * buffers}
 * ({@link io.github.sparksnn.ml.train.engine.EngineStates#withWeightedBuffers}), built here range by range with the
 * same operations, so its bits are the whole leaf's.
 *
 * <p>What the sender needs before the computation (the sample count and whether a vector follows) comes from the
 * batch plan; {@link #done} checks the computation agrees. A round that runs several local steps
 * ({@code syncInterval > 1}) has its vector only at the end: {@link #done} then makes all of it final at once.
 */
final class OverlappedShare implements CutThrough.Own, GradientEngine.FinalRanges {
    private final long count;
    private final int numParams;
    private final int dim;
    private GradientEngine engine;
    private float[] grad;
    private float[] vector;
    /** {@code vector[finalFrom, dim)} is final. */
    private int finalFrom;
    private OrderedSum.Node stats;
    private Throwable failure;

    private OverlappedShare(long count, int numParams, int dim) {
        this.count = count;
        this.numParams = numParams;
        this.dim = dim;
        this.finalFrom = dim;
    }

    /** Partition {@code b}'s share of the round of {@code localSteps} steps from {@code step}, before it is computed. */
    static OverlappedShare of(PackedBlock b, int step, int localSteps, int stepsPerEpoch, int numParams, int dim) {
        long n = 0;
        for (int s = step; s < step + localSteps; s++) {
            n += BatchPlan.shareEnd(b.size, s, stepsPerEpoch) - BatchPlan.shareStart(b.size, s, stepsPerEpoch);
        }
        return new OverlappedShare(n, numParams, dim);
    }

    /**
     * A gradient round is about to add into {@code gradSum} on {@code engine}: the vector that goes up is
     * {@code gradSum} itself, or, with buffers, a copy of it followed by the weighted buffers. {@code reuse} (may be
     * null) is a {@code dim}-float array of an earlier round whose sum has left.
     */
    synchronized void streamFrom(GradientEngine engine, float[] gradSum, float[] reuse) {
        this.engine = engine;
        this.grad = gradSum;
        this.vector = dim == numParams ? gradSum : reuse != null && reuse.length == dim ? reuse : new float[dim];
    }

    /** The vector that went up (after {@link #done}); null when the share had none. */
    synchronized float[] vector() {
        return vector;
    }

    @Override
    public synchronized void completed(int from, int to) {
        if (finalFrom == dim && dim > numParams) {
            // Batch-norm running statistics: final once the forward pass is done, and the last part of the vector.
            float[] b = engine.buffers();
            for (int j = 0; j < b.length; j++) {
                vector[numParams + j] = b[j] * count;
            }
        }
        if (vector != grad) {
            System.arraycopy(grad, from, vector, from, to - from);
        }
        finalFrom = from;
        notifyAll();
    }

    /** The computation is done: {@code leaf} is its result (whose vector is the one streamed, for a gradient round). */
    synchronized void done(OrderedSum.Node leaf) {
        if (leaf.count != count || (leaf.vector != null) != (count > 0)) {
            throw new IllegalStateException("the share's computation covered " + leaf.count + " samples"
                    + (leaf.vector == null ? " without a vector" : "") + ", its batch plan " + count);
        }
        if (grad == null) { // computed whole: all of it final now
            vector = leaf.vector;
        } else if (finalFrom != 0) {
            throw new IllegalStateException("the engine reported the gradient final only from " + finalFrom);
        }
        stats = leaf;
        finalFrom = 0;
        notifyAll();
    }

    /** The computation failed: the sender stops waiting. */
    synchronized void fail(Throwable e) {
        failure = e;
        notifyAll();
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public boolean present() {
        return count > 0;
    }

    @Override
    public synchronized float[] awaitFrom(int off) throws IOException {
        while (finalFrom > off && failure == null) {
            await();
        }
        if (failure != null) {
            throw new IOException("the partition's own share failed: " + failure.getMessage(), failure);
        }
        return vector;
    }

    @Override
    public synchronized OrderedSum.Node awaitStats() throws IOException {
        while (stats == null && failure == null) {
            await();
        }
        if (failure != null) {
            throw new IOException("the partition's own share failed: " + failure.getMessage(), failure);
        }
        return stats;
    }

    private void await() throws IOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the partition's own share", e);
        }
    }
}
