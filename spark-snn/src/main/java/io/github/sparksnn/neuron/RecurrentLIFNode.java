package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.MultiStateNeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Recurrent LIF (snnTorch's {@code RLeaky}, Norse's {@code LIFRecurrent}): the layer's own spikes of the previous
 * step feed back through a learned matrix into its input current, then SpikingJelly's LIF charge, fire and reset:
 * <pre>
 * X'[t] = X[t] + R(S[t-1])        dense: R(S) = S W^T, W [n, n];   diagonal: R(S) = w ⊙ S, w [n]   (S[-1] = 0)
 * H[t]  = V[t-1] + (X'[t] - (V[t-1] - v_reset)) / tau    (decay_input; otherwise V[t-1] - (V[t-1] - v_reset) / tau + X'[t])
 * S[t]  = surrogate(H[t] - v_threshold),   V[t] = reset(H[t], S[t])  as {@link LIFNode}
 * </pre>
 * {@code n} is the number of features per sample. No recurrent bias (the layer before has one, unlike snnTorch's
 * {@code nn.Linear}); {@code W} and {@code w} start {@code U(-1/sqrt(n), 1/sqrt(n))}, PyTorch's default for an
 * {@code n x n} linear map. Exact BPTT runs the steps backwards one at a time:
 * {@code dL/dS[t] = dL/dY[t] + R^T(dL/dX'[t+1])}, then the kernel's step; {@code dL/dW = sum_t dX'[t]^T S[t-1]}
 * (one GEMM after the loop) or {@code dL/dw = sum_t dX'[t] ⊙ S[t-1]}. {@code dL/dX = dL/dX'}.
 */
public final class RecurrentLIFNode extends MultiStateNeuronLayer {
    private final double tau;
    private final boolean dense;
    private Tensor xr;
    private Tensor dsTotal;
    private Tensor lastSpikes;
    private Tensor startSpikes; // the spikes a pass that carried its state on started from
    private boolean continuedPass;
    private Tensor one;
    private Tensor wDiagonal;
    private Tensor tmp1;
    private Tensor tmp2;

    /** @param dense {@code recurrent=dense} (a full matrix) or false for {@code diagonal} (one weight per neuron) */
    public RecurrentLIFNode(String label, int[] inShape, double tau, boolean decayInput, boolean dense,
                            double vThreshold, Double vReset, SurrogateFunction surrogate, boolean detachReset) {
        super(label, inShape, MultiStateNeuronOp.lif(1 / LIFNode.checkTau(label, "tau", tau), decayInput, false, 0, 0,
                vThreshold, vReset, surrogate, detachReset));
        this.tau = tau;
        this.dense = dense;
        long len = dense ? (long) inputSize() * inputSize() : inputSize();
        if (len > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(label + ": a dense recurrent matrix of " + inputSize() + " x "
                    + inputSize() + " is too large; use recurrent=diagonal");
        }
    }

    public double tau() {
        return tau;
    }

    public boolean dense() {
        return dense;
    }

    @Override
    public int numParameters() {
        int f = inputSize();
        return dense ? f * f : f;
    }

    @Override
    public List<ParameterTensor> parameterTensors() {
        return List.of(new ParameterTensor("recurrent_weight", 0, numParameters()));
    }

    @Override
    public void initParameters(float[] p, int off, SplittableRandom rng) {
        uniform(p, off, numParameters(), 1 / Math.sqrt(inputSize()), rng);
    }

    @Override
    protected void allocateStepWorkspaces(int rows, int samples) {
        int f = inputSize();
        xr = tensor(rows * f);
        dsTotal = tensor(rows * f);
        lastSpikes = tensor(samples * f);
        startSpikes = tensor(samples * f);
        one = tensor(1);
        be.fill(one, 0, 1, 1f);
        if (!dense) {
            wDiagonal = tensor(f);
            tmp1 = tensor(samples * f);
            tmp2 = tensor(samples * f);
        }
    }

    @Override
    protected void forwardSteps(MultiStateNeuronOp op, int timeSteps, int samples, Tensor x, boolean fresh) {
        int n = samples * inputSize();
        if (!dense) {
            be.copy(params, pOff, wDiagonal, 0, inputSize());
        }
        continuedPass = !fresh;
        if (!fresh) {
            be.copy(lastSpikes, 0, startSpikes, 0, n);
        }
        for (int t = 0; t < timeSteps; t++) {
            be.copy(x, t * n, xr, t * n, n);
            if (t > 0) {
                recurrent(s, (t - 1) * n, xr, t * n, samples);
            } else if (!fresh) { // a single-step pass carries the last pass's spikes on
                recurrent(lastSpikes, 0, xr, 0, samples);
            }
            step(op, 1, n, t * n, xr);
        }
        be.copy(s, (timeSteps - 1) * n, lastSpikes, 0, n);
    }

    /** The last step's spikes, which the next step feeds back. */
    @Override
    protected int extraStateSize() {
        return inputSize();
    }

    @Override
    protected void transferExtraState(int samples, float[] a, int off, boolean write) {
        if (write) {
            be.upload(a, off, lastSpikes, 0, samples * inputSize());
        } else {
            be.download(lastSpikes, 0, a, off, samples * inputSize());
        }
    }

    /** {@code dst[dOff..] += R(src[sOff..])} for {@code samples} rows. */
    private void recurrent(Tensor src, int sOff, Tensor dst, int dOff, int samples) {
        int f = inputSize();
        if (dense) {
            be.gemm(false, true, samples, f, f, 1f, src, sOff, f, params, pOff, f, 1f, dst, dOff, f);
        } else {
            diagonalProductInto(src, sOff, dst, dOff, samples);
        }
    }

    /** {@code dst[dOff..] += R^T(src[sOff..])}: the gradient of the previous spikes from that of the input current. */
    private void recurrentTransposed(Tensor src, int sOff, Tensor dst, int dOff, int samples) {
        int f = inputSize();
        if (dense) {
            be.gemm(false, false, samples, f, f, 1f, src, sOff, f, params, pOff, f, 1f, dst, dOff, f);
        } else {
            diagonalProductInto(src, sOff, dst, dOff, samples); // a diagonal is its own transpose
        }
    }

    /**
     * {@code dst[dOff..] += w ⊙ src[sOff..]} per sample, from the backend's primitives: a copy (they take no offsets),
     * the shared multiply, and an add as a {@code [1, 1] x [1, n]} GEMM.
     */
    private void diagonalProductInto(Tensor src, int sOff, Tensor dst, int dOff, int samples) {
        int n = samples * inputSize();
        be.copy(src, sOff, tmp1, 0, n);
        be.multiplyShared(tmp1, wDiagonal, inputSize(), samples, tmp2);
        be.gemm(false, false, 1, n, 1, 1f, one, 0, 1, tmp2, 0, n, 1f, dst, dOff, n);
    }

    @Override
    protected void backwardSteps(MultiStateNeuronOp op, int timeSteps, int samples, Tensor dy) {
        int f = inputSize(), n = samples * f;
        be.copy(dy, 0, dsTotal, 0, timeSteps * n);
        for (int t = timeSteps - 1; t >= 0; t--) {
            if (t < timeSteps - 1) {
                recurrentTransposed(dx, (t + 1) * n, dsTotal, t * n, samples);
            }
            stepBackward(op, 1, n, t * n, dsTotal);
        }
        if (continuedPass) {
            // a truncated-BPTT window: its first step fed back the previous window's last spikes, a constant here,
            // so the weight still gets dX'[0]^T S[-1] (no gradient flows into S[-1] itself)
            if (dense) {
                be.gemm(true, false, f, f, samples, 1f, dx, 0, f, startSpikes, 0, f, 1f, grads, pOff, f);
            } else {
                be.copy(dx, 0, xr, 0, n);
                be.multiplyShared(xr, startSpikes, n, 1, dsTotal);
                be.accumulateColumnSums(dsTotal, 0, samples, f, grads, pOff);
            }
        }
        if (timeSteps < 2) {
            return;
        }
        int rows = (timeSteps - 1) * samples;
        if (dense) { // dW += dX'[1..]^T S[..T-2]
            be.gemm(true, false, f, f, rows, 1f, dx, n, f, s, 0, f, 1f, grads, pOff, f);
        } else { // dw += column sums of dX'[1..] ⊙ S[..T-2]; dsTotal is free now
            int len = rows * f;
            be.copy(dx, n, xr, 0, len);
            be.multiplyShared(xr, s, len, 1, dsTotal);
            be.accumulateColumnSums(dsTotal, 0, rows, f, grads, pOff);
        }
    }
}
