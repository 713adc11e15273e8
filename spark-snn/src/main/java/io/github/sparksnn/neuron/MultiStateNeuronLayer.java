package io.github.sparksnn.neuron;

import io.github.sparksnn.backend.MultiStateNeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * Base of the neurons with more state than one membrane potential ({@link SynapticNode}, {@link AdaptiveLIFNode},
 * {@link RecurrentLIFNode}) over {@code [T, N, ...]}, on the backend's multi-state kernel (the equations are in
 * {@link MultiStateNeuronOp}): one call forward over all steps and one for the exact BPTT, unless a subclass runs
 * the steps one by one ({@link #forwardSteps}, {@link #backwardSteps}). The potentials after reset are always kept
 * (the backward of a learned decay reads them), so {@link #voltageSequence()} costs nothing extra. Multi-step passes
 * start from the initial state; single-step passes ({@link Pass#keepState}) carry it on until {@link #resetState()}.
 * A backward follows a pass that started from the initial state.
 */
public abstract class MultiStateNeuronLayer extends SpikingNeuron {
    protected final MultiStateNeuronOp baseOp;
    protected Tensor h;
    protected Tensor s;
    protected Tensor v;
    protected Tensor dx;
    private Tensor cur;
    private Tensor adapt;
    private Tensor state;
    private Tensor dState;
    private final double[] dDecays = new double[2];
    private MultiStateNeuronOp lastOp;
    private boolean stateValid;
    private int stateSamples = -1;
    private boolean storeVoltage;
    private int lastT;
    private int lastN;
    private int capacitySamples;
    /** The last pass carried a state on (a truncated-BPTT window after the first); {@link #startState} holds it. */
    private boolean continued;
    private Tensor startState;
    private float[] startHost = new float[0];
    private float[] gradHost = new float[0];

    protected MultiStateNeuronLayer(String label, int[] inShape, MultiStateNeuronOp op) {
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

    /** The kernel constants of the next pass (a learned decay substitutes its current value). */
    protected MultiStateNeuronOp currentOp() {
        return baseOp;
    }

    /** Whether the backward computes {@code dL/dalpha} and {@code dL/dcv} for {@link #accumulateDecays}. */
    protected boolean wantsDecays() {
        return false;
    }

    /** Receives {@code dL/dalpha} and {@code dL/dcv} of the last pass (only when {@link #wantsDecays()}). */
    protected void accumulateDecays(double dAlpha, double dCv) {
    }

    @Override
    public void setStoreVoltage(boolean store) {
        this.storeVoltage = store;
    }

    @Override
    public void resetState() {
        stateValid = false;
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        int f = inputSize();
        h = tensor(rows * f);
        s = tensor(rows * f);
        v = tensor(rows * f);
        dx = tensor(rows * f);
        cur = baseOp.synaptic() ? tensor(rows * f) : null;
        adapt = baseOp.adaptive() ? tensor(rows * f) : null;
        state = tensor(MultiStateNeuronOp.STATE_SLOTS * samples * f);
        dState = tensor(MultiStateNeuronOp.STATE_SLOTS * samples * f);
        startState = wantsDecays() ? tensor(MultiStateNeuronOp.STATE_SLOTS * samples * f) : null;
        allocateStepWorkspaces(rows, samples);
        capacitySamples = samples;
        stateValid = false;
    }

    /** The state slots this neuron uses: the membrane, the current if synaptic, the adaptation if adaptive. */
    private int[] usedSlots() {
        return baseOp.synaptic() && baseOp.adaptive() ? new int[]{0, 1, 2} : baseOp.synaptic() ? new int[]{0, 1}
                : baseOp.adaptive() ? new int[]{0, 2} : new int[]{0};
    }

    /** Floats of a subclass's own carried state per sample, after the slots (the recurrent neuron's last spikes). */
    protected int extraStateSize() {
        return 0;
    }

    /** Copies (or, with {@code write}, loads) a subclass's own carried state of {@code samples} samples. */
    protected void transferExtraState(int samples, float[] a, int off, boolean write) {
    }

    /** The used slots of {@link MultiStateNeuronOp}'s state, then {@link #extraStateSize()} floats. */
    @Override
    public int stateSize() {
        return usedSlots().length * inputSize() + extraStateSize();
    }

    @Override
    public void readState(int samples, float[] out, int off) {
        checkStateRange(samples, out, off, capacitySamples);
        if (!stateValid || stateSamples != samples) {
            throw new IllegalStateException(label() + ": no pass of " + samples + " sample(s) left a state");
        }
        transferState(samples, out, off, false);
    }

    @Override
    public void writeState(int samples, float[] in, int off) {
        checkStateRange(samples, in, off, capacitySamples);
        transferState(samples, in, off, true);
        stateValid = true;
        stateSamples = samples;
    }

    private void transferState(int samples, float[] a, int off, boolean write) {
        int n = samples * inputSize();
        int at = off;
        for (int slot : usedSlots()) { // the kernel holds the state as [STATE_SLOTS, n] for a pass of n neurons
            if (write) {
                be.upload(a, at, state, slot * n, n);
            } else {
                be.download(state, slot * n, a, at, n);
            }
            at += n;
        }
        transferExtraState(samples, a, at, write);
    }

    /** Further workspaces of a subclass (through {@link #tensor}). */
    protected void allocateStepWorkspaces(int rows, int samples) {
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        MultiStateNeuronOp op = currentOp();
        int n = pass.samples * inputSize();
        boolean fresh = !pass.keepState || !stateValid || stateSamples != pass.samples;
        if (fresh) {
            be.fill(state, 0, n, op.vInit());
            be.fill(state, n, (MultiStateNeuronOp.STATE_SLOTS - 1) * n, 0f);
        } else if (wantsDecays()) {
            be.copy(state, 0, startState, 0, MultiStateNeuronOp.STATE_SLOTS * n); // what dL/dalpha, dL/dcv read first
        }
        continued = !fresh;
        forwardSteps(op, pass.timeSteps, pass.samples, x, fresh);
        stateValid = true;
        stateSamples = pass.samples;
        lastOp = op;
        lastT = pass.timeSteps;
        lastN = n;
        return s;
    }

    /**
     * The forward of {@code T} steps of {@code samples} samples into {@link #h}, {@link #s}, {@link #v}; {@code fresh}:
     * the pass starts from the initial state. This default is one kernel call.
     */
    protected void forwardSteps(MultiStateNeuronOp op, int timeSteps, int samples, Tensor x, boolean fresh) {
        step(op, timeSteps, samples * inputSize(), 0, x);
    }

    /** The kernel over {@code T} steps of {@code n} neurons from record offset {@code off}, carrying the state. */
    protected final void step(MultiStateNeuronOp op, int timeSteps, int n, int off, Tensor x) {
        be.multiStateNeuronForward(op, timeSteps, n, off, x, h, s, v, cur, adapt, state);
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        be.fill(dState, 0, MultiStateNeuronOp.STATE_SLOTS * lastN, 0f);
        backwardSteps(lastOp, lastT, lastN / inputSize(), dy);
        return dx;
    }

    /** The BPTT of {@link #forwardSteps} from the spike gradient {@code dy} into {@link #dx}; this default is one call. */
    protected void backwardSteps(MultiStateNeuronOp op, int timeSteps, int samples, Tensor dy) {
        boolean decays = wantsDecays();
        dDecays[0] = 0;
        dDecays[1] = 0;
        be.multiStateNeuronBackward(op, timeSteps, samples * inputSize(), 0, dy, h, s, v, cur, adapt, dx, dState,
                decays ? dDecays : null);
        if (decays) {
            if (continued) {
                addCarriedStartDecays(op, samples * inputSize());
            }
            accumulateDecays(dDecays[0], dDecays[1]);
        }
    }

    /**
     * The decays' gradient terms of the first step that the kernel leaves out after a pass that carried a state on
     * (it reads {@code V[-1] = v_init}, {@code I[-1] = 0}): {@code sum dI[0] I[-1]} and
     * {@code sum dH[0] (V[-1] - v_init)}. Why here and not in the kernel: the backend operation takes no start state;
     * the kernel leaves {@code dI[0]} in {@code dX[0]} (synaptic) and {@code cv dH[0]} in the membrane slot of
     * {@code dState}, so {@code dH[0]} is that over {@code cv}, good to a rounding of the float the kernel wrote.
     */
    private void addCarriedStartDecays(MultiStateNeuronOp op, int n) {
        if (startHost.length < 2 * n) {
            startHost = new float[2 * n];
            gradHost = new float[2 * n];
        }
        be.download(startState, 0, startHost, 0, 2 * n); // membrane, current
        be.download(dState, 0, gradHost, 0, n);
        be.download(dx, 0, gradHost, n, n);
        double dAlpha = 0, dCv = 0;
        for (int j = 0; j < n; j++) {
            if (op.synaptic()) {
                dAlpha += (double) gradHost[n + j] * startHost[n + j];
            }
            if (op.cv() != 0) { // cv = 0: no dH[0] to recover, and then beta is not learned
                dCv += (double) gradHost[j] / op.cv() * (startHost[j] - op.vInit());
            }
        }
        dDecays[0] += dAlpha;
        dDecays[1] += dCv;
    }

    /** The BPTT of {@link #step} ({@code dState} carried between calls, no decay gradients). */
    protected final void stepBackward(MultiStateNeuronOp op, int timeSteps, int n, int off, Tensor dS) {
        be.multiStateNeuronBackward(op, timeSteps, n, off, dS, h, s, v, cur, adapt, dx, dState, null);
    }

    @Override
    public float[] voltageSequence() {
        if (!storeVoltage) {
            throw new IllegalStateException(label() + ": voltage storage is off (setStoreVoltage(true))");
        }
        float[] out = new float[lastT * lastN];
        be.download(v, 0, out, 0, out.length);
        return out;
    }

    /** {@code 1 / (1 + e^-w)}: a decay in (0, 1) from its learned logit. */
    static double sigmoid(double w) {
        return 1 / (1 + Math.exp(-w));
    }
}
