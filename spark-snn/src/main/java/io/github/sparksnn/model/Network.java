package io.github.sparksnn.model;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.layer.MaxPool2d;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.neuron.NeuronLayer;
import io.github.sparksnn.neuron.SpikingNeuron;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A built model: its layers bound to one backend, one flat parameter tensor and one flat gradient tensor
 * (layer slices in spec order, each layer's tensors in PyTorch order: weight then bias). Multi-step forward over
 * {@code [T, N, inputShape]}, backward through every layer, and single-step streaming through
 * {@link Pass#keepState}. Not thread-safe.
 */
public final class Network implements AutoCloseable {
    private final ModelSpec spec;
    private final int[] inputShape;
    private final List<Layer> layers;
    private final int[] offsets;
    private final int numParameters;
    private final int firstParameterLayer;
    private final Backend be;
    private final Tensor params;
    private final Tensor grads;
    private float[] scratch = new float[0];
    private final Pass stepPass = new Pass();
    private final Pass staticPass = new Pass();
    private final int staticPrefix;
    private int staticPrefixUsed;
    private boolean staticNeuron; // the last forwardStatic fed its prefix's output to a neuron without repeating it
    private final boolean[] poolsOwnSpikes; // layer i is a neuron that max-pools its spikes for layer i + 1
    private Tensor expanded;
    private Tensor timeSum;

    private Network(ModelSpec spec, int[] inputShape, Backend be) {
        this.spec = spec;
        this.inputShape = inputShape.clone();
        this.layers = spec.buildLayers(inputShape);
        this.offsets = new int[layers.size()];
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            offsets[i] = (int) total;
            total += layers.get(i).numParameters();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model has too many parameters for one flat vector: " + total);
        }
        this.numParameters = (int) total;
        int first = layers.size();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).numParameters() > 0) {
                first = i;
                break;
            }
        }
        this.firstParameterLayer = first;
        int sp = 0;
        while (sp < layers.size() && timeInvariant(layers.get(sp))) {
            sp++;
        }
        this.staticPrefix = sp;
        this.poolsOwnSpikes = new boolean[layers.size()];
        for (int i = 0; i + 1 < layers.size(); i++) {
            poolsOwnSpikes[i] = layers.get(i) instanceof NeuronLayer nl && layers.get(i + 1) instanceof MaxPool2d mp
                    && nl.canFuse(mp);
        }
        this.be = be;
        this.params = be.alloc(numParameters);
        this.grads = be.alloc(numParameters);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).bind(be, params, grads, offsets[i]);
        }
    }

    /** Builds and binds a network (checking every shape) with zero parameters; see {@link #initialParameters}. */
    public static Network build(ModelSpec spec, int[] inputShape, Backend backend) {
        return new Network(spec, inputShape, backend);
    }

    /**
     * PyTorch-default initial parameters, deterministic in {@code seed}: layers draw in spec order from one
     * {@link SplittableRandom}. Linear/conv weights and biases {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}
     * ({@code kaiming_uniform_(a=sqrt(5))}); batch norm gamma 1, beta 0; PLIF {@code w = -ln(init_tau - 1)}.
     */
    public float[] initialParameters(long seed) {
        return initialParameters(layers, numParameters, seed);
    }

    /** The same without a backend: from a spec and an input shape. */
    public static float[] initialParameters(ModelSpec spec, int[] inputShape, long seed) {
        List<Layer> ls = spec.buildLayers(inputShape);
        int n = 0;
        for (Layer l : ls) {
            n += l.numParameters();
        }
        return initialParameters(ls, n, seed);
    }

    /**
     * The buffers (batch-norm running statistics, layout of {@link #runningStatistics()}) of a freshly built
     * network: per batch-norm layer {@code channels} zeros (means) then {@code channels} ones (variances).
     */
    public static float[] initialRunningStatistics(ModelSpec spec, int[] inputShape) {
        List<Layer> ls = spec.buildLayers(inputShape);
        int n = 0;
        for (Layer l : ls) {
            if (l instanceof io.github.sparksnn.layer.BatchNorm b) {
                n += b.numParameters();
            }
        }
        float[] out = new float[n];
        int off = 0;
        for (Layer l : ls) {
            if (l instanceof io.github.sparksnn.layer.BatchNorm b) {
                int c = b.numParameters() / 2;
                java.util.Arrays.fill(out, off + c, off + 2 * c, 1f);
                off += 2 * c;
            }
            l.close();
        }
        return out;
    }

    private static float[] initialParameters(List<Layer> layers, int n, long seed) {
        float[] p = new float[n];
        SplittableRandom rng = new SplittableRandom(seed);
        int off = 0;
        for (Layer l : layers) {
            l.initParameters(p, off, rng);
            off += l.numParameters();
        }
        return p;
    }

    public ModelSpec spec() {
        return spec;
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public int featureSize() {
        return Layer.product(inputShape);
    }

    /** Width of the last layer's output (the number of classes). */
    public int outputSize() {
        return layers.get(layers.size() - 1).outputSize();
    }

    public int numParameters() {
        return numParameters;
    }

    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    public Backend backend() {
        return be;
    }

    public Tensor parameterTensor() {
        return params;
    }

    public Tensor gradientTensor() {
        return grads;
    }

    /** Offset of layer {@code i}'s parameters in the flat vector. */
    public int parameterOffset(int i) {
        return offsets[i];
    }

    /** Every parameter tensor by name ({@code 2.linear.weight}: 1-based layer index, kind, tensor), offset, length. */
    public List<Layer.ParameterTensor> namedParameters() {
        List<Layer.ParameterTensor> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String prefix = (i + 1) + "." + spec.layers().get(i).kind().specName() + ".";
            for (Layer.ParameterTensor t : layers.get(i).parameterTensors()) {
                out.add(new Layer.ParameterTensor(prefix + t.name(), offsets[i] + t.offset(), t.length()));
            }
        }
        return out;
    }

    public void setParameters(float[] p) {
        if (p.length != numParameters) {
            throw new IllegalArgumentException("expected " + numParameters + " parameters, got " + p.length);
        }
        be.upload(p, 0, params, 0, numParameters);
    }

    /**
     * Loads {@code p[from, to)} into the same range of the parameters; {@code p} has the full length. Disjoint
     * ranges may be loaded from several threads at once (the CPU backend copies with absolute indices).
     */
    public void setParameters(float[] p, int from, int to) {
        if (p.length != numParameters || from < 0 || to < from || to > numParameters) {
            throw new IllegalArgumentException("parameter range [" + from + ", " + to + ") of " + p.length
                    + " values does not fit " + numParameters + " parameters");
        }
        be.upload(p, from, params, from, to - from);
    }

    public float[] parameters() {
        float[] p = new float[numParameters];
        be.download(params, 0, p, 0, numParameters);
        return p;
    }

    public void zeroGradients() {
        be.fill(grads, 0, numParameters, 0f);
    }

    /** {@code out[outOff + i] = grad[from + i]} for {@code i < len}. */
    public void copyGradientsTo(int from, float[] out, int outOff, int len) {
        if (from < 0 || len < 0 || from + len > numParameters || outOff < 0 || outOff + len > out.length) {
            throw new IllegalArgumentException("gradient range [" + from + ", " + (from + len) + ") into " + out.length
                    + " floats at " + outOff + " does not fit " + numParameters + " parameters");
        }
        be.download(grads, from, out, outOff, len);
    }

    /** {@code sum[i] += grad[i]} (no allocation after the first call). */
    public void addGradientsTo(float[] sum) {
        if (sum.length != numParameters) {
            throw new IllegalArgumentException("gradient array has length " + sum.length + ", expected " + numParameters);
        }
        if (scratch.length != numParameters) {
            scratch = new float[numParameters];
        }
        be.download(grads, 0, scratch, 0, numParameters);
        for (int i = 0; i < numParameters; i++) {
            sum[i] += scratch[i];
        }
    }

    /** Sizes every workspace for up to {@code samples} samples of {@code timeSteps} steps. */
    public void allocate(int timeSteps, int samples) {
        for (Layer l : layers) {
            l.allocate(timeSteps, samples);
        }
        int size = staticPrefix == 0 ? featureSize() : layers.get(staticPrefix - 1).outputSize();
        if ((long) timeSteps * samples * size > (expanded == null ? 0 : expanded.size())) {
            if (expanded != null) {
                expanded.close();
                timeSum.close();
            }
            expanded = be.alloc(timeSteps * samples * size);
            timeSum = be.alloc(samples * size);
        }
    }

    /** Forward over {@code [T, N, inputShape]}; returns the last layer's output {@code [T, N, outputSize]}. */
    public Tensor forward(Tensor x, Pass pass) {
        staticPrefixUsed = 0;
        staticNeuron = false;
        return forwardFrom(0, x, pass);
    }

    /** Layers {@code i..} in order; a neuron followed by a max pooling runs the two as one backend operation. */
    private Tensor forwardFrom(int i, Tensor cur, Pass pass) {
        return forwardRange(i, layers.size(), cur, pass, null);
    }

    /**
     * Layers {@code from} to {@code to - 1} in order, as {@link #forward} runs them (a neuron followed by a max
     * pooling as one backend operation), on {@code x}, the input of layer {@code from}; returns the output of layer
     * {@code to - 1} ({@code x} itself when the range is empty). {@code layerDone}, when not null, is called after
     * each layer with its index and its output (valid until the layer's next forward); a fused neuron's own output
     * is not materialized, so it reports only its pooling.
     *
     * @throws IllegalArgumentException when the range is out of bounds or ends between a neuron and the pooling
     *                                  fused with it ({@link #fusedWithNext})
     */
    public Tensor forwardRange(int from, int to, Tensor x, Pass pass, java.util.function.ObjIntConsumer<Tensor> layerDone) {
        if (from < 0 || to > layers.size() || from > to) {
            throw new IllegalArgumentException("cannot run layers " + from + " to " + (to - 1) + " of " + layers.size());
        }
        int split = from > 0 && poolsOwnSpikes[from - 1] ? from - 1 : to > from && poolsOwnSpikes[to - 1] ? to - 1 : -1;
        if (split >= 0) {
            throw new IllegalArgumentException("cannot run layers " + from + " to " + (to - 1) + ": layer " + split
                    + " is a neuron fused with the pooling after it");
        }
        Tensor cur = x;
        for (int i = from; i < to; i++) {
            if (poolsOwnSpikes[i]) {
                cur = ((NeuronLayer) layers.get(i)).forwardMaxPool(cur, false, null, (MaxPool2d) layers.get(i + 1), pass);
                i++;
            } else {
                cur = layers.get(i).forward(cur, pass);
            }
            if (layerDone != null) {
                layerDone.accept(cur, i);
            }
        }
        return cur;
    }

    /**
     * The number of leading time-invariant layers (flatten, linear, conv2d, pooling, batch norm, dropout): in
     * inference their output at a step depends on that step's input alone, so they can run on any rows in any
     * grouping (the steps of several samples or sequences at once) with the same result per row.
     */
    public int staticPrefixLength() {
        return staticPrefix;
    }

    /**
     * Whether layer {@code i} is a neuron whose max pooling (layer {@code i + 1}) runs fused with it: its own spikes
     * are not materialized, and a {@link #forwardRange} cannot end between the two.
     */
    public boolean fusedWithNext(int i) {
        return poolsOwnSpikes[i];
    }

    /**
     * Forward of an input that is the same at every time step (direct encoding), given once as {@code [N, inputShape]}.
     * The leading time-invariant layers (flatten, linear, conv2d, pooling, batch norm, dropout with its time-shared
     * mask) run
     * on {@code N} rows instead of {@code T * N}; their output is then repeated over time for the first stateful
     * layer. Same result as repeating the input first, at a fraction of the first layers' cost; in backward the
     * gradient is summed over time once, before those layers ({@code dW = (sum_t dY_t)^T X}).
     */
    public Tensor forwardStatic(Tensor x, Pass pass) {
        staticPass.set(1, pass.samples, pass.training, pass.seed, pass.sampleBase);
        Tensor cur = x;
        int i = 0;
        while (i < staticPrefix) {
            cur = layers.get(i).forward(cur, staticPass);
            i++;
        }
        staticPrefixUsed = i;
        int size = i == 0 ? featureSize() : layers.get(i - 1).outputSize();
        staticNeuron = i < layers.size() && layers.get(i) instanceof NeuronLayer nl && nl.acceptsStaticInput();
        if (staticNeuron && poolsOwnSpikes[i]) {
            // the first stateful layer is a neuron: it charges from the one copy at every step (no repetition),
            // here pooling its spikes too
            cur = ((NeuronLayer) layers.get(i)).forwardMaxPool(cur, true, expanded, (MaxPool2d) layers.get(i + 1), pass);
            i += 2;
        } else if (staticNeuron) {
            cur = ((NeuronLayer) layers.get(i)).forwardStatic(cur, expanded, pass);
            i++;
        } else {
            be.repeat(cur, pass.samples * size, pass.timeSteps, expanded);
            cur = expanded;
        }
        return forwardFrom(i, cur, pass);
    }

    private static boolean timeInvariant(Layer l) {
        return l instanceof io.github.sparksnn.layer.Flatten || l instanceof io.github.sparksnn.layer.Linear
                || l instanceof io.github.sparksnn.layer.Conv2d || l instanceof io.github.sparksnn.layer.MaxPool2d
                || l instanceof io.github.sparksnn.layer.AvgPool2d || l instanceof io.github.sparksnn.layer.Dropout
                // batch statistics of T identical copies equal those of one copy (upstream's CSNN computes its
                // "static conv" and BN once the same way); the running variance's unbiased count is then N*HW
                || l instanceof io.github.sparksnn.layer.BatchNorm;
    }

    /**
     * Backward from the gradient w.r.t. the output; accumulates into the gradient tensor. The layers up to the
     * first one with parameters get no input gradient (nothing below them would use it): for
     * {@code flatten | linear | ...} this skips the first layer's largest GEMM.
     */
    public void backward(Tensor dOut, Pass pass) {
        backward(dOut, pass, null);
    }

    /**
     * As {@link #backward(Tensor, Pass)}, calling {@code layerDone} with each layer's index (descending) once its
     * backward has run, so its gradient slice ({@link #parameterOffset}) holds this pass's whole contribution; a fused
     * neuron and pooling pair reports the neuron. Null: no calls.
     */
    public void backward(Tensor dOut, Pass pass, java.util.function.IntConsumer layerDone) {
        Tensor g = dOut;
        int stop = staticPrefixUsed;
        int low = !staticNeuron ? stop : poolsOwnSpikes[stop] ? stop + 2 : stop + 1;
        for (int i = layers.size() - 1; i >= low; i--) {
            boolean needInputGrad = i > firstParameterLayer;
            if (i - 1 >= low && poolsOwnSpikes[i - 1]) {
                if (!needInputGrad) {
                    return;
                }
                // the pooling at i ran inside the neuron at i - 1: back through both at once
                g = ((NeuronLayer) layers.get(i - 1)).backwardMaxPool(g, (MaxPool2d) layers.get(i), false, null);
                i--;
                needInputGrad = i > firstParameterLayer;
            } else {
                g = layers.get(i).backward(g, pass, needInputGrad);
            }
            if (layerDone != null) {
                layerDone.accept(i);
            }
            if (!needInputGrad) {
                return;
            }
        }
        // reached only when the static prefix holds parameters (stop > firstParameterLayer):
        // the static prefix: sum the gradient over time once, then back through its layers on N rows
        if (staticNeuron) {
            if (stop <= firstParameterLayer) {
                return; // the neuron has no parameters of its own (acceptsStaticInput) and nothing below learns
            }
            NeuronLayer first = (NeuronLayer) layers.get(stop); // its input gradient is summed over time in the kernel
            g = poolsOwnSpikes[stop] ? first.backwardMaxPool(g, (MaxPool2d) layers.get(stop + 1), true, timeSum)
                    : first.backwardStatic(g, pass, timeSum);
        } else {
            int size = layers.get(stop - 1).outputSize();
            be.sumOverTime(g, pass.samples * size, pass.timeSteps, timeSum);
            g = timeSum;
        }
        for (int i = stop - 1; i >= 0; i--) {
            boolean needInputGrad = i > firstParameterLayer;
            g = layers.get(i).backward(g, staticPass, needInputGrad);
            if (layerDone != null) {
                layerDone.accept(i);
            }
            if (!needInputGrad) {
                return;
            }
        }
    }

    /**
     * Single-step (streaming) inference: one time step of {@code samples} inputs {@code [N, inputShape]}; neurons
     * continue from their membrane state (SpikingJelly's step mode {@code 's'}) until {@link #resetState()}. Returns
     * the output {@code [N, outputSize]} of this step (valid until the next pass).
     */
    public Tensor stepForward(Tensor x, int samples) {
        allocate(1, samples);
        stepPass.set(1, samples, false, 0, 0);
        stepPass.keepState = true;
        return forward(x, stepPass);
    }

    /**
     * Non-trainable state (batch-norm running means and variances, in layer order; empty without batch norm). Not
     * part of the flat parameter vector: trainers that predict on other replicas copy it with
     * {@link #setRunningStatistics(float[])}.
     */
    public float[] runningStatistics() {
        int n = 0;
        for (Layer l : layers) {
            if (l instanceof io.github.sparksnn.layer.BatchNorm b) {
                n += b.numParameters();
            }
        }
        float[] out = new float[n];
        int off = 0;
        for (Layer l : layers) {
            if (l instanceof io.github.sparksnn.layer.BatchNorm b) {
                float[] s = b.runningStatistics();
                System.arraycopy(s, 0, out, off, s.length);
                off += s.length;
            }
        }
        return out;
    }

    /** Restores what {@link #runningStatistics()} returned (same model). */
    public void setRunningStatistics(float[] stats) {
        int expected = runningStatistics().length;
        if (stats.length != expected) {
            throw new IllegalArgumentException("expected " + expected + " running statistics, got " + stats.length);
        }
        int off = 0;
        for (Layer l : layers) {
            if (l instanceof io.github.sparksnn.layer.BatchNorm b) {
                int n = b.numParameters();
                b.setRunningStatistics(java.util.Arrays.copyOfRange(stats, off, off + n));
                off += n;
            }
        }
    }

    /** Switches every neuron's surrogate between spiking (Heaviside) and smooth (primitive) forward. */
    public void setSpikingMode(boolean spiking) {
        for (Layer l : layers) {
            if (l instanceof SpikingNeuron n) {
                n.surrogate().setSpikingMode(spiking);
            }
        }
    }

    /** Forgets every neuron's membrane state (single-step mode). */
    public void resetState() {
        for (Layer l : layers) {
            if (l instanceof SpikingNeuron n) {
                n.resetState();
            } else if (l instanceof io.github.sparksnn.layer.LeakyReadout r) {
                r.resetState();
            }
        }
    }

    @Override
    public void close() {
        for (Layer l : layers) {
            l.close();
        }
        params.close();
        grads.close();
        if (expanded != null) {
            expanded.close();
            timeSum.close();
        }
    }
}
