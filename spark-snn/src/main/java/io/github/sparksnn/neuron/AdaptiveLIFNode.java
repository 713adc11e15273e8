package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.MultiStateNeuronOp;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * Adaptive-threshold LIF (ALIF, the adaptive neurons of Bellec et al. 2018's LSNN): every spike raises the neuron's
 * threshold, which decays back to {@code v_threshold} with time constant {@code tau_a}:
 * <pre>
 * a[t]     = rho a[t-1] + S[t-1],   rho = exp(-1 / tau_a)      (a[0] = 0)
 * theta[t] = v_threshold + beta_a a[t]
 * H[t]     = LIF charge of V[t-1] and X[t] with tau, decay_input   (as {@link LIFNode})
 * S[t]     = surrogate(H[t] - theta[t])
 * V[t]     = hard: H[t] (1 - S[t]) + v_reset S[t];   soft (v_reset=none): H[t] - theta[t] S[t]
 * </pre>
 * Bellec et al. write {@code a[t+1] = rho a[t] + (1 - rho) z[t]}; here a spike adds 1 to {@code a}, so their
 * {@code beta} is {@code beta_a / (1 - rho)} here. Exact BPTT includes the path through the threshold:
 * {@code dL/da[t] = rho dL/da[t+1] - beta_a g'(H[t] - theta[t]) dL/dS[t]_total} (minus the soft reset's
 * {@code dL/dV[t] S[t]}), and {@code dL/dS[t]} receives {@code dL/da[t+1]}; {@code detach_reset} cuts only the
 * reset's dependence on the spike, not the threshold's.
 */
public final class AdaptiveLIFNode extends MultiStateNeuronLayer {
    private final double tau;
    private final double tauA;
    private final double betaA;

    public AdaptiveLIFNode(String label, int[] inShape, double tau, boolean decayInput, double tauA, double betaA,
                           double vThreshold, Double vReset, SurrogateFunction surrogate, boolean detachReset) {
        super(label, inShape, MultiStateNeuronOp.lif(1 / LIFNode.checkTau(label, "tau", tau), decayInput, true,
                Math.exp(-1 / checkTauA(label, tauA)), checkBetaA(label, betaA), vThreshold, vReset, surrogate,
                detachReset));
        this.tau = tau;
        this.tauA = tauA;
        this.betaA = betaA;
    }

    static double checkTauA(String label, double tauA) {
        if (!(tauA > 0) || Double.isInfinite(tauA)) {
            throw new IllegalArgumentException(label + ": tau_a must be a finite number > 0, got " + tauA);
        }
        return tauA;
    }

    static double checkBetaA(String label, double betaA) {
        if (!(betaA >= 0) || Double.isInfinite(betaA)) {
            throw new IllegalArgumentException(label + ": beta_a must be a finite number >= 0, got " + betaA);
        }
        return betaA;
    }

    public double tau() {
        return tau;
    }

    public double tauA() {
        return tauA;
    }

    public double betaA() {
        return betaA;
    }
}
