package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batch normalization over the merged {@code T x N} batch (SpikingJelly's {@code SeqToANNContainer} around
 * {@code BatchNorm2d}/{@code BatchNorm1d}): statistics per channel over all {@code T * N} rows (and pixels).
 * Parameters {@code gamma [C]} (init 1) then {@code beta [C]} (init 0). Running statistics (mean 0, var 1
 * initially, momentum update with the unbiased variance) live in the replica, not in the flat parameter vector,
 * and are used in inference passes.
 */
public final class BatchNorm extends Layer {
    private final int channels, hw;
    private final float eps, momentum;
    private Tensor y, dx, mean, invStd, runMean, runVar;
    private Tensor lastX;
    private boolean lastTraining;

    public BatchNorm(String label, int[] inShape, int numFeatures, boolean twoD, double eps, double momentum) {
        super(label, inShape);
        if (twoD && inShape.length != 3) {
            throw shapeError("batchnorm2d expects images [channels, height, width]");
        }
        if (!twoD && inShape.length != 1) {
            throw shapeError("batchnorm1d expects flat features [features]");
        }
        if (inShape[0] != numFeatures) {
            throw shapeError("expects " + numFeatures + (twoD ? " channels" : " features") + ", got " + inShape[0]);
        }
        this.channels = numFeatures;
        this.hw = twoD ? inShape[1] * inShape[2] : 1;
        this.eps = (float) eps;
        this.momentum = (float) momentum;
    }

    @Override
    public int numParameters() {
        return 2 * channels;
    }

    @Override
    public List<ParameterTensor> parameterTensors() {
        return List.of(new ParameterTensor("weight", 0, channels), new ParameterTensor("bias", channels, channels));
    }

    @Override
    public void initParameters(float[] p, int off, SplittableRandom rng) {
        java.util.Arrays.fill(p, off, off + channels, 1f);
        java.util.Arrays.fill(p, off + channels, off + 2 * channels, 0f);
    }

    @Override
    public void bind(io.github.sparksnn.backend.Backend backend, Tensor params, Tensor grads, int off) {
        super.bind(backend, params, grads, off);
        // running statistics persist across workspace reallocations
        runMean = backend.alloc(channels);
        runVar = backend.alloc(channels);
        backend.fill(runVar, 0, channels, 1f);
        mean = backend.alloc(channels);
        invStd = backend.alloc(channels);
    }

    /** Running mean and variance (for inspection and persistence): {@code [mean..., var...]}. */
    public float[] runningStatistics() {
        float[] out = new float[2 * channels];
        be.download(runMean, 0, out, 0, channels);
        be.download(runVar, 0, out, channels, channels);
        return out;
    }

    public void setRunningStatistics(float[] stats) {
        if (stats.length != 2 * channels) {
            throw new IllegalArgumentException(label() + ": expected " + 2 * channels + " running statistics, got " + stats.length);
        }
        be.upload(stats, 0, runMean, 0, channels);
        be.upload(stats, channels, runVar, 0, channels);
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        y = tensor(rows * channels * hw);
        dx = tensor(rows * channels * hw);
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        lastX = x;
        lastTraining = pass.training;
        be.batchNormForward(x, pass.rows(), channels, hw, params, pOff, eps, pass.training, momentum, runMean, runVar,
                mean, invStd, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        if (!lastTraining) {
            throw new IllegalStateException(label() + ": backward after an inference pass");
        }
        be.batchNormBackward(dy, lastX, pass.rows(), channels, hw, params, pOff, mean, invStd, dx, grads, pOff);
        return dx;
    }

    @Override
    public void close() {
        super.close();
        for (Tensor t : new Tensor[]{runMean, runVar, mean, invStd}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
