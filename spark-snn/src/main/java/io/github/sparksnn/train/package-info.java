/**
 * Training in one JVM, and the routine every trainer shares. {@link io.github.sparksnn.train.GradientEngine} is
 * that routine: the gradient of the <em>sum</em> of per-sample losses over packed samples, so partial sums from
 * several partitions add up to the global batch's; {@link io.github.sparksnn.train.CpuGradientEngine} runs it on
 * one backend, {@link io.github.sparksnn.train.ParallelGradientEngine} on several threads' replicas, both built from
 * an immutable, serializable {@link io.github.sparksnn.train.EngineConfig}. Around it: the losses on the output trace ({@link io.github.sparksnn.train.Loss}:
 * a {@link io.github.sparksnn.train.ScoreCriterion} such as {@link io.github.sparksnn.train.MseRateLoss} or
 * {@link io.github.sparksnn.train.CrossEntropyRateLoss} on rates, counts or a membrane read by
 * {@link io.github.sparksnn.train.DecodedLoss}, the per-step {@link io.github.sparksnn.train.MembraneMseLoss}, the
 * regression target's {@link io.github.sparksnn.train.TargetMseLoss}, the {@link io.github.sparksnn.train.L1RateRegularizer}), the
 * single-JVM {@link io.github.sparksnn.train.Trainer} with its config, history and listener, and the checks:
 * {@link io.github.sparksnn.train.GradientCheck} compares the engine's BPTT gradient with central differences of
 * {@link io.github.sparksnn.train.ReferenceForward}, an independent double-precision forward pass.
 *
 * <p>Invariant: random draws (Poisson input, dropout) are keyed by the call's seed and the sample's index, so a
 * result does not depend on chunking or on how a batch is split over threads or partitions (batch-norm statistics
 * excepted: they are per chunk). The package imports {@code train.optim}, {@code model}, {@code layer},
 * {@code backend} and {@code surrogate}, never Spark; {@code ml.train} builds its distributed loop on it.
 */
package io.github.sparksnn.train;
