package io.github.sparksnn.ml.train.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Who sends partial sums to whom in barrier-mode training: a fixed forest over the partition indices
 * {@code 0 .. P-1} laid on {@code OrderedSum}'s binary tree, so that every link carries exactly one vector each way
 * per step.
 *
 * <p>Why this shape: {@code OrderedSum} adds power-of-two-aligned blocks of partitions, and a partial sum over a
 * range that is not one such block is a list of blocks, each a full vector. So every task's subtree here is one
 * aligned block {@code [p, p + 2^k)} (cut at {@code P}) headed by its first index: the block's sum is one node of
 * the fixed tree, one vector on the link up. Inside a block the tree is binomial: task {@code p} heading
 * {@code 2^k} partitions has children {@code p+1, p+2, p+4, .., p+2^(k-1)} (those below {@code P}), each heading
 * the aligned block that starts there, so a task receives {@code k} vectors, one per child link. (A narrower
 * tree is impossible without more than one vector on some link: {@code [p+1, p+2^k)} splits into no fewer than
 * {@code k} aligned blocks.)
 *
 * <p>The fan-in {@code F} is the most partial sums the driver receives: the driver's children head blocks of
 * the smallest power-of-two size {@code b} with {@code ceil(P / b) <= F}, namely partitions {@code 0, b, 2b, ..}.
 * With {@code F = 0}, or when {@code P <= F}, that is a star: every task sends straight to the driver, in
 * parallel and one hop from each task (measured: at P = 2 on one machine the star's step is 15% shorter than the
 * two-hop chain {@code 0 <- 1}). {@code F = 1} is one binomial tree under partition 0.
 *
 * <p>The shape only decides where partial sums travel, never how they are added: every sum follows
 * {@code OrderedSum}'s fixed binary tree over partition indices, so every shape gives the same bits.
 */
public final class AggregationTree {
    /** Parent index meaning "the driver". */
    public static final int DRIVER = -1;

    private final int numTasks;
    private final int fanIn;
    private final int[] parent;
    private final int[] end;
    private final List<List<Integer>> children;

    /** The tree over {@code numTasks} tasks with the given fan-in ({@code 0}: a star into the driver). */
    public AggregationTree(int numTasks, int fanIn) {
        if (numTasks <= 0) {
            throw new IllegalArgumentException("numTasks must be positive, got " + numTasks);
        }
        if (fanIn < 0) {
            throw new IllegalArgumentException("fanIn must be >= 0 (0: star), got " + fanIn);
        }
        this.numTasks = numTasks;
        this.fanIn = fanIn;
        this.parent = new int[numTasks];
        this.end = new int[numTasks];
        this.children = new ArrayList<>(numTasks);
        for (int i = 0; i < numTasks; i++) {
            children.add(new ArrayList<>());
        }
        int block = blockSize(numTasks, fanIn);
        for (int head = 0; head < numTasks; head += block) {
            build(head, Math.min(head + block, numTasks), DRIVER);
        }
    }

    /** The size of the blocks the driver's children head: 1 for a star, else the smallest power of two b with
     *  {@code ceil(P / b) <= F}. */
    static int blockSize(int numTasks, int fanIn) {
        if (fanIn == 0 || numTasks <= fanIn) {
            return 1;
        }
        int b = 1;
        while ((numTasks + (long) b - 1) / b > fanIn) {
            b <<= 1;
        }
        return b;
    }

    /** {@code head} heads the aligned block {@code [head, to)}: its children head the blocks {@code [head+2^j,
     *  head+2^(j+1))}, cut at {@code to}, for increasing j. */
    private void build(int head, int to, int parentIndex) {
        parent[head] = parentIndex;
        end[head] = to;
        for (int size = 1; head + size < to; size <<= 1) {
            children.get(head).add(head + size);
            build(head + size, Math.min(head + 2 * size, to), head);
        }
    }

    public int numTasks() {
        return numTasks;
    }

    /** The configured fan-in, 0 for the star. */
    public int fanIn() {
        return fanIn;
    }

    public boolean isStar() {
        return fanIn == 0 || numTasks <= fanIn;
    }

    /** Partitions in each block under one of the driver's children (the last block may be shorter). */
    public int blockSize() {
        return blockSize(numTasks, fanIn);
    }

    /** The task {@code p} sends its partial sum to, or {@link #DRIVER}. */
    public int parent(int p) {
        return parent[check(p)];
    }

    /** Tasks that send their partial sums to {@code p}, in increasing index order. */
    public List<Integer> children(int p) {
        return Collections.unmodifiableList(children.get(check(p)));
    }

    /** The tasks that send straight to the driver: the heads of the blocks, every partition in a star. */
    public List<Integer> driverChildren() {
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < numTasks; p++) {
            if (parent[p] == DRIVER) {
                out.add(p);
            }
        }
        return out;
    }

    /** End (exclusive) of the contiguous range of partitions whose sums pass through {@code p}. */
    public int subtreeEnd(int p) {
        return end[check(p)];
    }

    /** Levels of tasks in {@code p}'s subtree: 1 for a leaf. Timeouts grow with it, so the parent nearest to a
     *  silent task reports it first. */
    public int height(int p) {
        int h = 0;
        for (int c : children.get(check(p))) {
            h = Math.max(h, height(c));
        }
        return h + 1;
    }

    /** Levels of tasks between the farthest leaf and the driver (1 for a star or a single task). */
    public int depth() {
        int max = 0;
        for (int p = 0; p < numTasks; p++) {
            int d = 1;
            for (int q = parent[p]; q != DRIVER; q = parent[q]) {
                d++;
            }
            max = Math.max(max, d);
        }
        return max;
    }

    private int check(int p) {
        if (p < 0 || p >= numTasks) {
            throw new IllegalArgumentException("task " + p + " outside [0, " + numTasks + ")");
        }
        return p;
    }

    @Override
    public String toString() {
        return isStar() ? "star over " + numTasks + " tasks" : "binomial trees over " + numTasks
                + " tasks in blocks of " + blockSize() + " (driver fan-in " + fanIn + "), depth " + depth();
    }
}
