package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.MultiStateNeuronOp;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Current-based (CUBA) synaptic LIF, snnTorch's {@code Synaptic}: the input charges a synaptic current with its own
 * decay {@code alpha}, and the current charges the membrane, which decays with {@code beta}:
 * <pre>
 * I[t] = alpha I[t-1] + X[t]                     (I[-1] = 0)
 * H[t] = beta V[t-1] + I[t]
 * S[t] = surrogate(H[t] - v_threshold)
 * V[t] = hard: H[t] (1 - S[t]) + v_reset S[t];   soft (v_reset=none): H[t] - v_threshold S[t]
 * </pre>
 * These are snnTorch's {@code syn = alpha syn + input}, {@code mem = beta mem + syn} with SpikingJelly's fire-then-
 * reset order of the other neurons: snnTorch subtracts the threshold at the step after a spike, outside the decay,
 * so its {@code mem[t]} is {@code H[t]} here except that the subtracted threshold is scaled by {@code beta}. The
 * reset may be detached ({@code detach_reset}; snnTorch always detaches it). With {@code learn_alpha} /
 * {@code learn_beta} (snnTorch's flags) the decay is a parameter, stored as its logit {@code w} with
 * {@code alpha = sigmoid(w)} (so it stays in (0, 1), as snnTorch's clamp keeps it) and
 * {@code dL/dw = dL/dalpha alpha (1 - alpha)}; {@code dL/dalpha = sum_t dL/dI[t] I[t-1]},
 * {@code dL/dbeta = sum_t dL/dH[t] V[t-1]}.
 */
public final class SynapticNode extends MultiStateNeuronLayer {
    private final double alpha;
    private final double beta;
    private final boolean learnAlpha;
    private final boolean learnBeta;
    private final float[] two = new float[2];

    public SynapticNode(String label, int[] inShape, double alpha, double beta, boolean learnAlpha, boolean learnBeta,
                        double vThreshold, Double vReset, SurrogateFunction surrogate, boolean detachReset) {
        super(label, inShape, MultiStateNeuronOp.synaptic(checkDecay(label, "alpha", alpha, learnAlpha),
                checkDecay(label, "beta", beta, learnBeta), vThreshold, vReset, surrogate, detachReset));
        this.alpha = alpha;
        this.beta = beta;
        this.learnAlpha = learnAlpha;
        this.learnBeta = learnBeta;
    }

    /** A decay in [0, 1], or in (0, 1) when learned (its logit must be finite). */
    static double checkDecay(String label, String name, double d, boolean learned) {
        boolean ok = learned ? d > 0 && d < 1 : d >= 0 && d <= 1;
        if (!ok) {
            throw new IllegalArgumentException(label + ": " + name + " must be in " + (learned ? "(0, 1) when learned"
                    : "[0, 1]") + ", got " + d);
        }
        return d;
    }

    public double alpha() {
        return alpha;
    }

    public double beta() {
        return beta;
    }

    @Override
    public int numParameters() {
        return (learnAlpha ? 1 : 0) + (learnBeta ? 1 : 0);
    }

    @Override
    public List<ParameterTensor> parameterTensors() {
        List<ParameterTensor> out = new ArrayList<>();
        if (learnAlpha) {
            out.add(new ParameterTensor("w_alpha", 0, 1));
        }
        if (learnBeta) {
            out.add(new ParameterTensor("w_beta", learnAlpha ? 1 : 0, 1));
        }
        return out;
    }

    @Override
    public void initParameters(float[] p, int off, SplittableRandom rng) {
        int i = off;
        if (learnAlpha) {
            p[i++] = (float) Math.log(alpha / (1 - alpha));
        }
        if (learnBeta) {
            p[i] = (float) Math.log(beta / (1 - beta));
        }
    }

    @Override
    protected MultiStateNeuronOp currentOp() {
        if (numParameters() == 0) {
            return baseOp;
        }
        be.download(params, pOff, two, 0, numParameters());
        float a = learnAlpha ? (float) sigmoid(two[0]) : baseOp.alpha();
        float b = learnBeta ? (float) sigmoid(two[learnAlpha ? 1 : 0]) : baseOp.cv();
        return baseOp.withDecays(a, b);
    }

    @Override
    protected boolean wantsDecays() {
        return numParameters() > 0;
    }

    @Override
    protected void accumulateDecays(double dAlpha, double dBeta) {
        int np = numParameters();
        float[] w = new float[np];
        be.download(params, pOff, w, 0, np);
        be.download(grads, pOff, two, 0, np);
        int i = 0;
        if (learnAlpha) {
            double a = sigmoid(w[0]);
            two[i++] += (float) (dAlpha * a * (1 - a));
        }
        if (learnBeta) {
            double b = sigmoid(w[i]);
            two[i] += (float) (dBeta * b * (1 - b));
        }
        be.upload(two, 0, grads, pOff, np);
    }
}
