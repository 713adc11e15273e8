package io.github.sparksnn.backend;

import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * The constants of the multi-state neuron kernel ({@link Backend#multiStateNeuronForward}): neurons whose state is
 * more than one membrane potential (a synaptic current, an adaptive threshold) or whose input depends on their own
 * past spikes, so that a recurrent layer can run it one step at a time with the state carried between calls.
 *
 * <pre>
 * current    I[t] = alpha I[t-1] + X[t]                           (synaptic; otherwise I[t] = X[t])
 * charge     H[t] = cv V[t-1] + cx I[t] + c0
 * threshold  theta[t] = v_threshold + beta_a a[t]                 (adaptive; otherwise v_threshold)
 * fire       S[t] = surrogate(H[t] - theta[t])                   (Heaviside forward in spiking mode)
 * reset      hard: V[t] = H[t] (1 - S[t]) + v_reset S[t]    soft (v_reset = NaN): V[t] = H[t] - theta[t] S[t]
 * adapt      a[t+1] = rho a[t] + S[t]                             (adaptive)
 * </pre>
 * Initial state: {@code V[-1] = v_init} ({@code v_reset}, 0 for a soft reset), {@code I[-1] = 0}, {@code a[0] = 0}.
 * A LIF charge is {@code cv = 1 - k, cx = k} (decay_input) or {@code cx = 1}, {@code c0 = k v_reset} with
 * {@code k = 1/tau} ({@link #lif}); a current-based neuron's is {@code cv = beta, cx = 1, c0 = 0} ({@link #synaptic}).
 * {@code detachReset} removes the reset's dependence on {@code S} from the backward graph; the threshold's dependence
 * on past spikes (through {@code a}) always stays in it.
 */
public record MultiStateNeuronOp(float cv, float cx, float c0, boolean synaptic, float alpha, boolean adaptive,
                                 float rho, float betaA, float vThreshold, float vReset, SurrogateFunction surrogate,
                                 boolean detachReset) {

    /** Slots of the carried state ({@code [STATE_SLOTS, n]}): membrane, synaptic current, adaptation. */
    public static final int STATE_SLOTS = 3;

    /**
     * A LIF charge ({@code k = 1/tau}), optionally with an adaptive threshold (then {@code rho} and {@code betaA}
     * are used).
     */
    public static MultiStateNeuronOp lif(double k, boolean decayInput, boolean adaptive, double rho, double betaA,
                                         double vThreshold, Double vReset, SurrogateFunction surrogate,
                                         boolean detachReset) {
        float kf = (float) k;
        float vr = vReset == null ? Float.NaN : vReset.floatValue();
        float cr = vReset == null ? 0f : vr;
        return new MultiStateNeuronOp(1f - kf, decayInput ? kf : 1f, kf * cr, false, 0f, adaptive, (float) rho,
                (float) betaA, (float) vThreshold, vr, surrogate, detachReset);
    }

    /** A current-based neuron: {@code I[t] = alpha I[t-1] + X[t]}, {@code H[t] = beta V[t-1] + I[t]}. */
    public static MultiStateNeuronOp synaptic(double alpha, double beta, double vThreshold, Double vReset,
                                              SurrogateFunction surrogate, boolean detachReset) {
        return new MultiStateNeuronOp((float) beta, 1f, 0f, true, (float) alpha, false, 0f, 0f, (float) vThreshold,
                vReset == null ? Float.NaN : vReset.floatValue(), surrogate, detachReset);
    }

    /** The same with new decays (a learned {@code alpha} and {@code beta = cv}). */
    public MultiStateNeuronOp withDecays(float newAlpha, float newCv) {
        return new MultiStateNeuronOp(newCv, cx, c0, synaptic, newAlpha, adaptive, rho, betaA, vThreshold, vReset,
                surrogate, detachReset);
    }

    public boolean hardReset() {
        return !Float.isNaN(vReset);
    }

    /** Initial membrane potential: v_reset for a hard reset, 0 for a soft one (as SpikingJelly). */
    public float vInit() {
        return hardReset() ? vReset : 0f;
    }
}
