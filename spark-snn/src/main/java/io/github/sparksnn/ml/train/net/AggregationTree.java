package io.github.sparksnn.ml.train.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Who sends partial sums to whom in barrier-mode training: a fixed tree over the partition indices
 * {@code 0 .. P-1} whose root, partition 0, sends the total to the driver. Every task's subtree is a contiguous
 * range {@code [p, end(p))}: task {@code a} heading range {@code [a, b)} takes the rest {@code [a+1, b)} split
 * into at most {@code fanIn} contiguous chunks of near-equal size (the first ones one larger), each headed by its
 * first index. So the driver receives one vector per step whatever {@code P} is, and a task receives at most
 * {@code fanIn}. With {@code fanIn = 0}, or when all tasks fit under one node ({@code P <= fanIn}), the tree is a star:
 * every task sends straight to the driver, which then receives at most {@code fanIn} vectors like any node, in
 * parallel and one hop from each task (measured: at P = 2 on one machine the star's step is 15% shorter than the
 * two-hop chain {@code 0 <- 1}).
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
        if (fanIn == 0 || numTasks <= fanIn) {
            for (int p = 0; p < numTasks; p++) {
                parent[p] = DRIVER;
                end[p] = p + 1;
            }
        } else {
            build(0, numTasks, DRIVER);
        }
    }

    private void build(int from, int to, int parentIndex) {
        parent[from] = parentIndex;
        end[from] = to;
        int rest = to - from - 1;
        if (rest <= 0) {
            return;
        }
        int chunks = Math.min(fanIn, rest);
        int start = from + 1;
        for (int c = 0; c < chunks; c++) {
            int size = rest / chunks + (c < rest % chunks ? 1 : 0);
            children.get(from).add(start);
            build(start, start + size, from);
            start += size;
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

    /** The task {@code p} sends its partial sum to, or {@link #DRIVER}. */
    public int parent(int p) {
        return parent[check(p)];
    }

    /** Tasks that send their partial sums to {@code p}, in increasing index order. */
    public List<Integer> children(int p) {
        return Collections.unmodifiableList(children.get(check(p)));
    }

    /** The tasks that send straight to the driver: partition 0 in a tree, every partition in a star. */
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
        return isStar() ? "star over " + numTasks + " tasks" : "tree over " + numTasks + " tasks, fan-in " + fanIn
                + ", depth " + depth();
    }
}
