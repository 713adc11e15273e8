/**
 * What each partition holds and which of it each step uses. {@link io.github.sparksnn.ml.train.plan.BlockPacker}
 * packs a partition's rows into one {@link io.github.sparksnn.ml.train.plan.PackedBlock} (flat features and labels,
 * checked on the way, so a step reads arrays instead of rows); {@link io.github.sparksnn.ml.train.plan.BatchPlan} says
 * which slice of the epoch's permutation of a block makes its share of each global batch; and
 * {@link io.github.sparksnn.ml.train.plan.Seeds} derives every seed of a run from (run seed, epoch, step,
 * partition), also for the {@code ml} stages' inference chunks.
 *
 * <p>Invariant: the plan is a pure function of the run seed and the partition sizes, never of which executor runs
 * a task or when, so a single-JVM reference can rebuild the same batches and seeds. Separate because it is the
 * first step of the data flow and depends on nothing after it: engines, sums, transport and state all read it.
 * It imports nothing else of this project; only Spark and Scala (to pack a DataFrame).
 */
package io.github.sparksnn.ml.train.plan;
