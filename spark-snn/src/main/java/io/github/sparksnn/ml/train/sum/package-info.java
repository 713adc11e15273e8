/**
 * The fixed summation order: {@link io.github.sparksnn.ml.train.sum.OrderedSum} adds the partitions' gradient sums
 * (and loss, accuracy and timing counters) in one binary tree over partition indices, whatever order they arrive in,
 * with {@code OrderedSum.Node} the value of one subtree and {@code OrderedSum.Pending} a subtree not yet joined.
 *
 * <p>Invariant: float addition is not associative, so the tree, not the arrival order, fixes the bits; every path
 * that adds partial sums (jobs mode's {@code treeAggregate}, the barrier tasks' cut-through sums, the driver, the
 * in-process hub) adds through it or in its order. Separate so that the transport and both loops share one
 * definition of that order. It imports nothing but the JDK: no other package of this project, no Spark.
 */
package io.github.sparksnn.ml.train.sum;
