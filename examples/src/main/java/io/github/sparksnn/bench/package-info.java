/**
 * The measurements behind {@code snn bench}: training throughput and a per-operation profile of the step
 * ({@link io.github.sparksnn.bench.TrainBenchCommand}, with {@code GemmTimer} timing every backend call), the
 * engine against the same network in PyTorch ({@link io.github.sparksnn.bench.TorchPeerCommand} and its twin
 * {@code TorchTwin}), what Spark costs per step ({@link io.github.sparksnn.bench.SparkBenchCommand}), the
 * surrogates' bulk bandwidth and loop shapes ({@link io.github.sparksnn.bench.SurrogateBandwidthBench},
 * {@link io.github.sparksnn.bench.LoopShapeBench}), fused neuron-and-pool kernels
 * ({@link io.github.sparksnn.bench.NeuronPoolBench}) and loopback transfer costs ({@code LoopbackProbe}); the
 * emulated cluster is in {@code bench.scale}.
 *
 * <p>Contract: each bench measures what it compares in one run, in interleaved rounds, and checks first that both
 * sides compute the same thing where a comparison is printed. Nothing in the library uses this package. It imports
 * the library's packages (core and {@code ml}), {@code examples.TrainJob} (the job {@code bench spark} times),
 * PyTorch through JavaCPP ({@code provided}: on {@code bin/snn}'s class path, not in the application jar) and
 * picocli.
 */
package io.github.sparksnn.bench;
