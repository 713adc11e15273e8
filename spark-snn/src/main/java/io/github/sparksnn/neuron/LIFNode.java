package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * Leaky integrate-and-fire neuron (SpikingJelly's {@code LIFNode}): with {@code decay_input}
 * {@code H[t] = V[t-1] + (X[t] - (V[t-1] - v_reset)) / tau}, otherwise {@code H[t] = V[t-1] - (V[t-1] - v_reset) / tau + X[t]}.
 * {@code tau > 1}.
 */
public final class LIFNode extends NeuronLayer {
    private final double tau;

    public LIFNode(String label, int[] inShape, double tau, boolean decayInput, double vThreshold, Double vReset,
                   SurrogateFunction surrogate, boolean detachReset) {
        super(label, inShape, new NeuronOp(true, decayInput, (float) (1 / checkTau(label, "tau", tau)),
                (float) vThreshold, vReset == null ? Float.NaN : vReset.floatValue(), surrogate, detachReset));
        this.tau = tau;
    }

    public double tau() {
        return tau;
    }

    static double checkTau(String label, String name, double tau) {
        if (!(tau > 1) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException(label + ": " + name + " must be a finite number > 1, got " + tau);
        }
        return tau;
    }
}
