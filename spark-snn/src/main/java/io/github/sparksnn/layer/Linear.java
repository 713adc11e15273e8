package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fully connected layer {@code y = x W^T + b} applied to all {@code T * N} rows (weights shared over time).
 * Parameters in PyTorch layout: {@code W [out, in]} then {@code b [out]}. Backward: {@code dW += dY^T X},
 * {@code db += colsum(dY)}, {@code dX = dY W}.
 */
public final class Linear extends Layer {
    private final int in;
    private final int out;
    private final boolean bias;
    private Tensor y;
    private Tensor dx;
    private Tensor lastX;

    public Linear(String label, int[] inShape, int in, int out, boolean bias) {
        super(label, inShape);
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException(label + ": in and out features must be > 0");
        }
        if (inShape.length != 1 || inShape[0] != in) {
            throw shapeError("expects " + in + " input features" + (inShape.length > 1 ? "; add flatten before it" : ""));
        }
        this.in = in;
        this.out = out;
        this.bias = bias;
        this.outShape = new int[]{out};
    }

    @Override
    public int numParameters() {
        return out * in + (bias ? out : 0);
    }

    @Override
    public List<ParameterTensor> parameterTensors() {
        return weightAndBias(out, in, bias);
    }

    @Override
    public void initParameters(float[] p, int off, SplittableRandom rng) {
        initWeightAndBias(p, off, out, in, bias, rng);
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        y = tensor(rows * out);
        dx = tensor(rows * in);
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        int rows = pass.rows();
        lastX = x;
        be.gemm(false, true, rows, out, in, 1f, x, 0, in, params, pOff, in, 0f, y, 0, out);
        if (bias) {
            be.addRowBias(y, 0, rows, out, params, pOff + out * in);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        int rows = pass.rows();
        be.gemm(true, false, out, in, rows, 1f, dy, 0, out, lastX, 0, in, 1f, grads, pOff, in);
        if (bias) {
            be.accumulateColumnSums(dy, 0, rows, out, grads, pOff + out * in);
        }
        if (!needInputGrad) {
            return null;
        }
        be.gemm(false, false, rows, in, out, 1f, dy, 0, out, params, pOff, in, 0f, dx, 0, in);
        return dx;
    }
}
