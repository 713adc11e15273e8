package io.github.sparksnn.neuron;

import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * What every spiking neuron layer offers the network beside a layer's forward and backward: its surrogate (switched
 * between spiking and smooth mode as a whole network), membrane state that single-step passes carry on until
 * {@link #resetState()}, and an optional record of its potentials. {@link NeuronLayer} is the fused single-state
 * family (IF, LIF, PLIF); {@link MultiStateNeuronLayer} the neurons with more state (synaptic current, adaptive
 * threshold, recurrent spikes).
 */
public abstract class SpikingNeuron extends Layer {
    protected SpikingNeuron(String label, int[] inShape) {
        super(label, inShape);
    }

    /** The spike function (forward mode and gradient). */
    public abstract SurrogateFunction surrogate();

    /** Forgets the membrane state: the next single-step pass starts from the initial state. */
    public abstract void resetState();

    /** Whether to keep the potentials after reset of each pass (SpikingJelly's {@code store_v_seq}). */
    public abstract void setStoreVoltage(boolean store);

    /** The stored potentials after reset {@code V[t]} of the last pass, {@code [T, N * features]}. */
    public abstract float[] voltageSequence();
}
