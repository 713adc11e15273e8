package io.github.sparksnn.bench;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.SurrogateFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A neuron that pools its own spikes (2x2, stride 2), forward and backward, two ways on the CPU backend: storing
 * its charges, spikes and maxima for the backward ({@link Backend#neuronForwardMaxPool} /
 * {@link Backend#neuronBackwardMaxPool}) and keeping only the pooled spikes, the backward recomputing the rest from
 * the input ({@link Backend#neuronForwardMaxPoolRecomputable} / {@link Backend#neuronBackwardMaxPoolRecompute}).
 * Before timing, both must give the same pooled spikes and input gradient, bit for bit. Rounds alternate between
 * the two on the same tensors; medians are reported.
 */
public final class NeuronPoolBench {
    /** One layer: {@code channels} planes of {@code size x size} per image; {@code staticInput}: one input for all steps. */
    public record Layer(String name, int size, boolean staticInput) {
    }

    /** Median milliseconds of one way's forward and backward over the layer. */
    public record Result(Layer layer, String way, double forwardMs, double backwardMs) {
        public double totalMs() {
            return forwardMs + backwardMs;
        }
    }

    private final int timeSteps;
    private final int batch;
    private final int channels;
    private final NeuronOp op;

    public NeuronPoolBench(int timeSteps, int batch, int channels, SurrogateFunction surrogate) {
        if (timeSteps < 1 || batch < 1 || channels < 1) {
            throw new IllegalArgumentException("T, batch and channels must be >= 1, got " + timeSteps + ", " + batch
                    + ", " + channels);
        }
        this.timeSteps = timeSteps;
        this.batch = batch;
        this.channels = channels;
        this.op = new NeuronOp(false, false, 0f, 1f, 0f, surrogate, false); // IF, hard reset to 0 (SpikingJelly's default)
    }

    /** The CNN's two pooling neurons: 28x28 after the static first convolution, 14x14 per step after the second. */
    public static List<Layer> cnnLayers() {
        return List.of(new Layer("if after conv1 (static input)", 28, true), new Layer("if after conv2", 14, false));
    }

    public List<Result> run(List<Layer> layers, int warmup, int rounds) {
        List<Result> out = new ArrayList<>();
        try (CpuBackend be = new CpuBackend()) {
            for (Layer l : layers) {
                out.addAll(run(be, l, warmup, rounds));
            }
        }
        return out;
    }

    private List<Result> run(CpuBackend be, Layer l, int warmup, int rounds) {
        final int T = timeSteps, s = l.size(), n = batch * channels * s * s, out = T * n / 4;
        final boolean st = l.staticInput();
        SplittableRandom r = new SplittableRandom(7);
        float[] xs = new float[st ? n : T * n], dys = new float[out];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (r.nextDouble() * 1.6 - 0.2);
        }
        for (int i = 0; i < dys.length; i++) {
            dys[i] = (float) (r.nextDouble() * 2 - 1);
        }
        try (Tensor x = be.alloc(xs.length); Tensor dy = be.alloc(out); Tensor ws = be.alloc(T * n);
             Tensor h = be.alloc(T * n); Tensor sp = be.alloc(T * n); Tensor v = be.alloc(n); Tensor y = be.alloc(out);
             Tensor am = be.alloc(out); Tensor ds = be.alloc(T * n); Tensor dx = be.alloc(st ? n : T * n)) {
            be.upload(xs, 0, x, 0, xs.length);
            be.upload(dys, 0, dy, 0, out);
            float[][] check = new float[4][];
            long[][] fwd = new long[2][rounds], bwd = new long[2][rounds];
            for (int round = -2 * warmup; round < 2 * rounds; round++) {
                int way = Math.floorMod(round, 2);
                be.fill(v, 0, n, op.vInit());
                long t0 = System.nanoTime();
                if (way == 0) {
                    be.neuronForwardMaxPool(op, T, n, x, st, ws, h, sp, v, s, s, 2, 2, y, am);
                } else {
                    be.neuronForwardMaxPoolRecomputable(op, T, n, x, st, ws, h, sp, v, s, s, 2, 2, y, am);
                }
                long t1 = System.nanoTime();
                if (way == 0) {
                    be.neuronBackwardMaxPool(op, T, n, dy, am, s, s, 2, 2, ds, h, sp, st, ws, dx);
                } else {
                    be.neuronBackwardMaxPoolRecompute(op, T, n, x, dy, am, s, s, 2, 2, ds, h, sp, st, ws, dx);
                }
                long t2 = System.nanoTime();
                if (round < 0 && round >= -2) { // the last warm-up pair: the two ways must agree
                    check[2 * way] = download(be, y, out);
                    check[2 * way + 1] = download(be, dx, dx.size());
                } else if (round >= 0) {
                    fwd[way][round / 2] = t1 - t0;
                    bwd[way][round / 2] = t2 - t1;
                }
            }
            if (warmup > 0 && (!Arrays.equals(check[0], check[2]) || !Arrays.equals(check[1], check[3]))) {
                throw new IllegalStateException(l.name() + ": the recomputing pair disagrees with the stored one");
            }
            return List.of(new Result(l, "stored h, s, argmax", median(fwd[0]), median(bwd[0])),
                    new Result(l, "recomputed in backward", median(fwd[1]), median(bwd[1])));
        }
    }

    private static float[] download(Backend be, Tensor t, int n) {
        float[] a = new float[n];
        be.download(t, 0, a, 0, n);
        return a;
    }

    private static double median(long[] ns) {
        long[] c = ns.clone();
        Arrays.sort(c);
        int m = c.length / 2;
        return (c.length % 2 == 1 ? c[m] : (c[m - 1] + c[m]) / 2.0) / 1e6;
    }
}
