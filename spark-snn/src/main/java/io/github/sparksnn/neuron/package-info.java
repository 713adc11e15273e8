/**
 * The spiking neurons, SpikingJelly's {@code BaseNode} family: {@link io.github.sparksnn.neuron.IFNode},
 * {@link io.github.sparksnn.neuron.LIFNode} and {@link io.github.sparksnn.neuron.ParametricLIFNode} on
 * {@link io.github.sparksnn.neuron.NeuronLayer}, which runs charge, fire and reset over {@code [T, N, ...]} as one
 * fused backend kernel forward and one for the exact BPTT backward (the equations are in
 * {@link io.github.sparksnn.backend.NeuronOp}); and the neurons with more state,
 * {@link io.github.sparksnn.neuron.RecurrentLIFNode} (spikes fed back through a learned matrix),
 * {@link io.github.sparksnn.neuron.SynapticNode} (a synaptic current) and {@link io.github.sparksnn.neuron.AdaptiveLIFNode}
 * (an adaptive threshold) on {@link io.github.sparksnn.neuron.MultiStateNeuronLayer}, over the backend's multi-state
 * kernel ({@link io.github.sparksnn.backend.MultiStateNeuronOp}), which the recurrent neuron runs one step at a time
 * between its GEMMs. Both families are {@link io.github.sparksnn.neuron.SpikingNeuron}s. A neuron fires through a
 * surrogate function: the Heaviside step forward, its surrogate gradient backward.
 *
 * <p>Separate from {@code layer} because a neuron has what a layer has not: membrane state (kept across passes in
 * single-step mode until {@code resetState()}), an optional record of its potentials, and a surrogate. It imports
 * {@code layer} (a neuron is a layer), {@code backend} and {@code surrogate}, nothing above.
 */
package io.github.sparksnn.neuron;
