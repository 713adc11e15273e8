/**
 * The stateless multi-step layers: each maps {@code [T, N, inShape]} to {@code [T, N, outShape]}, weights shared
 * over time (SpikingJelly's {@code SeqToANNContainer}): {@link io.github.sparksnn.layer.Linear},
 * {@link io.github.sparksnn.layer.Conv2d}, {@link io.github.sparksnn.layer.BatchNorm},
 * {@link io.github.sparksnn.layer.MaxPool2d}, {@link io.github.sparksnn.layer.AvgPool2d},
 * {@link io.github.sparksnn.layer.Dropout}, {@link io.github.sparksnn.layer.Flatten}, the membrane readout
 * {@link io.github.sparksnn.layer.LeakyReadout} (a non-spiking leaky integrator, linear in time), on the base class
 * {@link io.github.sparksnn.layer.Layer} (parameters and gradients at an offset of the network's flat vectors,
 * workspaces allocated once and reused; the two poolings share {@link io.github.sparksnn.layer.Pool2d}).
 * {@link io.github.sparksnn.layer.Pass} carries one forward pass's settings to every layer, {@link io.github.sparksnn.layer.Encoder} turns a static input into the multi-step one
 * ({@link io.github.sparksnn.layer.LatencyCode} is its time-to-first-spike code). The spec's encoder layers,
 * {@link io.github.sparksnn.layer.DeltaEncoding} and {@link io.github.sparksnn.layer.PopulationEncoding} (on
 * {@link io.github.sparksnn.layer.EncodingLayer}: no parameters, no gradient to their input), code with
 * {@link io.github.sparksnn.layer.DeltaCode} and {@link io.github.sparksnn.layer.PopulationCode}, the definitions
 * the Spark stages {@code DeltaEncoder} and {@code PopulationEncoder} share.
 *
 * <p>Every computation goes through the {@link io.github.sparksnn.backend.Backend}, so a layer runs unchanged on the
 * CPU and on a GPU; a layer never reads a tensor's elements itself (the encoders copy theirs to the host through the
 * backend, as the latency encoder does). The package imports only {@code backend}; the
 * spiking neurons, which are layers with state, live in {@code neuron} above it.
 */
package io.github.sparksnn.layer;
