package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.surrogate.SurrogateFunction;

/** Integrate-and-fire neuron: {@code H[t] = V[t-1] + X[t]} (SpikingJelly's {@code IFNode}). */
public final class IFNode extends NeuronLayer {
    public IFNode(String label, int[] inShape, double vThreshold, Double vReset, SurrogateFunction surrogate,
                  boolean detachReset) {
        super(label, inShape, new NeuronOp(false, false, 1f, (float) vThreshold,
                vReset == null ? Float.NaN : vReset.floatValue(), surrogate, detachReset));
    }
}
