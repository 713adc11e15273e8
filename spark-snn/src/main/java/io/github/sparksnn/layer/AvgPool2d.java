package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;

/** Average pooling per channel (window k, stride s, no padding, floor). */
public final class AvgPool2d extends Pool2d {
    private Tensor y, dx;

    public AvgPool2d(String label, int[] inShape, int k, int s) {
        super(label, inShape, k, s);
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        y = tensor(rows * outputSize());
        dx = tensor(rows * inputSize());
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        be.avgPoolForward(x, pass.rows() * c, h, w, k, s, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        be.avgPoolBackward(dy, pass.rows() * c, h, w, k, s, dx);
        return dx;
    }
}
