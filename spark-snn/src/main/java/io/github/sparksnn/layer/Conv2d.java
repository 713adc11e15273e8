package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * 2-D convolution over all {@code T * N} images (weights shared over time), by im2col + GEMM per image:
 * {@code Y_img [Cout, Ho*Wo] = W [Cout, Cin*k*k] . col(X_img) [Cin*k*k, Ho*Wo]}. Backward recomputes the columns
 * (memory stays O(one image)): {@code dW^T += col dY_img^T} over the images, added to {@code dW} transposed once
 * (OpenBLAS runs that shape, m = Cin*k*k, 15-25% faster than m = Cout), and {@code dX_img = col2im(W^T dY_img)}.
 * Parameters in PyTorch layout {@code W [Cout, Cin, k, k]} then {@code b [Cout]}; default init bound
 * {@code 1/sqrt(Cin k k)}.
 */
public final class Conv2d extends Layer {
    private final int cin, cout, k, stride, pad, h, w, ho, wo, ckk;
    private final boolean bias;
    private Tensor y, dx, col, dcol, dwT;
    private Tensor lastX;

    public Conv2d(String label, int[] inShape, int cin, int cout, int k, int stride, int pad, boolean bias) {
        super(label, inShape);
        if (inShape.length != 3) {
            throw shapeError("expects images [channels, height, width]");
        }
        if (inShape[0] != cin) {
            throw shapeError("expects " + cin + " input channels, got " + inShape[0]);
        }
        this.cin = cin;
        this.cout = cout;
        this.k = k;
        this.stride = stride;
        this.pad = pad;
        this.bias = bias;
        this.h = inShape[1];
        this.w = inShape[2];
        this.ho = (h + 2 * pad - k) / stride + 1;
        this.wo = (w + 2 * pad - k) / stride + 1;
        if (h + 2 * pad < k || w + 2 * pad < k) {
            throw shapeError("kernel " + k + " is larger than the padded input");
        }
        this.ckk = cin * k * k;
        this.outShape = new int[]{cout, ho, wo};
    }

    @Override
    public int numParameters() {
        return cout * ckk + (bias ? cout : 0);
    }

    @Override
    public List<ParameterTensor> parameterTensors() {
        return weightAndBias(cout, ckk, bias);
    }

    @Override
    public void initParameters(float[] p, int off, SplittableRandom rng) {
        initWeightAndBias(p, off, cout, ckk, bias, rng);
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        y = tensor(rows * cout * ho * wo);
        dx = tensor(rows * cin * h * w);
        col = tensor(ckk * ho * wo);
        dcol = tensor(ckk * ho * wo);
        dwT = tensor(ckk * cout);
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        int rows = pass.rows();
        int inSz = cin * h * w, outSz = cout * ho * wo, hw = ho * wo;
        lastX = x;
        for (int r = 0; r < rows; r++) {
            be.im2col(x, r * inSz, cin, h, w, k, k, stride, stride, pad, pad, col, 0);
            be.gemm(false, false, cout, hw, ckk, 1f, params, pOff, ckk, col, 0, hw, 0f, y, r * outSz, hw);
        }
        if (bias) {
            be.addChannelBias(y, rows, cout, hw, params, pOff + cout * ckk);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        int rows = pass.rows();
        int inSz = cin * h * w, outSz = cout * ho * wo, hw = ho * wo;
        if (bias) {
            be.accumulateChannelSums(dy, rows, cout, hw, grads, pOff + cout * ckk);
        }
        for (int r = 0; r < rows; r++) {
            be.im2col(lastX, r * inSz, cin, h, w, k, k, stride, stride, pad, pad, col, 0);
            be.gemm(false, true, ckk, cout, hw, 1f, col, 0, hw, dy, r * outSz, hw, r == 0 ? 0f : 1f, dwT, 0, cout);
            if (needInputGrad) {
                be.gemm(true, false, ckk, hw, cout, 1f, params, pOff, ckk, dy, r * outSz, hw, 0f, dcol, 0, hw);
                be.col2imSet(dcol, 0, cin, h, w, k, k, stride, stride, pad, pad, dx, r * inSz); // no zeroing pass
            }
        }
        if (rows > 0) {
            be.addTransposed(dwT, ckk, cout, grads, pOff);
        }
        return needInputGrad ? dx : null;
    }
}
