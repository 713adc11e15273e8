package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.MaxPool2d;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * Base of the spiking neurons (SpikingJelly's {@code BaseNode}): charge, fire, reset over {@code [T, N, ...]} with
 * one fused backend kernel forward ({@link io.github.sparksnn.backend.Backend#neuronForward}) and one for the
 * exact BPTT backward. Multi-step passes start from the initial potential; in single-step (streaming) mode
 * ({@link Pass#keepState}) the membrane state carries over between passes until {@link #resetState()}.
 * With {@link #setStoreVoltage(boolean)} the potentials after reset, {@code V[t]}, are kept for inspection
 * (SpikingJelly's {@code store_v_seq}).
 */
public abstract class NeuronLayer extends SpikingNeuron {
    protected final NeuronOp baseOp;
    private Tensor h;
    private Tensor s;
    private Tensor v;
    private Tensor dx;
    private Tensor vSeq;
    private Tensor lastX;
    private NeuronOp lastOp;
    private boolean stateValid;
    /** Whether this pass started from the initial potential (not a single-step pass carrying the state on). */
    private boolean freshStart;
    /** The input of the last {@link #forwardMaxPool} that left its charges to be recomputed, else null. */
    private Tensor recomputeInput;
    private int stateSamples = -1;
    private boolean storeVoltage;
    private int lastT;
    private int lastN;
    private int capacitySamples;
    /** The last pass carried a state on, and {@link #vStart} holds it when {@link #wantsDk()} (truncated BPTT). */
    private boolean continued;
    private Tensor vStart;
    private float[] startHost = new float[0];
    private float[] dxHost = new float[0];

    protected NeuronLayer(String label, int[] inShape, NeuronOp op) {
        super(label, inShape);
        this.baseOp = op;
        if (!Float.isFinite(op.vThreshold())) {
            throw new IllegalArgumentException(label + ": v_threshold must be finite, got " + op.vThreshold());
        }
        if (Float.isInfinite(op.vReset())) {
            throw new IllegalArgumentException(label + ": v_reset must be finite or none, got " + op.vReset());
        }
    }

    @Override
    public SurrogateFunction surrogate() {
        return baseOp.surrogate();
    }

    /** The kernel constants of the next pass (PLIF substitutes its current {@code k = sigmoid(w)}). */
    protected NeuronOp currentOp() {
        return baseOp;
    }

    /** Receives {@code dL/dk} (only called when {@link #wantsDk()}). */
    protected void accumulateDk(double dk) {
    }

    protected boolean wantsDk() {
        return false;
    }

    @Override
    public void setStoreVoltage(boolean store) {
        this.storeVoltage = store;
    }

    /** Forgets the membrane state: the next single-step pass starts from the initial potential. */
    @Override
    public void resetState() {
        stateValid = false;
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        int f = inputSize();
        h = tensor(rows * f);
        s = tensor(rows * f);
        dx = tensor(rows * f);
        v = tensor(samples * f);
        vSeq = tensor(rows * f);
        vStart = wantsDk() ? tensor(samples * f) : null;
        capacitySamples = samples;
        stateValid = false;
    }

    /** One membrane potential per neuron. */
    @Override
    public int stateSize() {
        return inputSize();
    }

    @Override
    public void readState(int samples, float[] out, int off) {
        checkStateRange(samples, out, off, capacitySamples);
        if (!stateValid || stateSamples != samples) {
            throw new IllegalStateException(label() + ": no pass of " + samples + " sample(s) left a state");
        }
        be.download(v, 0, out, off, samples * inputSize());
    }

    @Override
    public void writeState(int samples, float[] in, int off) {
        checkStateRange(samples, in, off, capacitySamples);
        be.upload(in, off, v, 0, samples * inputSize());
        stateValid = true;
        stateSamples = samples;
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        NeuronOp op = beginPass(pass);
        be.neuronForward(op, pass.timeSteps, lastN, x, h, s, v);
        endPass(op, pass, x);
        return s;
    }

    /** The kernel constants of this pass, with the membrane state reset unless a single-step pass carries it on. */
    private NeuronOp beginPass(Pass pass) {
        NeuronOp op = beginPassKeepingV(pass);
        if (freshStart) {
            be.fill(v, 0, lastN, op.vInit());
        }
        return op;
    }

    /** {@link #beginPass} for a kernel that starts a fresh pass from {@link NeuronOp#vInit()} by itself. */
    private NeuronOp beginPassKeepingV(Pass pass) {
        NeuronOp op = currentOp();
        lastN = pass.samples * inputSize();
        freshStart = !pass.keepState || !stateValid || stateSamples != pass.samples;
        continued = !freshStart;
        if (continued && wantsDk()) {
            be.copy(v, 0, vStart, 0, lastN); // V[-1] of this pass, which dL/dk reads at its first step
        }
        recomputeInput = null;
        return op;
    }

    /** Records what backward needs ({@code x} is null for a static input) and stores the voltages if asked. */
    private void endPass(NeuronOp op, Pass pass, Tensor x) {
        stateValid = true;
        stateSamples = pass.samples;
        lastX = x;
        lastOp = op;
        lastT = pass.timeSteps;
        if (storeVoltage) {
            be.neuronVoltage(op, pass.timeSteps, lastN, h, s, vSeq);
        }
    }

    /**
     * Whether {@link #forwardStatic} may be used: the kernel constants need no input gradient of their own (PLIF's
     * {@code dL/dk} reads the input at every step).
     */
    public boolean acceptsStaticInput() {
        return !wantsDk();
    }

    /**
     * Multi-step forward of an input that is the same at every step, given once as {@code x [N, in]} (the output of
     * the network's time-invariant prefix): the same output as {@link #forward} of {@code x} repeated over time,
     * without materializing the repetition where the backend fuses it. {@code xt [T, N, in]} is a workspace the
     * backend may use; pair with {@link #backwardStatic}.
     */
    public Tensor forwardStatic(Tensor x, Tensor xt, Pass pass) {
        if (!acceptsStaticInput()) {
            throw new IllegalStateException(label() + ": a static input needs a neuron without a trained time constant");
        }
        NeuronOp op = beginPass(pass);
        be.neuronForwardStatic(op, pass.timeSteps, lastN, x, xt, h, s, v);
        endPass(op, pass, null);
        return s;
    }

    /**
     * Whether this neuron can pool its own spikes into {@code pool} ({@link #forwardMaxPool}): a neuron without a
     * trained time constant, feeding image planes.
     */
    public boolean canFuse(MaxPool2d pool) {
        return acceptsStaticInput() && pool.inputShape().length == 3
                && java.util.Arrays.equals(pool.inputShape(), outputShape());
    }

    /**
     * The neuron's forward ({@link #forwardStatic} of {@code x [N, in]} when {@code staticInput}, else {@link #forward})
     * followed by {@code pool}'s: returns the pooled spikes (the pool's output tensor). Pair with
     * {@link #backwardMaxPool}, which may recompute the charges from {@code x} (kept unchanged until then) instead of
     * reading them back ({@link io.github.sparksnn.backend.Backend#neuronForwardMaxPoolRecomputable}); the spikes and
     * charges are kept for a pass that stores its voltages or carries a state on.
     */
    public Tensor forwardMaxPool(Tensor x, boolean staticInput, Tensor xt, MaxPool2d pool, Pass pass) {
        if (!canFuse(pool)) {
            throw new IllegalStateException(label() + ": cannot pool its spikes into " + pool.label());
        }
        NeuronOp op = beginPassKeepingV(pass);
        int[] shape = outputShape();
        // the backend may leave the charges to the backward (it recomputes them from x, which stays unchanged until
        // then: it is the previous layer's output), unless the voltages are wanted or the pass carried a state on
        boolean recomputable = freshStart && !storeVoltage;
        if (recomputable) { // it starts from the initial potential itself
            be.neuronForwardMaxPoolRecomputable(op, pass.timeSteps, lastN, x, staticInput, xt, h, s, v, shape[1],
                    shape[2], pool.window(), pool.stride(), pool.outputTensor(), pool.argmaxTensor());
        } else {
            if (freshStart) {
                be.fill(v, 0, lastN, op.vInit());
            }
            be.neuronForwardMaxPool(op, pass.timeSteps, lastN, x, staticInput, xt, h, s, v, shape[1], shape[2],
                    pool.window(), pool.stride(), pool.outputTensor(), pool.argmaxTensor());
        }
        endPass(op, pass, staticInput ? null : x);
        recomputeInput = recomputable ? x : null;
        return pool.outputTensor();
    }

    /**
     * Backward of {@link #forwardMaxPool} from the gradient of the pooled spikes: returns the input gradient, summed
     * over time into {@code dxSum} when {@code staticInput}, else this layer's {@code [T, N, in]} workspace.
     */
    public Tensor backwardMaxPool(Tensor dy, MaxPool2d pool, boolean staticInput, Tensor dxSum) {
        int[] shape = outputShape();
        Tensor out = staticInput ? dxSum : dx;
        // the spike gradient's workspace (for a backend that does not fuse) is the pool's own input gradient
        if (recomputeInput != null) {
            be.neuronBackwardMaxPoolRecompute(lastOp, lastT, lastN, recomputeInput, dy, pool.argmaxTensor(), shape[1],
                    shape[2], pool.window(), pool.stride(), pool.inputGradientTensor(), h, s, staticInput, dx, out);
        } else {
            be.neuronBackwardMaxPool(lastOp, lastT, lastN, dy, pool.argmaxTensor(), shape[1], shape[2],
                    pool.window(), pool.stride(), pool.inputGradientTensor(), h, s, staticInput, dx, out);
        }
        return out;
    }

    /**
     * Backward of {@link #forwardStatic}: writes the input gradient summed over time, {@code [N, in]}, into
     * {@code dxSum} and returns it.
     */
    public Tensor backwardStatic(Tensor dy, Pass pass, Tensor dxSum) {
        be.neuronBackwardStatic(lastOp, lastT, lastN, dy, h, s, dx, dxSum);
        return dxSum;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        double dk = be.neuronBackward(lastOp, lastT, lastN, dy, h, s, lastX, dx, wantsDk());
        if (wantsDk()) {
            accumulateDk(continued ? dk + carriedStartDk() : dk);
        }
        return dx;
    }

    /**
     * The part of {@code dL/dk} the kernel leaves out after a pass that carried a state on (a truncated-BPTT window):
     * the kernel's first step reads {@code V[-1] = v_init}, while this pass started from {@code vStart}, and
     * {@code dH[0]/dk} holds {@code -(V[-1] - v_reset)} in both charge forms, so the difference is
     * {@code sum dL/dH[0] (v_init - vStart)}. Why here and not in the kernel: both backends' fused kernels would need
     * the start state as a new argument; the first step's {@code dL/dH} is {@code dX[0] / (dH/dX)}, with
     * {@code dH/dX = k} (decay_input) or 1, good to a rounding of the float the kernel wrote.
     */
    private double carriedStartDk() {
        if (dxHost.length < lastN) {
            dxHost = new float[lastN];
            startHost = new float[lastN];
        }
        be.download(dx, 0, dxHost, 0, lastN);
        be.download(vStart, 0, startHost, 0, lastN);
        double dHdX = lastOp.leaky() && lastOp.decayInput() ? lastOp.k() : 1;
        double vInit = lastOp.vInit();
        double sum = 0;
        for (int j = 0; j < lastN; j++) {
            sum += dxHost[j] / dHdX * (vInit - startHost[j]);
        }
        return sum;
    }

    /** The stored potentials after reset {@code V[t]} of the last pass, {@code [T, N * features]} (needs
     *  {@link #setStoreVoltage(boolean) store voltage} on). */
    @Override
    public float[] voltageSequence() {
        if (!storeVoltage) {
            throw new IllegalStateException(label() + ": voltage storage is off (setStoreVoltage(true))");
        }
        float[] out = new float[lastT * lastN];
        be.download(vSeq, 0, out, 0, out.length);
        return out;
    }
}
