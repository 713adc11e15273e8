/**
 * What a run carries from step to step and epoch to epoch, and how it persists: the driver's
 * {@link io.github.sparksnn.ml.train.state.UpdateRule} ({@link io.github.sparksnn.ml.train.state.OptimizerUpdateRule}
 * wraps a {@code train.optim} optimizer) with its state as plain data, the per-epoch
 * {@link io.github.sparksnn.ml.train.state.EpochMetrics}, and the checkpoint that holds them with the parameters
 * and buffers: {@link io.github.sparksnn.ml.train.state.TrainingCheckpoint}, written in
 * {@link io.github.sparksnn.ml.train.state.CheckpointFormat} (data only: reading a file runs none of its writer's
 * code) by {@link io.github.sparksnn.ml.train.state.CheckpointStore} to any Hadoop file system.
 *
 * <p>Invariant: a resumed run continues bit for bit, and a checkpoint is refused (with the reason) unless its
 * configuration, partition sizes, optimizer kind and buffer layout match the run. Separate because it is the one
 * part of the loop that outlives the run's JVMs. It imports the core's {@code train.optim} (optimizer state),
 * Hadoop (files) and Jackson (the header); nothing else of this project, no Spark.
 */
package io.github.sparksnn.ml.train.state;
