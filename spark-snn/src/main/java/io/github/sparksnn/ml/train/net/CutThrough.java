package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;

import java.io.IOException;
import java.util.List;

/**
 * A task's partial sum, streamed up the aggregation tree: its own share plus its children's sums, added piece by
 * piece and sent to its parent as each piece completes, while the next pieces arrive. A level of the tree then costs
 * one piece's time instead of one vector's, and no task holds a whole received vector before it forwards.
 *
 * <p>Why a left fold gives {@link OrderedSum}'s bits: a task heads the aligned block {@code [p, p + 2^k)} and its
 * children, in index order, head {@code [p+1, p+2), [p+2, p+4), ..}
 * ({@link io.github.sparksnn.ml.train.net.AggregationTree}), so the fixed summation tree joins the task's leaf with
 * child 1's block, that with child 2's, and so on: each addition adds the next sibling block to everything before
 * it. Additions are element-wise, so doing them a piece at a time changes nothing. A missing vector (a share with no
 * rows) passes the other operand through unchanged, as {@code OrderedSum.Node.combine} does, so a {@code -0.0}
 * stays {@code -0.0}. {@code CutThroughTest} checks the bits against {@link OrderedSum} for every tree up to 64 tasks.
 */
public final class CutThrough {
    private CutThrough() {
    }

    /** Which vector carries the sum: -1 the task's own, {@code i} its first child with a vector, -2 none. */
    static int carrier(boolean ownPresent, boolean[] present) {
        if (ownPresent) {
            return -1;
        }
        for (int i = 0; i < present.length; i++) {
            if (present[i]) {
                return i;
            }
        }
        return -2;
    }

    /** Adds the children after {@code carrier} (in order, those with vectors) into {@code acc[off, off + n)}. */
    static void addPiece(float[] acc, int carrier, float[][] kids, boolean[] present, int off, int n) {
        for (int i = carrier + 1; i < kids.length; i++) {
            if (present[i]) {
                float[] k = kids[i];
                for (int j = off; j < off + n; j++) {
                    acc[j] += k[j];
                }
            }
        }
    }

    /**
     * Sends partition {@code p}'s partial sum of (epoch, step) up {@code up}: its leaf {@code own} (whose vector it
     * adds into) and the sums streaming in through {@code receiver} from its {@code numKids} children. Returns the
     * nanoseconds spent waiting for the children (their heads and pieces).
     */
    public static long send(PeerLink up, int p, OrderedSum.Node own, PartialReceiver receiver, int numKids, int numLeaves,
                     int epoch, int step, int dim, boolean bf16) throws IOException {
        long waited = 0;
        long w0 = System.nanoTime();
        PeerLink.PartialHead[] heads = new PeerLink.PartialHead[numKids];
        for (int i = 0; i < numKids; i++) {
            heads[i] = receiver.head(i);
        }
        waited += System.nanoTime() - w0;
        // The statistics and the tree node: the same OrderedSum as a whole-vector sum, over vector-less nodes.
        OrderedSum.Node ownStats = new OrderedSum.Node(null, own.lossSum, own.correct, own.count, own.computeNanos);
        ownStats.maxComputeNanos = own.maxComputeNanos;
        OrderedSum meta = new OrderedSum(numLeaves).add(p, ownStats);
        boolean[] present = new boolean[numKids];
        float[][] kids = new float[numKids][];
        long path = 0;
        for (int i = 0; i < numKids; i++) {
            meta.addPending(heads[i].level(), heads[i].index(), heads[i].stats());
            present[i] = heads[i].present();
            kids[i] = receiver.vector(i);
            path = Math.max(path, heads[i].pathNanos());
        }
        List<OrderedSum.Pending> top = meta.pending();
        if (top.size() != 1) {
            throw new IllegalStateException("partition " + p + "'s partial sum is " + top.size() + " tree nodes, not "
                    + "one: the aggregation tree and the summation order disagree");
        }
        int carrier = carrier(own.vector != null, present);
        float[] acc = carrier == -1 ? own.vector : carrier >= 0 ? kids[carrier] : null;
        if (acc != null && acc.length != dim) {
            throw new IllegalStateException("partial vector of " + acc.length + " values, expected " + dim);
        }
        OrderedSum.Pending node = top.get(0);
        up.beginPartial(epoch, step, node.level(), node.index(), node.node(), acc != null, dim, path, bf16);
        if (acc != null) {
            for (int off = 0; off < dim; off += PartialReceiver.PIECE) {
                int n = Math.min(PartialReceiver.PIECE, dim - off);
                long w1 = System.nanoTime();
                for (int i = Math.max(carrier, 0); i < numKids; i++) {
                    if (present[i]) {
                        receiver.awaitValues(i, off + n);
                    }
                }
                waited += System.nanoTime() - w1;
                addPiece(acc, carrier, kids, present, off, n);
                up.writeVectorPiece(acc, off, n, bf16);
            }
        }
        up.endPartial();
        return waited;
    }
}
