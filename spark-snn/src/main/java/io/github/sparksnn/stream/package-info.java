/**
 * Spiking inference one event at a time, with the state of every neuron kept outside the network: what a stream
 * needs to carry a key's membrane state from one micro-batch (or machine) to the next.
 * {@link io.github.sparksnn.stream.StreamingNetwork} is a trained network's replica that applies a key's next events
 * to its {@link io.github.sparksnn.stream.KeyState} (membrane potentials, synaptic currents, adaptations, last
 * spikes, the running output sums, the step count), and {@link io.github.sparksnn.stream.KeyState} encodes itself to
 * a compact binary form with the model's fingerprint. The replica runs in two parts: the stateless prefix (the
 * leading time-invariant layers) on a batch of events of any keys, then the stateful rest per key from its state.
 *
 * <p>The contract: feeding a key's events in any number of calls, their prefixes computed in any batches, gives,
 * bit for bit, the outputs (and recorded layers) of the
 * network's multi-step forward over the whole sequence ({@link io.github.sparksnn.stream.StreamingNetwork#offline}),
 * on a backend whose GEMM computes each row alone ({@code cpu-portable}; native OpenBLAS picks its summation order by
 * the number of rows in a call, so there a current may differ in its last bit). A state is decoded only by a
 * replica of the model that wrote it: lengths, counts and the fingerprint are checked, nothing is deserialized.
 *
 * <p>It imports {@code model}, {@code neuron}, {@code layer} and {@code backend}, never {@code train} or Spark;
 * {@code ml.stream} runs it in Structured Streaming.
 */
package io.github.sparksnn.stream;
