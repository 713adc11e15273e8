package io.github.sparksnn.bench.scale;


import io.github.sparksnn.ml.train.net.AggregationTree;
import io.github.sparksnn.ml.train.net.PartialReceiver;

import java.util.HashSet;
import java.util.Set;

/**
 * A cost model of one barrier-mode training step, derived from what the transport does rather than fitted to it.
 *
 * <p><b>Topology.</b> {@code hosts} machines, each with one link of {@code G} Gbit/s each way (full duplex, switched),
 * run {@code tasksPerHost} tasks each; the driver has a link of its own. The aggregation tree is built over the
 * network endpoints: every task today ({@code sharedEndpoint = false}; consecutive partitions on one host, as Spark's
 * standalone scheduler fills slots, and a tree edge between two tasks of one host never touches its link), or one per
 * host when the tasks of an executor hand each other their sums in memory ({@code sharedEndpoint = true}). Every
 * tree edge carries one vector each way per step ({@code AggregationTree}'s binomial blocks are {@code OrderedSum}'s
 * nodes: {@link #vectorsSent} counts them), the sum up and the state down, so a link's load is the number of edges
 * that leave its host: {@link #busiestLinkVectors}.
 *
 * <p><b>Pipeline.</b> Vectors move cut-through in pieces of {@value #PIECE_BYTES} bytes, both ways at once: a node
 * forwards piece k of the sum as soon as its own and its children's piece k are in, and the driver sends piece k of
 * the new state as soon as it has piece k of the sum. The busiest link is then a server that must carry its
 * {@code V} vectors' worth of every piece, and piece k can enter it no sooner than the task has made it final:
 *
 * <pre>
 *   c_0(k) = max(c_0(k-1), ready_k) + V x piece_k / G           (the busiest link, piece by piece)
 *   c_j(k) = max(c_j(k-1), c_{j-1}(k)) + piece_k / G             (the other 2 x hops - 1 links of the way up and down)
 *   round end = c_{2 hops - 1}(K);  step = compute + (round end - compute) + overhead
 * </pre>
 *
 * (a flow shop: a piece enters a link when it has left the one before and the link has passed the piece before it).
 * The pieces are the wire's ({@link PartialReceiver#lastPiece}): a first piece of {@value #HEAD_BYTES} bytes, sent
 * last, then pieces of {@value #PIECE_BYTES}; with uniform pieces this is the earlier closed form
 * {@code c_0(K) + (2 hops - 1) piece / G}.
 *
 * {@code ready_k} is when piece k of a task's gradient is final: all at the end of compute when the gradient leaves
 * after the backward pass, earlier for the last layers' pieces when it streams during the backward pass (the
 * {@code ready} fractions, measured on the real engine). {@code hops} is the deepest endpoint's distance to the driver
 * in links. The driver's own work (adding, the element-wise update) runs piece by piece beside the transfer and is
 * taken to keep up with it (at {@code driverNanosPerValue} per value and piece it is a second server; the slower of
 * the two sets the pace).
 *
 * <p><b>Compute.</b> The slowest task's: measured in the emulated rows; for extrapolation the median compute times
 * the expected maximum of P draws, {@code 1 + cv sqrt(2 ln P)} (the Gaussian extreme-value bound; {@code cv} the
 * engine's measured spread). <b>Overhead</b> is the per-step cost that does not depend on P: framing, copying the
 * state into the engine and zeroing the gradient (O(M) per task, however many tasks share the batch), waking
 * threads. It is fitted on the one-host row, where the model has no other unknown, and scaled with M as
 * {@code fixed + taskNanosPerValue x M} to extrapolate to other models.
 *
 * <p>What it leaves out: latency (this kernel cannot add any, a real network adds one round trip per hop), unequal
 * sharing of a link among TCP flows, and the CPU the emulation's own JVMs take from each other on a small machine.
 */
public final class ScaleCostModel {
    /** Link bytes per payload byte on these veths (GSO: one header set per segment of up to 64 KB; measured). */
    public static final double WIRE_PER_PAYLOAD = 1.0;

    /** Bytes of one piece of a streamed vector (the state's relay and the cut-through partial sums). */
    public static final int PIECE_BYTES = PartialReceiver.PIECE * 4;
    /** Bytes of a vector's first piece (float32), the one its backward pass completes last. */
    public static final int HEAD_BYTES = PartialReceiver.HEAD * 4;

    private final int numParameters;
    private final double gbit;
    private final double bytesPerValue;

    public ScaleCostModel(int numParameters, double gbit) {
        this(numParameters, gbit, 4);
    }

    /** {@code bytesPerValue} 2 for the bfloat16 transport. */
    public ScaleCostModel(int numParameters, double gbit, double bytesPerValue) {
        if (numParameters < 1 || !(gbit > 0) || !(bytesPerValue > 0)) {
            throw new IllegalArgumentException("numParameters, gbit and bytesPerValue must be positive");
        }
        this.numParameters = numParameters;
        this.gbit = gbit;
        this.bytesPerValue = bytesPerValue;
    }

    /** Hosts, tasks on each, the tree's fan-in (0 = star) and whether a host's tasks share one endpoint. */
    public record Topology(int hosts, int tasksPerHost, int fanIn, boolean sharedEndpoint) {
        public Topology {
            if (hosts < 1 || tasksPerHost < 1 || fanIn < 0 || fanIn == 1) {
                throw new IllegalArgumentException("hosts and tasksPerHost must be >= 1 and fanIn 0 or >= 2: " + hosts
                        + ", " + tasksPerHost + ", " + fanIn);
            }
        }

        /** One task per host, one endpoint each. */
        public static Topology of(int tasks, int fanIn) {
            return new Topology(tasks, 1, fanIn, false);
        }

        public int tasks() {
            return hosts * tasksPerHost;
        }

        /** The tree over the endpoints. */
        AggregationTree tree() {
            return new AggregationTree(sharedEndpoint ? hosts : tasks(), fanIn);
        }

        /** The host of tree node {@code q}: consecutive partitions fill a host's slots. */
        int hostOf(int q) {
            return sharedEndpoint ? q : q / tasksPerHost;
        }
    }

    /** Wire bytes of one vector. */
    public double vectorWireBytes() {
        return bytesPerValue * numParameters * WIRE_PER_PAYLOAD;
    }

    /** Milliseconds to move {@code vectors} vectors through one link one way. */
    public double linkMs(double vectors) {
        return vectors * vectorWireBytes() * 8 / (gbit * 1e9) * 1e3;
    }

    /** Milliseconds of {@code values} values on one link. */
    private double valuesMs(int values) {
        return values * bytesPerValue * WIRE_PER_PAYLOAD * 8 / (gbit * 1e9) * 1e3;
    }

    /** The wire's pieces' first values, in the order they are sent (the last piece first). */
    static int[] pieceStarts(int numParameters) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int off = PartialReceiver.lastPiece(numParameters); off >= 0; off = PartialReceiver.previousPiece(off)) {
            out.add(off);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

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

    /** The vectors on the busiest link, each way, per step, one endpoint per task and per host. */
    public static int busiestLinkVectors(AggregationTree tree) {
        return busiestLinkVectors(Topology.of(tree.numTasks(), tree.fanIn()));
    }

    /**
     * The vectors on the busiest link one way per step: for every tree edge between two hosts (the driver is a host
     * of its own), the child's partial sum goes out of the child's host and into the parent's, and the state comes
     * back the other way. Edges inside one host stay off its link.
     */
    public static int busiestLinkVectors(Topology t) {
        AggregationTree tree = t.tree();
        int hostsOf = t.hosts() + 1;           // index hosts() is the driver's
        long[] out = new long[hostsOf];
        long[] in = new long[hostsOf];
        for (int q = 0; q < tree.numTasks(); q++) {
            int parent = tree.parent(q);
            int hq = t.hostOf(q);
            int hp = parent == AggregationTree.DRIVER ? t.hosts() : t.hostOf(parent);
            if (hq == hp) {
                continue;
            }
            int v = vectorsSent(tree, q);
            out[hq] += v;   // the sum up
            in[hp] += v;
            in[hq] += 1;    // the state down
            out[hp] += 1;
        }
        long most = 0;
        for (int h = 0; h < hostsOf; h++) {
            most = Math.max(most, Math.max(out[h], in[h]));
        }
        return (int) most;
    }

    /** Links on the longest way from an endpoint to the driver (a hop inside one host costs no link time). */
    static int hops(Topology t) {
        AggregationTree tree = t.tree();
        int most = 0;
        for (int q = 0; q < tree.numTasks(); q++) {
            int links = 0;
            for (int c = q; c != AggregationTree.DRIVER; c = tree.parent(c)) {
                int p = tree.parent(c);
                if (p == AggregationTree.DRIVER || t.hostOf(p) != t.hostOf(c)) {
                    links++;
                }
            }
            most = Math.max(most, links);
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

    /**
     * The terms of one prediction, in ms: {@code exposedMs} is the communication not hidden behind compute (round
     * end minus compute), {@code busiestVectors} the busiest link's vectors one way, {@code linkBoundMs} the
     * link-bound limit's transfer part.
     */
    public record Prediction(double computeMs, double exposedMs, double overheadMs, int busiestVectors,
                             double linkBoundMs) {
        public double stepMs() {
            return computeMs + exposedMs + overheadMs;
        }
    }

    /** The prediction for one task per host, the gradient leaving after the backward pass. */
    public Prediction predict(int tasks, int fanIn, double computeMs, double overheadMs) {
        return predict(Topology.of(tasks, fanIn), computeMs, overheadMs, null, 0);
    }

    /**
     * The prediction for topology {@code t}. {@code ready[k]} (null: all 1) is the fraction of the compute after
     * which piece k, in the order the pieces are sent, is final; {@code driverNanosPerValue} the driver's own time
     * per value (0: it keeps up with any link).
     */
    public Prediction predict(Topology t, double computeMs, double overheadMs, double[] ready,
                              double driverNanosPerValue) {
        int[] starts = pieceStarts(numParameters);
        int pieces = starts.length;
        if (ready != null && ready.length != pieces) {
            throw new IllegalArgumentException("ready has " + ready.length + " pieces, the vector " + pieces);
        }
        int busiest = busiestLinkVectors(t);
        int links = 2 * hops(t);
        double[] c = new double[links]; // c[j]: when link j has passed the pieces so far
        for (int k = 0; k < pieces; k++) {
            int values = PartialReceiver.pieceLength(starts[k], numParameters);
            double link = busiest * valuesMs(values);
            double driver = values * driverNanosPerValue * 1e-6;
            double r = computeMs * (ready == null ? 1 : ready[k]);
            c[0] = Math.max(c[0], r) + Math.max(link, driver);
            for (int j = 1; j < links; j++) {
                c[j] = Math.max(c[j], c[j - 1]) + valuesMs(values);
            }
        }
        double end = c[links - 1];
        return new Prediction(computeMs, end - computeMs, overheadMs, busiest, linkMs(busiest));
    }

    /**
     * Per piece, in the order the wire sends them (the last piece first: {@link #pieceStarts}), the fraction of the compute after which it is final, from a schedule of ranges made
     * final during the backward pass: {@code [froms[i], previous from)} is final at {@code fractions[i]} (froms
     * descending from {@code numParameters}), and everything below the last from at the end (1). A piece is final
     * when its lowest value is.
     */
    public static double[] readyFromSchedule(int numParameters, double[] froms, double[] fractions) {
        int[] starts = pieceStarts(numParameters);
        double[] ready = new double[starts.length];
        for (int j = 0; j < starts.length; j++) {
            long lowest = starts[j];
            double at = 1;
            for (int i = 0; i < froms.length; i++) {
                if (froms[i] <= lowest) {
                    at = fractions[i];
                    break;
                }
            }
            ready[j] = at;
        }
        return ready;
    }

    /** The per-step overhead that makes the model exact on a measured row (in practice the one-host row). */
    public double overheadFrom(int tasks, int fanIn, double stepMs, double computeMs) {
        return stepMs - predict(tasks, fanIn, computeMs, 0).stepMs();
    }

    /** The expected slowest of {@code p} tasks whose compute has median {@code medianMs} and spread {@code cv}. */
    public static double slowestOf(int p, double medianMs, double cv) {
        return p <= 1 ? medianMs : medianMs * (1 + cv * Math.sqrt(2 * Math.log(p)));
    }
}
