package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.net.PartialReceiver;
import io.github.sparksnn.ml.train.net.PeerLink;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import io.github.sparksnn.train.optim.OptimizerState;
import java.io.IOException;
import java.util.Arrays;

/**
 * The driver's side of one round over streamed partial sums, piece by piece: as soon as piece k of every child's
 * sum has arrived, the driver adds the pieces in {@link OrderedSum}'s order, applies the update rule to that piece
 * of the parameters, and sends piece k of the next state down at once, while piece k - 1 is still on its way up.
 * Pieces go the last first ({@link PartialReceiver#lastPiece}): the tasks' backward passes complete the last layers'
 * gradients first and send them while they go on, so the last layers' update and state can already be on their way
 * down while the first layers' gradients are still being computed.
 * The up and down transfers then overlap (links are full duplex), and the optimizer's pass hides behind the
 * transfer instead of following it: a round costs one vector's time on the driver's link, not two plus the update.
 *
 * <p>Why the bits are those of the whole-vector round ({@code DistributedTrainer.applyRound} after
 * {@code OrderedSum.result()}): the sum, the scaling by {@code 1 / count} and every update rule are element-wise
 * (SGD, Adam and AdamW touch element i of the parameters, moments and gradient only), so computing them a piece at a
 * time changes no value. The step's scalars (step count, bias corrections, learning rate) are fixed once per round
 * by {@code UpdateRule.begin}, before the first piece. The piece's sum is built by the same {@link OrderedSum} over
 * the children's nodes (a copy of the piece each), so its additions are the whole sum's additions. A test compares
 * every bit with the whole-vector round for trees up to 64 tasks.
 *
 * <p>A round that fails part-way (a child's connection drops, a piece fails its integrity check at the frame's end)
 * has already changed some pieces of the parameters and the optimizer's moments: they are restored from a copy taken
 * before the first piece, so the attempt restarts from the last completed step as if the round had never begun.
 * The copy costs one pass over the parameters and the optimizer's buffers per round, a few percent of the update.
 */
final class StreamedRound {
    private final DistributedTrainer.State st;
    private final int dim;
    private final int numLeaves;
    private float[] savedParams;
    private float[] savedBuffers;
    private final float[] total;
    private final float[] next;

    StreamedRound(DistributedTrainer.State st, int dim, int numLeaves) {
        this.st = st;
        this.dim = dim;
        this.numLeaves = numLeaves;
        this.total = new float[dim];
        this.next = new float[dim];
    }

    /**
     * What a round gives the loop: the statistics of the whole sum (no vector), the slowest path below, and the
     * driver's own work in it, apart from its waits for pieces and its writes: adding the children's pieces
     * ({@code addNanos}) and the update rule with the copy of the next state ({@code updateNanos}).
     */
    record Result(OrderedSum.Node stats, long pathNanos, long addNanos, long updateNanos) {
    }

    /**
     * Runs the round of (epoch, step) whose partial sums stream in through {@code receiver} (already started with
     * {@code startStreaming}) from {@code links}, one per driver child, and, when {@code nextStep >= 0}, streams the
     * state of round {@code nextStep} down the same links. {@code localSteps}: the vectors are weighted parameter
     * deltas ({@code syncInterval > 1}), added to the parameters, not gradients.
     */
    Result run(PartialReceiver receiver, PeerLink[] links, boolean localSteps, double lr, int epoch, int nextStep)
            throws IOException {
        int kids = links.length;
        long addNanos = 0;
        long updateNanos = 0;
        PeerLink.PartialHead[] heads = new PeerLink.PartialHead[kids];
        // The heads fix the tree nodes and the sample count; the rest of the statistics comes in the trailers.
        OrderedSum place = new OrderedSum(numLeaves);
        boolean anyVector = false;
        for (int i = 0; i < kids; i++) {
            heads[i] = receiver.head(i);
            place.addPending(heads[i].level(), heads[i].index(), new OrderedSum.Node(null, 0, 0, heads[i].count(), 0));
            anyVector |= heads[i].present();
        }
        if (!place.isComplete()) {
            throw new IllegalStateException("the driver's children sent " + place.pending().size() + " tree nodes that "
                    + "do not make one sum over " + numLeaves + " partitions: the aggregation tree and the summation "
                    + "order disagree");
        }
        long count = place.result().count;
        boolean apply = count > 0 && anyVector; // as applyRound: no rows, no step of the optimizer
        OptimizerState savedRule = null;
        if (apply) {
            savedParams = copy(st.params, savedParams);
            savedBuffers = copy(st.buffers, savedBuffers);
            savedRule = st.rule.state();
        }
        try {
            io.github.sparksnn.train.optim.Optimizer.Update update = apply && !localSteps ? st.rule.begin(st.numParams, lr) : null;
            float inv = apply ? 1f / count : 0f;
            IOException[] writeFailed = new IOException[kids];
            if (nextStep >= 0) {
                for (int i = 0; i < kids; i++) {
                    PeerLink l = links[i];
                    write(writeFailed, i, () -> l.beginState(epoch, nextStep, dim));
                }
            }
            for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
                int n = PartialReceiver.pieceLength(off, dim);
                awaitPieces(receiver, heads, off);
                long t0 = System.nanoTime();
                float[] piece = apply ? pieceSum(receiver, heads, off, n) : null;
                long t1 = System.nanoTime();
                if (piece != null) {
                    System.arraycopy(piece, 0, total, off, n);
                    applyPiece(update, localSteps, inv, off, off + n);
                }
                if (nextStep >= 0) {
                    statePiece(off, off + n);
                }
                addNanos += t1 - t0;
                updateNanos += System.nanoTime() - t1;
                if (nextStep >= 0) {
                    for (int i = 0; i < kids; i++) {
                        PeerLink l = links[i];
                        int o = off;
                        write(writeFailed, i, () -> l.writeVectorPiece(next, o, n, false));
                    }
                }
            }
            // Every child's frame checked (its tag comes with the trailer) before the state's frame is complete.
            OrderedSum meta = new OrderedSum(numLeaves);
            long path = 0;
            for (int i = 0; i < kids; i++) {
                PeerLink.PartialTrailer t = receiver.trailer(i);
                meta.addPending(heads[i].level(), heads[i].index(), t.stats());
                path = Math.max(path, t.pathNanos());
            }
            if (nextStep >= 0) {
                for (int i = 0; i < kids; i++) {
                    PeerLink l = links[i];
                    write(writeFailed, i, l::endState);
                }
            }
            for (IOException w : writeFailed) {
                if (w != null) {
                    throw w;
                }
            }
            return new Result(meta.result(), path, addNanos, updateNanos);
        } catch (IOException | RuntimeException | Error e) {
            if (apply) {
                System.arraycopy(savedParams, 0, st.params, 0, st.params.length);
                System.arraycopy(savedBuffers, 0, st.buffers, 0, st.buffers.length);
                st.rule.restore(savedRule);
            }
            throw e;
        }
    }

    /** A write of the next state to one child. */
    @FunctionalInterface
    private interface Write {
        void run() throws IOException;
    }

    /**
     * Runs a write to child {@code i} unless one to it has failed already; a failure is kept, not thrown. A child that
     * gave up part-way (its engine threw after its last layers' pieces had left) ends its sum with an aborted trailer
     * and its ERROR frame, then closes its link, and the state's last pieces may still be on their way to it: the
     * broken pipe is only the echo. The round reads every child's trailer first, so the child's own reason ends it
     * ({@code PeerFailure}); the write's failure is thrown only when no child gave one.
     */
    private static void write(IOException[] failed, int i, Write w) {
        if (failed[i] != null) {
            return;
        }
        try {
            w.run();
        } catch (IOException e) {
            failed[i] = e;
        }
    }

    /**
     * Piece {@code [off, off + n)} of the whole sum, in the fixed order, once it has arrived from every child; null
     * when no child sent a vector.
     */
    private float[] pieceSum(PartialReceiver receiver, PeerLink.PartialHead[] heads, int off, int n)
            throws IOException {
        OrderedSum sum = new OrderedSum(numLeaves);
        for (int i = 0; i < heads.length; i++) {
            float[] v = null;
            if (heads[i].present()) {
                v = Arrays.copyOfRange(receiver.vector(i), off, off + n);
            }
            sum.addPending(heads[i].level(), heads[i].index(), new OrderedSum.Node(v, 0, 0, 0, 0));
        }
        return sum.result().vector;
    }

    private static void awaitPieces(PartialReceiver receiver, PeerLink.PartialHead[] heads, int off)
            throws IOException {
        for (int i = 0; i < heads.length; i++) {
            if (heads[i].present()) {
                receiver.awaitFrom(i, off);
            }
        }
    }

    /**
     * {@code applyRound}'s element-wise body over {@code total[from, to)}: the update rule (or the mean delta) on the
     * parameters' part, the sample-weighted mean on the buffers' part.
     */
    private void applyPiece(io.github.sparksnn.train.optim.Optimizer.Update update, boolean localSteps, float inv, int from, int to) {
        int p = st.numParams;
        int pTo = Math.min(to, p);
        if (from < pTo) {
            if (localSteps) {
                for (int i = from; i < pTo; i++) {
                    st.params[i] += total[i] * inv;
                }
            } else {
                update.apply(st.params, total, inv, from, pTo);
            }
        }
        for (int i = Math.max(from, p); i < to; i++) {
            st.buffers[i - p] = total[i] * inv;
        }
    }

    /** Piece {@code [from, to)} of {@code params ++ buffers} into {@link #next}. */
    private void statePiece(int from, int to) {
        int p = st.numParams;
        int pTo = Math.min(to, p);
        if (from < pTo) {
            System.arraycopy(st.params, from, next, from, pTo - from);
        }
        for (int i = Math.max(from, p); i < to; i++) {
            next[i] = st.buffers[i - p];
        }
    }

    private static float[] copy(float[] from, float[] into) {
        if (into == null || into.length != from.length) {
            into = new float[from.length];
        }
        System.arraycopy(from, 0, into, 0, from.length);
        return into;
    }
}
