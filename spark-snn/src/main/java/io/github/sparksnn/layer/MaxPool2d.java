package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;

/** Max pooling per channel (window k, stride s, no padding, floor), gradient routed to the first maximum. */
public final class MaxPool2d extends Pool2d {
    private Tensor y, idx, dx;

    public MaxPool2d(String label, int[] inShape, int k, int s) {
        super(label, inShape, k, s);
    }

    /**
     * The output and argmax workspaces, for a neuron that pools its own spikes into them
     * ({@link io.github.sparksnn.backend.Backend#neuronForwardMaxPool}); valid after {@link #allocate}.
     */
    public Tensor outputTensor() {
        return y;
    }

    public Tensor argmaxTensor() {
        return idx;
    }

    /** The input-gradient workspace {@code [T, N, in]} (a fusing neuron's scratch for the spike gradient). */
    public Tensor inputGradientTensor() {
        return dx;
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        y = tensor(rows * outputSize());
        idx = tensor(rows * outputSize());
        dx = tensor(rows * inputSize());
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        be.maxPoolForward(x, pass.rows() * c, h, w, k, s, y, idx);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        be.maxPoolBackward(dy, idx, pass.rows() * c, h, w, k, s, dx);
        return dx;
    }
}
