package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;

/**
 * A spec encoder layer ({@code delta}, {@code population}): a fixed code with no parameters, computed on the host
 * (one download and one upload per pass on a GPU, as the {@code latency} input encoder does) by the same code
 * object as its Spark stage, so that the two agree bit for bit.
 *
 * <p><b>Backward.</b> An encoder is not trained and passes no gradient to its input: the spec puts it before every
 * layer with parameters ({@code ModelSpec.buildLayers} checks), so the network never asks it for one, and
 * {@link #backward} returns null when asked for none and fails when asked for one. A zero or straight-through
 * gradient would be a silent fiction: the delta code is a step function of its input, and nothing below an
 * encoder learns.
 */
public abstract class EncodingLayer extends Layer {
    private Tensor y;
    private float[] in = new float[0];
    private float[] out = new float[0];

    protected EncodingLayer(String label, int[] inShape, int[] outShape) {
        super(label, inShape);
        this.outShape = outShape.clone();
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        y = tensor(rows * outputSize());
    }

    /** Codes {@code x [T, N, inputSize]} into {@code y [T, N, outputSize]} (host arrays, {@code y} overwritten). */
    protected abstract void encode(float[] x, float[] y, Pass pass);

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        int n = pass.rows() * inputSize();
        int m = pass.rows() * outputSize();
        if (in.length < n) {
            in = new float[n];
        }
        if (out.length < m) {
            out = new float[m];
        }
        be.download(x, 0, in, 0, n);
        encode(in, out, pass);
        be.upload(out, 0, y, 0, m);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        throw new IllegalStateException(label() + ": an encoder layer passes no gradient to its input (it must come "
                + "before every layer with parameters)");
    }
}
