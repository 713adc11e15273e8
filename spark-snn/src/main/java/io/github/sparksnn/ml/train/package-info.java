/**
 * Distributed training: what {@link io.github.sparksnn.ml.SpikingNetworkClassifier#fit} runs once the DataFrame is
 * checked. {@link io.github.sparksnn.ml.train.BlockPacker} packs each partition into one
 * {@link io.github.sparksnn.ml.train.PackedBlock}; {@link io.github.sparksnn.ml.train.DistributedTrainer} runs the
 * epochs, each step either one Spark job ({@link io.github.sparksnn.ml.train.SyncMode#JOBS}: broadcast,
 * {@code treeAggregate} of {@link io.github.sparksnn.ml.train.OrderedSum} leaves) or a round of one barrier stage per
 * epoch ({@link io.github.sparksnn.ml.train.SyncMode#BARRIER}: {@code BarrierLoop} on the driver,
 * {@code BarrierEpochTask} in the tasks, over sockets or, under a local master, {@code InProcessHub}). Around the
 * loop: which samples make each global batch ({@link io.github.sparksnn.ml.train.BatchPlan}), the seeds
 * ({@link io.github.sparksnn.ml.train.Seeds}), engine replicas cached per executor
 * ({@link io.github.sparksnn.ml.train.EngineCache}, built by an {@link io.github.sparksnn.ml.train.EngineFactory}
 * chosen per executor), the driver's {@link io.github.sparksnn.ml.train.UpdateRule}, and data-only checkpoints
 * ({@link io.github.sparksnn.ml.train.CheckpointStore}, {@link io.github.sparksnn.ml.train.TrainingCheckpoint}).
 *
 * <p>Invariant: every draw is a function of (run seed, epoch, step, partition) and partial sums are added in a fixed
 * tree over partition indices, so both sync modes, retries, restarted barrier stages and resumed runs give the
 * same bits. Separate from {@code ml} because it is the loop, not the API: it knows no Params or DataFrame columns
 * beyond packing. It imports the core's {@code train}, {@code train.optim} and {@code backend}, its wire
 * {@code ml.train.net}, and Spark, Hadoop (checkpoint files), Jackson and SLF4J; never {@code ml} above it.
 */
package io.github.sparksnn.ml.train;
