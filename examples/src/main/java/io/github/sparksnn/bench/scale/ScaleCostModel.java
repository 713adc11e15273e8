package io.github.sparksnn.bench.scale;

import io.github.sparksnn.ml.train.net.AggregationTree;

import java.util.HashSet;
import java.util.Set;

/**
 * A cost model of one barrier-mode training step on P tasks, one per host, every host's link {@code G} Gbit/s each
 * way (full duplex, switched, no other traffic):
 *
 * <pre>
 *   step  = down + compute + up + overhead
 *   V     = bytes of one vector on a link = 4 M x {@value #WIRE_PER_PAYLOAD} (M parameters; the veths carry
 *           GSO segments of up to 64 KB with one set of headers each, so headers add well under 1%: the
 *           bridge ports counted 1.00-1.01 vectors per vector sent, and HTB shapes the same lengths)
 *   down  = V x (most state copies one node sends) / G + (depth - 1) x piece / G
 *   up    = V x (most partial sums one node receives) / G + (depth - 1) x piece / G
 * </pre>
 *
 * Every link carries exactly one vector each way ({@code AggregationTree}'s binomial blocks are {@code OrderedSum}'s
 * nodes), and both directions move cut-through in pieces of {@value #PIECE_BYTES} bytes: the state is relayed piece
 * by piece, and a task adds piece k of its children's sums and sends it while piece k + 1 arrives. So the levels
 * overlap: the busiest node's one incoming (or outgoing) link sets the time, all of that node's children sharing it,
 * and each further level adds one piece's latency. The driver sends a state to each of its children (at most the
 * fan-in F; P in a star) and receives one sum from each; a task heading 2^k partitions sends k states and receives k
 * sums. <b>compute</b> is the slowest task's engine time; <b>overhead</b> is a measured per-step fixed cost
 * (framing, adding, the driver's optimizer over all M values, scheduling of threads), taken from the one-task row,
 * where the model has no other unknown.
 *
 * <p>What it leaves out, to be refined from measurements: latency (this kernel cannot add any), the adds' own time,
 * the driver's wait for whole sums before its optimizer (it is not cut-through), and the links' unequal sharing
 * under TCP.
 */
public final class ScaleCostModel {
    /** Link bytes per payload byte on these veths (GSO: one header set per segment of up to 64 KB; measured). */
    public static final double WIRE_PER_PAYLOAD = 1.0;

    private final int numParameters;
    private final double gbit;

    public ScaleCostModel(int numParameters, double gbit) {
        if (numParameters < 1 || !(gbit > 0)) {
            throw new IllegalArgumentException("numParameters and gbit must be positive");
        }
        this.numParameters = numParameters;
        this.gbit = gbit;
    }

    /** Wire bytes of one vector. */
    public double vectorWireBytes() {
        return 4.0 * numParameters * WIRE_PER_PAYLOAD;
    }

    /** Milliseconds to move {@code vectors} vectors through one link one way. */
    public double linkMs(double vectors) {
        return vectors * vectorWireBytes() * 8 / (gbit * 1e9) * 1e3;
    }

    /** Bytes of one piece of a streamed vector (the state's relay and the cut-through partial sums). */
    public static final int PIECE_BYTES = 1 << 18;

    /** Most partial sums one node receives per step: the driver's children, or a task's (one vector each). */
    public static int maxSumFanIn(AggregationTree tree) {
        int most = 0;
        for (int c : tree.driverChildren()) {
            most += vectorsSent(tree, c);
        }
        for (int t = 0; t < tree.numTasks(); t++) {
            int in = 0;
            for (int c : tree.children(t)) {
                in += vectorsSent(tree, c);
            }
            most = Math.max(most, in);
        }
        return most;
    }

    /** Most state copies one node sends per step: the driver's children, or a task's. */
    public static int maxStateFanOut(AggregationTree tree) {
        int most = tree.driverChildren().size();
        for (int t = 0; t < tree.numTasks(); t++) {
            most = Math.max(most, tree.children(t).size());
        }
        return most;
    }

    /**
     * The vectors on the busiest link, each way, per step: for every task, out = its partial sum's vectors plus a
     * state copy per child, in = its children's vectors plus one state; the driver's link out = a state per child,
     * in = its children's vectors. Returns the largest of all these.
     */
    public static int busiestLinkVectors(AggregationTree tree) {
        int driverIn = 0;
        for (int c : tree.driverChildren()) {
            driverIn += vectorsSent(tree, c);
        }
        int most = Math.max(driverIn, tree.driverChildren().size());
        for (int t = 0; t < tree.numTasks(); t++) {
            int in = 1;
            for (int c : tree.children(t)) {
                in += vectorsSent(tree, c);
            }
            int out = vectorsSent(tree, t) + tree.children(t).size();
            most = Math.max(most, Math.max(in, out));
        }
        return most;
    }

    /** Vectors task {@code t} sends up: OrderedSum's pending blocks over its subtree range (one, with aligned blocks). */
    public static int vectorsSent(AggregationTree tree, int t) {
        return pendingBlocks(tree.numTasks(), t, tree.subtreeEnd(t));
    }

    /**
     * The number of nodes of OrderedSum's binary tree over {@code leaves} partitions that a partial sum over the
     * partitions {@code [from, to)} leaves pending: node (k, j) covers {@code [j 2^k, (j+1) 2^k)}, complete when both
     * children are (a child wholly beyond the last partition counts as complete and empty).
     */
    public static int pendingBlocks(int leaves, int from, int to) {
        int top = 0;
        while ((1L << top) < leaves) {
            top++;
        }
        Set<Long> pending = new HashSet<>();
        for (int p = from; p < to; p++) {
            int level = 0;
            long index = p;
            while (level < top) {
                long sibling = index ^ 1L;
                if ((sibling << level) >= leaves) {
                    level++;
                    index >>= 1;
                    continue;
                }
                if (!pending.remove(((long) level << 40) | sibling)) {
                    break;
                }
                level++;
                index >>= 1;
            }
            pending.add(((long) level << 40) | index);
        }
        return pending.size();
    }

    /** The terms of one prediction, in ms. */
    public record Prediction(double downMs, double computeMs, double upMs, double overheadMs) {
        public double stepMs() {
            return downMs + computeMs + upMs + overheadMs;
        }
    }

    /** The prediction for {@code tasks} tasks at fan-in {@code fanIn} with the given compute and overhead. */
    public Prediction predict(int tasks, int fanIn, double computeMs, double overheadMs) {
        AggregationTree tree = new AggregationTree(tasks, fanIn);
        double pieces = (tree.depth() - 1) * Math.min(1.0, PIECE_BYTES / vectorWireBytes());
        return new Prediction(linkMs(maxStateFanOut(tree) + pieces), computeMs, linkMs(maxSumFanIn(tree) + pieces),
                overheadMs);
    }

    /**
     * The per-step overhead that makes the model exact on a measured row (in practice the one-task row): its
     * step minus the model's transfers and its compute.
     */
    public double overheadFrom(int tasks, int fanIn, double stepMs, double computeMs) {
        return stepMs - predict(tasks, fanIn, computeMs, 0).stepMs();
    }
}
