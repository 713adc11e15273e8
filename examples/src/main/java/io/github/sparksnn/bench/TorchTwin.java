package io.github.sparksnn.bench;

import io.github.sparksnn.model.LayerKind;
import io.github.sparksnn.model.LayerSpec;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.Sigmoid;
import io.github.sparksnn.surrogate.SurrogateFunction;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.atan;
import static org.bytedeco.pytorch.global.torch.avg_pool2d;
import static org.bytedeco.pytorch.global.torch.batch_norm;
import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.linear;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.mse_loss;
import static org.bytedeco.pytorch.global.torch.one_hot;
import static org.bytedeco.pytorch.global.torch.ones;
import static org.bytedeco.pytorch.global.torch.sigmoid;
import static org.bytedeco.pytorch.global.torch.stack;
import static org.bytedeco.pytorch.global.torch.zeros;

/**
 * The same spiking network as a {@link ModelSpec}, written in PyTorch (libtorch 2.10 through JavaCPP's
 * {@code org.bytedeco:pytorch}) the way a SpikingJelly user writes it: multi-step, the time dimension folded into
 * the batch around stateless layers ({@code SeqToANNContainer}), batch norm over {@code T x N}, the static prefix
 * (layers before the first neuron, direct input) computed once per batch, MSE between output firing rates and
 * one-hot labels, Adam. The Heaviside spike with its surrogate gradient is the straight-through form
 * {@code s = g(x) + (H(x) - g(x)).detach()} with {@code g} the surrogate's primitive, which has exactly the
 * surrogate's gradient; SpikingJelly's own CPU path uses a custom autograd function instead (forward H only),
 * so this twin spends one extra elementwise primitive per neuron and step.
 *
 * <p>A benchmark peer only: the parameters can be loaded from the engine's flat vector (PyTorch layout), so
 * {@link TorchPeerCommand} first checks that both compute the same loss and gradient.
 */
final class TorchTwin implements AutoCloseable {
    private final ModelSpec spec;
    private final int timeSteps;
    private final int[] inputShape;
    /** Per layer: its parameter tensors in the engine's order (weight, bias / gamma, beta), empty if none. */
    private final List<Tensor[]> params = new ArrayList<>();
    /** Per batch-norm layer: running mean and variance (not trained). */
    private final List<Tensor[]> running = new ArrayList<>();
    private final int staticPrefix;
    /** Whether libtorch may run convolutions through oneDNN (its fast CPU path); see {@link #TorchTwin}. */
    private boolean oneDnn;
    private Adam optimizer;
    /** The smallest |v - v_threshold| the last spiking forward pass met (+inf before one, or in smooth mode). */
    private double minMargin = Double.POSITIVE_INFINITY;

    /**
     * {@code oneDnn}: let libtorch run convolutions through oneDNN, its fast CPU path. On an AMD EPYC with AVX-512
     * (where libtorch also reports NNPACK unsupported), libtorch 2.10's oneDNN path gave a convolution's input
     * gradient 4-20% off for a second convolution over [T*N] spikes, in smooth mode too, while the engine matched
     * central differences to 3e-7 and libtorch's own ATen convolution matched the engine to 2e-7. Comparisons
     * therefore run without oneDNN; {@code bench torch} times with it where it computes the same gradient.
     */
    TorchTwin(ModelSpec spec, int[] inputShape, int timeSteps, boolean oneDnn) {
        this.spec = spec;
        this.oneDnn = oneDnn;
        this.inputShape = inputShape;
        this.timeSteps = timeSteps;
        int prefix = -1;
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec l = spec.layers().get(i);
            switch (l.kind()) {
                case LINEAR -> {
                    long o = l.getInt("out_features");
                    long in = l.getInt("in_features");
                    params.add(l.getBool("bias") ? new Tensor[]{zeros(o, in), zeros(o)} : new Tensor[]{zeros(o, in)});
                }
                case CONV2D -> {
                    long o = l.getInt("out_channels");
                    long c = l.getInt("in_channels");
                    long k = l.getInt("kernel_size");
                    params.add(l.getBool("bias") ? new Tensor[]{zeros(o, c, k, k), zeros(o)}
                            : new Tensor[]{zeros(o, c, k, k)});
                }
                case BATCHNORM1D, BATCHNORM2D -> {
                    long c = l.getInt("num_features");
                    params.add(new Tensor[]{ones(c), zeros(c)});
                    running.add(new Tensor[]{zeros(c), ones(c)});
                }
                case IF, LIF -> {
                    surrogateOf(l); // fails early on a surrogate without a primitive here
                    params.add(new Tensor[0]);
                    if (prefix < 0) {
                        prefix = i;
                    }
                }
                case FLATTEN, MAXPOOL2D, AVGPOOL2D -> params.add(new Tensor[0]);
                default -> throw new IllegalArgumentException("the PyTorch twin has no " + l.kind().specName()
                        + " layer (it knows linear, conv2d, batchnorm, if, lif, maxpool2d, avgpool2d, flatten)");
            }
        }
        this.staticPrefix = prefix < 0 ? spec.layers().size() : prefix;
        for (Tensor[] ps : params) {
            for (Tensor p : ps) {
                p.set_requires_grad(true);
            }
        }
    }

    /** Whether later passes may run convolutions through oneDNN (see the constructor). */
    void useOneDnn(boolean on) {
        oneDnn = on;
    }

    boolean usesOneDnn() {
        return oneDnn;
    }

    /** Copies the engine's flat parameter vector (PyTorch layout, layer by layer) into the twin; resets Adam. */
    void load(float[] flat) {
        int off = 0;
        for (Tensor[] ps : params) {
            for (Tensor p : ps) {
                int n = (int) p.numel();
                try (PointerScope scope = new PointerScope()) {
                    FloatPointer fp = new FloatPointer(n);
                    fp.put(flat, off, n);
                    Tensor src = from_blob(fp, p.sizes().vec().get());
                    org.bytedeco.pytorch.NoGradGuard guard = new org.bytedeco.pytorch.NoGradGuard();
                    p.copy_(src);
                    guard.close();
                }
                off += n;
            }
        }
        if (off != flat.length) {
            throw new IllegalArgumentException("the engine has " + flat.length + " parameters, the twin " + off);
        }
        TensorVector all = new TensorVector();
        for (Tensor[] ps : params) {
            for (Tensor p : ps) {
                all.push_back(p);
            }
        }
        optimizer = new Adam(all, new AdamOptions(1e-3));
    }

    /**
     * Relative L2 distance between the engine's gradient sum over {@code n} samples and this twin's mean gradient
     * (so the twin's is scaled by {@code n}); NaN when the engine's gradient is zero.
     */
    double relativeGradientError(float[] engineSum, int n) {
        float[] mean = gradients();
        double num = 0;
        double den = 0;
        for (int i = 0; i < engineSum.length; i++) {
            double d = (double) mean[i] * n - engineSum[i];
            num += d * d;
            den += (double) engineSum[i] * engineSum[i];
        }
        return den > 0 ? Math.sqrt(num / den) : Double.NaN;
    }

    /** The gradients of the last {@link #lossAndBackward}, in the engine's flat layout. */
    float[] gradients() {
        int total = 0;
        for (Tensor[] ps : params) {
            for (Tensor p : ps) {
                total += (int) p.numel();
            }
        }
        float[] flat = new float[total];
        int off = 0;
        for (Tensor[] ps : params) {
            for (Tensor p : ps) {
                int n = (int) p.numel();
                Tensor g = p.grad().contiguous();
                new FloatPointer(g.data_ptr_float()).capacity(n).get(flat, off, n);
                off += n;
            }
        }
        return flat;
    }

    /**
     * The smallest distance between a membrane potential and its threshold in the last {@link #lossAndBackward}'s
     * spiking neurons (+inf when every neuron was in smooth mode). Two float implementations of the same network
     * round differently; they fire the same spikes only where this margin exceeds their rounding difference.
     */
    double minMargin() {
        return minMargin;
    }

    /** Zeroes the gradients, runs forward and backward on a batch of {@code n} images; returns the mean loss. */
    float lossAndBackward(float[] x, int[] y, int n) {
        minMargin = Double.POSITIVE_INFINITY;
        org.bytedeco.pytorch.global.torch.globalContext().setUserEnabledMkldnn(oneDnn);
        try (PointerScope scope = new PointerScope()) {
            for (Tensor[] ps : params) {
                for (Tensor p : ps) {
                    if (p.grad().defined()) {
                        p.grad().zero_();
                    }
                }
            }
            long[] shape = new long[inputShape.length + 1];
            shape[0] = n;
            for (int i = 0; i < inputShape.length; i++) {
                shape[i + 1] = inputShape[i];
            }
            FloatPointer xp = new FloatPointer(x.length);
            xp.put(x, 0, x.length);
            long[] ys = new long[n];
            for (int i = 0; i < n; i++) {
                ys[i] = y[i];
            }
            Tensor input = from_blob(xp, shape);
            Tensor labels = from_blob(new LongPointer(ys), new long[]{n}, new TensorOptions(ScalarType.Long));
            Tensor rates = forward(input, n);
            Tensor loss = mse_loss(rates, one_hot(labels, rates.size(1)).toType(ScalarType.Float));
            loss.backward();
            return loss.item_float();
        }
    }

    /** One training step: forward, backward, Adam. */
    void trainStep(float[] x, int[] y, int n) {
        lossAndBackward(x, y, n);
        optimizer.step();
    }

    /** Output firing rates [n, classes]. */
    private Tensor forward(Tensor input, int n) {
        Tensor h = input;
        boolean sequence = false; // false: [n, ...] static; true: [T*n, ...]
        int bn = 0;
        List<LayerSpec> layers = spec.layers();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            Tensor[] p = params.get(i);
            switch (l.kind()) {
                case LINEAR -> h = p.length == 2 ? linear(h, p[0], new TensorOptional(p[1])) : linear(h, p[0]);
                case CONV2D -> {
                    long s = l.getInt("stride");
                    long pad = l.getInt("padding");
                    h = conv2d(h, p[0], p.length == 2 ? new TensorOptional(p[1]) : new TensorOptional(),
                            new long[]{s}, new long[]{pad}, new long[]{1}, 1);
                }
                case BATCHNORM1D, BATCHNORM2D -> {
                    Tensor[] r = running.get(bn++);
                    h = batch_norm(h, new TensorOptional(p[0]), new TensorOptional(p[1]), new TensorOptional(r[0]),
                            new TensorOptional(r[1]), true, l.getDouble("momentum"), l.getDouble("eps"), false);
                }
                case MAXPOOL2D -> h = max_pool2d(h, new long[]{l.getInt("kernel_size")},
                        new long[]{l.getInt("stride")}, new long[]{0}, new long[]{1}, false);
                case AVGPOOL2D -> h = avg_pool2d(h, new long[]{l.getInt("kernel_size")},
                        new long[]{l.getInt("stride")}, new long[]{0}, false, true,
                        new org.bytedeco.pytorch.LongOptional());
                case FLATTEN -> h = h.flatten(1, -1);
                case IF, LIF -> {
                    h = neuron(l, h, !sequence, n);
                    sequence = true;
                }
                default -> throw new IllegalStateException(l.kind().toString());
            }
        }
        if (!sequence) {
            return h;
        }
        long[] rest = new long[]{timeSteps, n, -1};
        return h.reshape(rest).mean(0);
    }

    /** A multi-step IF/LIF neuron over [T*n, ...] (or a static [n, ...] input repeated T times); returns [T*n, ...]. */
    private Tensor neuron(LayerSpec l, Tensor x, boolean staticInput, int n) {
        SurrogateFunction sg = surrogateOf(l);
        double vth = l.getDouble("v_threshold");
        Double vReset = l.getNullableDouble("v_reset");
        boolean detachReset = l.getBool("detach_reset");
        boolean lif = l.kind() == LayerKind.LIF;
        double tau = lif ? l.getDouble("tau") : 1;
        boolean decayInput = lif && l.getBool("decay_input");
        long[] step = new long[]{timeSteps, n};
        TensorVector out = new TensorVector();
        Tensor v = null;
        for (int t = 0; t < timeSteps; t++) {
            Tensor xt = staticInput ? x : x.reshape(concat(step, x.sizes().vec().get())).select(0, t);
            double r = vReset == null ? 0 : vReset;
            if (v == null) {
                v = zerosLikeShape(xt).add(new Scalar(r));
            }
            if (!lif) {
                v = v.add(xt);
            } else if (decayInput) {
                v = v.add(xt.sub(v.sub(new Scalar(r))).mul(new Scalar(1 / tau)));
            } else {
                v = v.sub(v.sub(new Scalar(r)).mul(new Scalar(1 / tau))).add(xt);
            }
            Tensor s = spike(v.sub(new Scalar(vth)), sg);
            out.push_back(s);
            Tensor sr = detachReset ? s.detach() : s;
            v = vReset == null ? v.sub(sr.mul(new Scalar(vth)))
                    : v.mul(sr.mul(new Scalar(-1.0)).add(new Scalar(1.0))).add(sr.mul(new Scalar(r)));
        }
        Tensor seq = stack(out, 0);
        long[] dims = seq.sizes().vec().get();
        long[] folded = new long[dims.length - 1];
        folded[0] = dims[0] * dims[1];
        System.arraycopy(dims, 2, folded, 1, dims.length - 2);
        return seq.reshape(folded);
    }

    private static long[] concat(long[] head, long[] shape) {
        long[] out = new long[head.length + shape.length - 1];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(shape, 1, out, head.length, shape.length - 1);
        return out;
    }

    private static Tensor zerosLikeShape(Tensor t) {
        return zeros(t.sizes().vec().get());
    }

    /**
     * Heaviside forward, the surrogate's gradient backward (straight-through over its primitive); in smooth mode
     * ({@code spiking=false}) the primitive itself, as SpikingJelly's {@code spiking=False}.
     */
    private Tensor spike(Tensor x, SurrogateFunction sg) {
        Tensor g;
        if (sg instanceof ATan a) {
            g = atan(x.mul(new Scalar(Math.PI / 2 * a.alpha()))).mul(new Scalar(1 / Math.PI)).add(new Scalar(0.5));
        } else if (sg instanceof Sigmoid s) {
            g = sigmoid(x.mul(new Scalar(s.alpha())));
        } else {
            throw new IllegalStateException(sg.toString());
        }
        if (!sg.isSpiking()) {
            return g;
        }
        minMargin = Math.min(minMargin, x.abs().min().item_float());
        Tensor hard = x.ge(new Scalar(0.0)).toType(ScalarType.Float);
        return g.add(hard.sub(g).detach());
    }

    private static SurrogateFunction surrogateOf(LayerSpec l) {
        SurrogateFunction sg = l.getSurrogate("surrogate");
        if (!(sg instanceof ATan) && !(sg instanceof Sigmoid)) {
            throw new IllegalArgumentException("the PyTorch twin knows the ATan and Sigmoid surrogates, not " + sg);
        }
        return sg;
    }

    @Override
    public void close() {
        for (Tensor[] ps : params) {
            for (Tensor p : ps) {
                p.close();
            }
        }
    }
}
