/**
 * First-order optimizers over one flat parameter vector, with PyTorch's update formulas and defaults:
 * {@link io.github.sparksnn.train.optim.Sgd} (momentum, dampening, Nesterov, weight decay),
 * {@link io.github.sparksnn.train.optim.Adam} and {@link io.github.sparksnn.train.optim.AdamW}, built from their
 * specs by {@link io.github.sparksnn.train.optim.Optimizers} ({@code adam(beta1=0.9)}); learning-rate schedules
 * ({@code constant}, {@code cosine(t_max=.., eta_min=..)}) by {@link io.github.sparksnn.train.optim.LearningRateSchedules}.
 * Each spec's {@code toString()} parses back to an equal optimizer or schedule.
 *
 * <p>What a user must know: an optimizer takes the <em>mean</em> gradient (engines return sums) and the step's
 * learning rate; its state is plain data ({@link io.github.sparksnn.train.optim.OptimizerState}: kind, step count,
 * named float buffers), so a checkpoint stores it without Java serialization and a resumed run continues bit for
 * bit. Separate from {@code train} because it imports nothing else of this project (only the JDK): it works on
 * float arrays, knows no network, and the distributed loop in {@code ml.train} uses it without the trainer.
 */
package io.github.sparksnn.train.optim;
