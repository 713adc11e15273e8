package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;

/** Flattens the per-sample shape to one dimension (a view: no copy). */
public final class Flatten extends Layer {
    public Flatten(String label, int[] inShape) {
        super(label, inShape);
        this.outShape = new int[]{product(inShape)};
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        return x;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        return needInputGrad ? dy : null;
    }
}
