package io.github.sparksnn.layer;

import io.github.sparksnn.backend.CounterRng;
import io.github.sparksnn.backend.Tensor;

/**
 * Inverted dropout whose mask is drawn once per sample and shared by all time steps (SpikingJelly's
 * {@code layer.Dropout} in multi-step mode): {@code y[t] = x[t] * m}, {@code m = 1/(1-p)} with probability
 * {@code 1-p}, else 0. The mask comes from a counter-based generator keyed by the pass seed, this layer and
 * the sample index, so it is reproducible and independent of the batch split. Identity in inference.
 */
public final class Dropout extends Layer {
    private final float p;
    private final int index;
    private Tensor y, dx, mask;
    private boolean lastTraining;

    /**
     * @param index the layer's 0-based position in the network: it keys the mask stream
     *              ({@code CounterRng.derive(passSeed, index)})
     */
    public Dropout(String label, int[] inShape, double p, int index) {
        super(label, inShape);
        this.index = index;
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException(label + ": p must be in [0, 1), got " + p);
        }
        this.p = (float) p;
    }

    @Override
    protected void allocateWorkspaces(int rows, int samples) {
        y = tensor(rows * inputSize());
        dx = tensor(rows * inputSize());
        mask = tensor(samples * inputSize());
    }

    @Override
    public Tensor forward(Tensor x, Pass pass) {
        lastTraining = pass.training && p > 0;
        if (!lastTraining) {
            return x;
        }
        int f = inputSize();
        long seed = CounterRng.derive(pass.seed, index);
        be.dropoutMask(mask, pass.samples, f, p, seed, pass.sampleBase * f);
        be.multiplyShared(x, mask, pass.samples * f, pass.timeSteps, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Pass pass, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        if (!lastTraining) {
            return dy;
        }
        be.multiplyShared(dy, mask, pass.samples * inputSize(), pass.timeSteps, dx);
        return dx;
    }
}
