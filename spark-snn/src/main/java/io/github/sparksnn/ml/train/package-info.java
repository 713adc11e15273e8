/**
 * Distributed training: what {@link io.github.sparksnn.ml.SpikingNetworkClassifier#fit} runs once the DataFrame is
 * checked. {@link io.github.sparksnn.ml.train.DistributedTrainer} runs the epochs, each step either one Spark job
 * ({@link io.github.sparksnn.ml.train.SyncMode#JOBS}: broadcast, {@code treeAggregate} of
 * {@link io.github.sparksnn.ml.train.StepTask} leaves) or a round of one barrier stage per epoch
 * ({@link io.github.sparksnn.ml.train.SyncMode#BARRIER}: {@code BarrierLoop} on the driver,
 * {@code BarrierEpochTask} in the tasks). Users and the {@code ml} stages see this package's
 * {@code DistributedTrainer}, {@link io.github.sparksnn.ml.train.SyncMode},
 * {@link io.github.sparksnn.ml.train.LrSchedule} and {@link io.github.sparksnn.ml.train.TrainingListener}.
 *
 * <p>The data flows down through its sub-packages, each importing only those below it (the ArchUnit test holds
 * the order): {@code ml.train.plan} packs each partition into one block and says which of its samples and seeds
 * each step uses; {@code ml.train.engine} builds and caches the engine replicas that compute a partition's
 * gradient sum; {@code ml.train.sum} adds the partitions' sums in a fixed tree; {@code ml.train.net} moves them
 * between barrier tasks and the driver (sockets, or by reference under a local master); {@code ml.train.state} is
 * what outlives a step: the driver's update rule, the epoch metrics and the checkpoints that persist them.
 *
 * <p>Invariant: every draw is a function of (run seed, epoch, step, partition) and partial sums are added in a fixed
 * tree over partition indices, so both sync modes, retries, restarted barrier stages and resumed runs give the
 * same bits. Separate from {@code ml} because it is the loop, not the API: it knows no Params or DataFrame columns
 * beyond packing. The two loops stay in this one package with the trainer because they share its run state
 * ({@code DistributedTrainer.State}, {@code applyRound}) and the barrier task its driver's error protocol; splitting
 * them off would move code, not files. It imports its sub-packages ({@code ml.train.plan}, {@code ml.train.engine},
 * {@code ml.train.sum}, {@code ml.train.net}, {@code ml.train.state}), the core's {@code train}, {@code train.optim}
 * and {@code backend}, and Spark and SLF4J; never {@code ml} above it.
 */
package io.github.sparksnn.ml.train;
