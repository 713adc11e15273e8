package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;

/**
 * A non-spiking leaky integrator, the membrane readout of snnTorch's regression and membrane-loss tutorials
 * (a {@code Leaky} neuron whose threshold is never reached) and Norse's {@code LICell}: its output is the membrane
 * potential itself, with no firing and no reset.
 * <pre>
 * U[t] = a U[t-1] + c X[t],   U[-1] = 0,   a = 1 - 1/tau,   c = 1/tau (decay_input) or 1
 * </pre>
 * so {@code U = L X} over time with the lower-triangular {@code T x T} matrix {@code L[t, s] = c a^(t-s)}
 * ({@code s <= t}). Why a matrix: the recurrence is linear, so one GEMM on the backend runs it for all samples and
 * features at once (and the backward is {@code dX = L^T dU}, exact), with no neuron kernel of its own on either
 * backend. The cost is {@code T^2} per output; a readout has few outputs. Passes with {@link Pass#keepState}
 * (single steps, truncated-BPTT windows) carry {@code U} on: the state adds {@code a^(t+1) U[-1]} to step {@code t},
 * a constant to the backward.
 */
public final class LeakyReadout extends Layer {
    private final double tau;
    private final boolean decayInput;
    private Tensor u;
    private Tensor dx;
    private Tensor state;
    private Tensor matrix;   // L, T x T
    private Tensor carry;    // a^(t+1), T x 1
    private int matrixT = -1;
    private int stateSamples = -1;

    public LeakyReadout(String label, int[] inShape, double tau, boolean decayInput) {
        super(label, inShape);
        if (!(tau >= 1 && Double.isFinite(tau))) {
            throw new IllegalArgumentException(label + ": tau must be finite and >= 1 (a decay 1 - 1/tau in [0, 1)), "
                    + "got " + tau);
        }
        this.tau = tau;
        this.decayInput = decayInput;
    }

    public double tau() {
        return tau;
    }

    public boolean decayInput() {
        return decayInput;
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        u = tensor(rows * inputSize());
        dx = tensor(rows * inputSize());
        state = tensor(samples * inputSize());
        stateSamples = -1;
    }

    /** Builds L and the carry column for {@code T} steps (in double, rounded once). */
    private void ensureMatrix(int timeSteps) {
        if (timeSteps == matrixT) {
            return;
        }
        closeMatrix();
        double a = 1 - 1 / tau;
        double c = decayInput ? 1 / tau : 1;
        float[] l = new float[timeSteps * timeSteps];
        float[] col = new float[timeSteps];
        for (int t = 0; t < timeSteps; t++) {
            for (int s = 0; s <= t; s++) {
                l[t * timeSteps + s] = (float) (c * Math.pow(a, t - s));
            }
            col[t] = (float) Math.pow(a, t + 1);
        }
        matrix = be.alloc(l.length);
        carry = be.alloc(timeSteps);
        be.upload(l, 0, matrix, 0, l.length);
        be.upload(col, 0, carry, 0, timeSteps);
        matrixT = timeSteps;
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        int t = pass.timeSteps;
        int m = pass.samples * inputSize();
        ensureMatrix(t);
        be.gemm(false, false, t, m, t, 1f, matrix, 0, t, x, 0, m, 0f, u, 0, m);
        if (pass.keepState && stateSamples == pass.samples) {
            be.gemm(false, false, t, m, 1, 1f, carry, 0, 1, state, 0, m, 1f, u, 0, m);
        }
        // kept after every pass, as the neurons keep theirs: a multi-step pass may be the first window of a
        // truncated-BPTT run, which the next window continues
        be.copy(u, (t - 1) * m, state, 0, m);
        stateSamples = pass.samples;
        return u;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        int t = pass.timeSteps;
        int m = pass.samples * inputSize();
        ensureMatrix(t);
        be.gemm(true, false, t, m, t, 1f, matrix, 0, t, dy, 0, m, 0f, dx, 0, m);
        return dx;
    }

    /** Forgets the carried membrane: the next single-step pass starts from {@code U = 0}. */
    public void resetState() {
        stateSamples = -1;
    }

    private void closeMatrix() {
        if (matrix != null) {
            matrix.close();
            carry.close();
            matrix = null;
            carry = null;
            matrixT = -1;
        }
    }

    @Override
    public void close() {
        closeMatrix();
        super.close();
    }
}
