package io.github.sparksnn.backend;

import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * The constants of one fused multi-step neuron kernel (SpikingJelly's charge, fire, reset).
 *
 * <pre>
 * charge  IF:                H[t] = V[t-1] + X[t]
 *         LIF, decay_input:  H[t] = V[t-1] + (X[t] - (V[t-1] - v_reset)) * k       (k = 1/tau)
 *         LIF, otherwise:    H[t] = V[t-1] - (V[t-1] - v_reset) * k + X[t]
 * fire    S[t] = surrogate(H[t] - v_threshold)         (Heaviside forward in spiking mode)
 * reset   hard: V[t] = H[t] (1 - S[t]) + v_reset S[t]   soft (v_reset = NaN): V[t] = H[t] - v_threshold S[t]
 * </pre>
 * For a soft-reset LIF the charge uses {@code v_reset = 0} (SpikingJelly's {@code neuronal_charge} with
 * {@code v_reset is None}). {@code detachReset} removes the reset's dependence on {@code S} from the backward
 * graph. {@code k} is a value here; a parametric LIF passes {@code sigmoid(w)} for each call.
 *
 * @param leaky        false for IF (no decay), true for LIF / PLIF
 * @param decayInput   SpikingJelly's {@code decay_input}
 * @param k            {@code 1/tau} (ignored for IF)
 * @param vThreshold   firing threshold
 * @param vReset       reset potential, or NaN for a soft reset
 * @param surrogate    spike function (forward mode and gradient)
 * @param detachReset  SpikingJelly's {@code detach_reset}
 */
public record NeuronOp(boolean leaky, boolean decayInput, float k, float vThreshold, float vReset,
                       SurrogateFunction surrogate, boolean detachReset) {

    public boolean hardReset() {
        return !Float.isNaN(vReset);
    }

    /** Initial membrane potential: v_reset for a hard reset, 0 for a soft one (as SpikingJelly). */
    public float vInit() {
        return hardReset() ? vReset : 0f;
    }

    /** The reset potential used inside the charge equation (0 for a soft reset). */
    public float chargeReset() {
        return hardReset() ? vReset : 0f;
    }

    public NeuronOp withK(float newK) {
        return new NeuronOp(leaky, decayInput, newK, vThreshold, vReset, surrogate, detachReset);
    }
}
