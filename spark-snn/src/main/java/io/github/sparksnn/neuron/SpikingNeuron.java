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

    /**
     * Floats of state one sample carries from one single-step pass to the next: the membrane potentials, and where
     * the neuron has them its synaptic currents, adaptation and last spikes. What a stream keeps per key.
     */
    public abstract int stateSize();

    /**
     * Copies the state that the last pass of {@code samples} samples left ({@code samples * stateSize()} floats,
     * slot-major: all potentials, then the next slot's values) into {@code out} from {@code off}.
     *
     * @throws IllegalStateException when no pass of {@code samples} samples left a state
     */
    public abstract void readState(int samples, float[] out, int off);

    /**
     * Loads a state in the layout of {@link #readState} so that the next single-step pass ({@link
     * io.github.sparksnn.layer.Pass#keepState}) of {@code samples} samples continues from it; call after the
     * workspaces are allocated for that pass (allocating afresh forgets the state).
     */
    public abstract void writeState(int samples, float[] in, int off);

    /** The checks of {@link #readState} and {@link #writeState}: the range fits and the workspaces hold it. */
    protected final void checkStateRange(int samples, float[] a, int off, int capacitySamples) {
        long len = (long) samples * stateSize();
        if (samples < 1 || off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(label() + ": state of " + samples + " sample(s) (" + len
                    + " floats) at " + off + " does not fit an array of " + a.length);
        }
        if (samples > capacitySamples) {
            throw new IllegalStateException(label() + ": workspaces hold " + capacitySamples + " sample(s), not "
                    + samples + " (allocate first)");
        }
    }
}
