package io.github.sparksnn.ml.train.sum;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sum of per-partition vectors whose floating-point result does not depend on the order in which
 * partial sums arrive.
 *
 * <p>Float addition is not associative, and Spark's {@code treeAggregate} merges partial results in task
 * completion order; adding naively would make the parameters depend on executor timing. Here the sum is
 * pinned to a fixed binary tree over partition indices: leaf {@code p} at level 0, node {@code (k, j)}
 * covering partitions {@code [j 2^k, (j+1) 2^k)}, its value {@code left + right} computed only when both
 * children are present (a child lying wholly beyond the last partition is empty and the node takes the
 * other child's value unchanged). Any merge order produces the same nodes with the same additions, so the
 * root is bit-identical whatever the executor count, timing or retries. Pending nodes are few
 * ({@code O(log P)} per merge frontier), so memory stays close to that of a plain sum.
 *
 * <p>Each node carries a float vector (gradient sums, or weighted parameter deltas with
 * {@code syncInterval > 1}, followed by the sample-weighted buffers {@code n_p b_p} of models with batch norm)
 * and the step's statistics: loss sum, correct predictions, sample count and the
 * time spent in the engine, the last for the benchmark's split of compute and overhead.
 */
public final class OrderedSum implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int numLeaves;
    private final int topLevel;
    private final TreeMap<Long, Node> pending = new TreeMap<>();

    /** An empty sum over {@code numLeaves} partitions. */
    public OrderedSum(int numLeaves) {
        if (numLeaves <= 0) {
            throw new IllegalArgumentException("numLeaves must be positive, got " + numLeaves);
        }
        this.numLeaves = numLeaves;
        int k = 0;
        while ((1L << k) < numLeaves) {
            k++;
        }
        this.topLevel = k;
    }

    /** One node's value. {@code vector} may be null, meaning a zero vector (an empty partition). */
    public static final class Node implements Serializable {
        private static final long serialVersionUID = 1L;
        public float[] vector;
        public double lossSum;
        public long correct;
        public long count;
        public long computeNanos;
        public long maxComputeNanos;

        public Node(float[] vector, double lossSum, long correct, long count, long computeNanos) {
            this.vector = vector;
            this.lossSum = lossSum;
            this.correct = correct;
            this.count = count;
            this.computeNanos = computeNanos;
            this.maxComputeNanos = computeNanos;
        }

        /** {@code left + right}, reusing left's vector. Left and right are fixed by the tree, never by arrival. */
        static Node combine(Node left, Node right) {
            float[] v;
            if (left.vector == null) {
                v = right.vector;
            } else if (right.vector == null) {
                v = left.vector;
            } else {
                v = left.vector;
                float[] r = right.vector;
                if (r.length != v.length) {
                    throw new IllegalStateException("vector lengths differ: " + v.length + " vs " + r.length);
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] += r[i];
                }
            }
            Node n = new Node(v, left.lossSum + right.lossSum, left.correct + right.correct,
                    left.count + right.count, left.computeNanos + right.computeNanos);
            n.maxComputeNanos = Math.max(left.maxComputeNanos, right.maxComputeNanos);
            return n;
        }
    }

    private static long key(int level, long index) {
        return ((long) level << 40) | index;
    }

    /** Adds partition {@code p}'s leaf; each partition must be added exactly once over all merged sums. */
    public OrderedSum add(int partition, Node leaf) {
        if (partition < 0 || partition >= numLeaves) {
            throw new IllegalArgumentException("partition " + partition + " outside [0, " + numLeaves + ")");
        }
        settle(0, partition, leaf);
        return this;
    }

    /** Merges another partial sum into this one (any order gives the same final bits). */
    public OrderedSum merge(OrderedSum other) {
        if (other.numLeaves != numLeaves) {
            throw new IllegalArgumentException("cannot merge sums over " + numLeaves + " and " + other.numLeaves
                    + " partitions");
        }
        for (Map.Entry<Long, Node> e : other.pending.entrySet()) {
            int level = (int) (e.getKey() >>> 40);
            long index = e.getKey() & ((1L << 40) - 1);
            settle(level, index, e.getValue());
        }
        other.pending.clear();
        return this;
    }

    private void settle(int level, long index, Node node) {
        while (level < topLevel) {
            long sibling = index ^ 1L;
            boolean siblingEmpty = (sibling << level) >= numLeaves;
            if (siblingEmpty) {
                // Only a right sibling can lie beyond the last partition: the node passes up unchanged.
                level++;
                index >>= 1;
                continue;
            }
            Node other = pending.remove(key(level, sibling));
            if (other == null) {
                break;
            }
            node = (index & 1L) == 0 ? Node.combine(node, other) : Node.combine(other, node);
            level++;
            index >>= 1;
        }
        if (pending.putIfAbsent(key(level, index), node) != null) {
            throw new IllegalStateException("partition range at level " + level + ", index " + index
                    + " was added twice");
        }
    }

    /** Number of partitions this sum ranges over. */
    public int numLeaves() {
        return numLeaves;
    }

    /** One pending node of a partial sum: the tree node ({@code level}, {@code index}) and its value. */
    public record Pending(int level, long index, Node node) {
    }

    /**
     * The partial sum's pending nodes, in (level, index) order: what a task of the aggregation tree sends to its
     * parent, which {@link #addPending adds} them to its own sum. The nodes are shared, not copied.
     */
    public java.util.List<Pending> pending() {
        java.util.List<Pending> out = new java.util.ArrayList<>(pending.size());
        for (Map.Entry<Long, Node> e : pending.entrySet()) {
            out.add(new Pending((int) (e.getKey() >>> 40), e.getKey() & ((1L << 40) - 1), e.getValue()));
        }
        return out;
    }

    /**
     * Adds a pending node received from another partial sum (see {@link #pending()}); equivalent to merging the
     * sum it came from. A node outside the tree, or one whose (level, index) is already pending, is rejected; the
     * sender's partition range is checked by the caller ({@code PeerLink} checks every node against it).
     */
    public OrderedSum addPending(int level, long index, Node node) {
        if (level < 0 || level > topLevel || index < 0 || index > (numLeaves - 1L) >> level) { // index << level wraps
            throw new IllegalArgumentException("no tree node (level " + level + ", index " + index + ") over "
                    + numLeaves + " partitions");
        }
        settle(level, index, node);
        return this;
    }

    /** True once every partition has been added. */
    public boolean isComplete() {
        return pending.size() == 1 && pending.containsKey(key(topLevel, 0));
    }

    /** The root: the sum over all partitions. */
    public Node result() {
        if (!isComplete()) {
            throw new IllegalStateException("sum incomplete: pending nodes " + pending.keySet());
        }
        return pending.get(key(topLevel, 0));
    }
}
