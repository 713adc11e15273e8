package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Parametric LIF (SpikingJelly's {@code ParametricLIFNode}): one learnable {@code w} per layer with
 * {@code 1/tau = k = sigmoid(w)}, initialized to {@code w0 = -ln(init_tau - 1)}. The charge is LIF's with
 * {@code k}; {@code dL/dw = dL/dk * k (1 - k)}.
 */
public final class ParametricLIFNode extends NeuronLayer {
    private final double initTau;
    private final float[] one = new float[1];

    public ParametricLIFNode(String label, int[] inShape, double initTau, boolean decayInput, double vThreshold,
                             Double vReset, SurrogateFunction surrogate, boolean detachReset) {
        super(label, inShape, new NeuronOp(true, decayInput, (float) (1 / LIFNode.checkTau(label, "init_tau", initTau)),
                (float) vThreshold, vReset == null ? Float.NaN : vReset.floatValue(), surrogate, detachReset));
        this.initTau = initTau;
    }

    public double initTau() {
        return initTau;
    }

    @Override
    public int numParameters() {
        return 1;
    }

    @Override
    public List<ParameterTensor> parameterTensors() {
        return List.of(new ParameterTensor("w", 0, 1));
    }

    @Override
    public void initParameters(float[] p, int off, SplittableRandom rng) {
        p[off] = (float) -Math.log(initTau - 1);
    }

    @Override
    protected NeuronOp currentOp() {
        be.download(params, pOff, one, 0, 1);
        return baseOp.withK((float) (1 / (1 + Math.exp(-one[0]))));
    }

    @Override
    protected boolean wantsDk() {
        return true;
    }

    @Override
    protected void accumulateDk(double dk) {
        be.download(params, pOff, one, 0, 1);
        double k = 1 / (1 + Math.exp(-one[0]));
        be.download(grads, pOff, one, 0, 1);
        one[0] += (float) (dk * k * (1 - k));
        be.upload(one, 0, grads, pOff, 1);
    }
}
