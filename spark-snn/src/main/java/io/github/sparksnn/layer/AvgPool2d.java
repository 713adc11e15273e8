package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;

/** Average pooling per channel (window k, stride s, no padding, floor). */
public final class AvgPool2d extends Layer {
    private final int k, s, c, h, w;
    private Tensor y, dx;

    public AvgPool2d(String label, int[] inShape, int k, int s) {
        super(label, inShape);
        if (inShape.length != 3) {
            throw shapeError("expects images [channels, height, width]");
        }
        this.k = k;
        this.s = s;
        this.c = inShape[0];
        this.h = inShape[1];
        this.w = inShape[2];
        if (h < k || w < k) {
            throw shapeError("window " + k + " is larger than the input");
        }
        this.outShape = new int[]{c, (h - k) / s + 1, (w - k) / s + 1};
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
