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
     * A task's own share of a round as its sender sees it: what the batch plan fixes before the computation (the
     * sample count, whether a vector follows), then the vector range by range as the backward pass makes it final
     * (the last range first, {@link io.github.sparksnn.train.GradientEngine.FinalRanges}), then the statistics.
     */
    public interface Own {
        /** Samples of the share (the batch plan's, known before the computation). */
        long count();

        /** Whether the share has a vector (a share with no rows has none). */
        boolean present();

        /** Waits until the vector ({@code dim} values) is final from {@code off} on, and returns it. */
        float[] awaitFrom(int off) throws IOException;

        /** Waits for the computation's statistics (the vector, if any, not included). */
        OrderedSum.Node awaitStats() throws IOException;

        /** A share already computed: {@code leaf}'s vector and statistics. */
        static Own of(OrderedSum.Node leaf) {
            return new Own() {
                public long count() {
                    return leaf.count;
                }

                public boolean present() {
                    return leaf.vector != null;
                }

                public float[] awaitFrom(int off) {
                    return leaf.vector;
                }

                public OrderedSum.Node awaitStats() {
                    return leaf;
                }
            };
        }
    }

    /**
     * Sends partition {@code p}'s partial sum of (epoch, step) up {@code up}: its own share {@code own} (whose vector it
     * adds into) and the sums streaming in through {@code receiver} from its {@code numKids} children, the last piece
     * first. The head goes up as soon as the children's heads are in; piece k once the own vector is final there and
     * every child's piece k has arrived, so it leaves while the backward pass still runs for earlier layers (on the
     * caller's other thread); the statistics (the trailer) once the computation and every child's frame are done.
     * Returns the nanoseconds spent waiting for the children (their heads, pieces and trailers), not for {@code own}.
     */
    public static long send(PeerLink up, int p, Own own, PartialReceiver receiver, int numKids, int numLeaves,
                            int epoch, int step, int dim, boolean bf16) throws IOException {
        long waited = 0;
        long w0 = System.nanoTime();
        PeerLink.PartialHead[] heads = new PeerLink.PartialHead[numKids];
        for (int i = 0; i < numKids; i++) {
            heads[i] = receiver.head(i);
        }
        waited += System.nanoTime() - w0;
        // The tree node and the sample count: the same OrderedSum as a whole-vector sum, over count-only nodes.
        OrderedSum place = new OrderedSum(numLeaves).add(p, new OrderedSum.Node(null, 0, 0, own.count(), 0));
        boolean[] present = new boolean[numKids];
        float[][] kids = new float[numKids][];
        for (int i = 0; i < numKids; i++) {
            place.addPending(heads[i].level(), heads[i].index(), new OrderedSum.Node(null, 0, 0, heads[i].count(), 0));
            present[i] = heads[i].present();
            kids[i] = receiver.vector(i);
        }
        List<OrderedSum.Pending> top = place.pending();
        if (top.size() != 1) {
            throw new IllegalStateException("partition " + p + "'s partial sum is " + top.size() + " tree nodes, not "
                    + "one: the aggregation tree and the summation order disagree");
        }
        int carrier = carrier(own.present(), present);
        OrderedSum.Pending node = top.get(0);
        if (carrier != -2) {
            // The frame opens only once its first piece can follow at once: a frame opened earlier would be left
            // open by a failure in the subtree (an engine that throws before its backward pass, a child that sends
            // ERROR instead of its sum), and the ERROR frame that carries the root cause up could not follow it.
            int first = PartialReceiver.lastPiece(dim);
            if (own.present()) {
                own.awaitFrom(first);
            }
            long w2 = System.nanoTime();
            for (int i = 0; i < numKids; i++) {
                if (present[i]) {
                    receiver.awaitFrom(i, first);
                }
            }
            waited += System.nanoTime() - w2;
        }
        up.beginPartial(epoch, step, node.level(), node.index(), node.node().count, carrier != -2, dim, bf16);
        if (carrier != -2) {
            for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
                int n = PartialReceiver.pieceLength(off, dim);
                float[] acc = carrier == -1 ? own.awaitFrom(off) : kids[carrier];
                if (acc.length != dim) {
                    throw new IllegalStateException("partial vector of " + acc.length + " values, expected " + dim);
                }
                long w1 = System.nanoTime();
                for (int i = Math.max(carrier, 0); i < numKids; i++) {
                    if (present[i]) {
                        receiver.awaitFrom(i, off);
                    }
                }
                waited += System.nanoTime() - w1;
                addPiece(acc, carrier, kids, present, off, n);
                up.writeVectorPiece(acc, off, n, bf16);
            }
        }
        // The statistics: the same OrderedSum again, over the computation's and the children's trailers.
        OrderedSum.Node mine = own.awaitStats();
        OrderedSum.Node ownStats = new OrderedSum.Node(null, mine.lossSum, mine.correct, mine.count, mine.computeNanos);
        ownStats.maxComputeNanos = mine.maxComputeNanos;
        OrderedSum meta = new OrderedSum(numLeaves).add(p, ownStats);
        long path = 0;
        long w2 = System.nanoTime();
        for (int i = 0; i < numKids; i++) {
            PeerLink.PartialTrailer t = receiver.trailer(i);
            meta.addPending(heads[i].level(), heads[i].index(), t.stats());
            path = Math.max(path, t.pathNanos());
        }
        waited += System.nanoTime() - w2;
        up.endPartial(meta.pending().get(0).node(), path);
        return waited;
    }
}
