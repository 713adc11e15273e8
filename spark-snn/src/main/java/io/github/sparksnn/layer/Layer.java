package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multi-step layer: maps {@code [T, N, inShape]} to {@code [T, N, outShape]}, with its parameters at an offset
 * of the network's flat parameter tensor and its gradients at the same offset of the flat gradient tensor.
 * All computation goes through the {@link Backend}. Workspaces are allocated by {@link #allocate} for a maximum
 * number of samples and reused; a layer is not thread-safe.
 */
public abstract class Layer implements AutoCloseable {
    private final String label;
    protected final int[] inShape;
    protected int[] outShape;
    protected Backend be;
    protected Tensor params;
    protected Tensor grads;
    protected int pOff;
    protected int capacity;       // samples
    protected int capacityRows;   // time steps x samples
    private final List<Tensor> owned = new ArrayList<>();

    /**
     * @param label   how errors name the layer, e.g. {@code layer 2 'linear(784, 512)'}
     * @param inShape per-sample input shape
     */
    protected Layer(String label, int[] inShape) {
        this.label = label;
        this.inShape = inShape.clone();
        this.outShape = inShape.clone();
    }

    /** The label errors use. */
    public String label() {
        return label;
    }

    public int[] inputShape() {
        return inShape.clone();
    }

    public int[] outputShape() {
        return outShape.clone();
    }

    public int inputSize() {
        return product(inShape);
    }

    public int outputSize() {
        return product(outShape);
    }

    public int numParameters() {
        return 0;
    }

    /** Names and lengths of this layer's parameter tensors, in flat-vector order (e.g. weight, bias). */
    public List<ParameterTensor> parameterTensors() {
        return List.of();
    }

    /** Writes PyTorch-default initial values into {@code p[off ...]}, drawing from {@code rng}. */
    public void initParameters(float[] p, int off, SplittableRandom rng) {
    }

    /** Binds the backend and the flat parameter / gradient tensors (this layer's slice starts at {@code off}). */
    public void bind(Backend backend, Tensor params, Tensor grads, int off) {
        this.be = backend;
        this.params = params;
        this.grads = grads;
        this.pOff = off;
    }

    /** Ensures workspaces for up to {@code samples} samples of {@code timeSteps} steps (grows, never shrinks). */
    public final void allocate(int timeSteps, int samples) {
        if (samples <= capacity && (long) timeSteps * samples <= capacityRows) {
            return; // big enough: e.g. single-step passes reuse the multi-step workspaces (and neuron state)
        }
        freeOwned();
        this.capacity = Math.max(samples, capacity);
        this.capacityRows = Math.max(timeSteps * samples, capacityRows);
        allocateWorkspaces(capacityRows, capacity);
    }

    /** Allocates the workspaces (through {@link #tensor}) for {@code rows = T * N} rows of N samples. */
    protected abstract void allocateWorkspaces(int rows, int samples);

    /** A workspace tensor freed on reallocation / close. */
    protected final Tensor tensor(int n) {
        Tensor t = be.alloc(n);
        owned.add(t);
        return t;
    }

    /** Forward over {@code [T, N, in]}; the returned tensor belongs to the layer (valid until its next forward). */
    public abstract Tensor forward(Tensor x, Pass pass);

    /**
     * Backward: given {@code dy} (gradient w.r.t. this layer's last output), accumulates parameter gradients and
     * returns the gradient w.r.t. its input ({@code null} when {@code needInputGrad} is false).
     */
    public abstract Tensor backward(Tensor dy, Pass pass, boolean needInputGrad);

    private void freeOwned() {
        for (Tensor t : owned) {
            t.close();
        }
        owned.clear();
    }

    @Override
    public void close() {
        freeOwned();
        capacity = 0;
        capacityRows = 0;
    }

    protected IllegalArgumentException shapeError(String what) {
        return new IllegalArgumentException(label + ": " + what + " (input shape " + Arrays.toString(inShape) + ")");
    }

    public static int product(int[] shape) {
        long p = 1;
        for (int d : shape) {
            p *= d;
        }
        if (p > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large");
        }
        return (int) p;
    }

    /** PyTorch's default {@code kaiming_uniform_(a=sqrt(5))} bound for weights and biases: {@code 1/sqrt(fanIn)}. */
    protected static void uniform(float[] p, int off, int n, double bound, SplittableRandom rng) {
        for (int i = 0; i < n; i++) {
            p[off + i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
    }

    /**
     * The parameter tensors of a weight matrix {@code [outputs, fanIn]} followed, with {@code bias}, by a bias of
     * {@code outputs} (Linear and Conv2d lay theirs out alike).
     */
    protected static List<ParameterTensor> weightAndBias(int outputs, int fanIn, boolean bias) {
        int weights = outputs * fanIn;
        return bias ? List.of(new ParameterTensor("weight", 0, weights), new ParameterTensor("bias", weights, outputs))
                : List.of(new ParameterTensor("weight", 0, weights));
    }

    /** Fills the weight matrix and bias of {@link #weightAndBias} uniformly within {@code 1/sqrt(fanIn)}. */
    protected static void initWeightAndBias(float[] p, int off, int outputs, int fanIn, boolean bias,
                                            SplittableRandom rng) {
        double bound = 1 / Math.sqrt(fanIn);
        uniform(p, off, outputs * fanIn, bound, rng);
        if (bias) {
            uniform(p, off + outputs * fanIn, outputs, bound, rng);
        }
    }

    /** A named parameter tensor of a layer: its name (e.g. {@code weight}), offset within the layer, and length. */
    public record ParameterTensor(String name, int offset, int length) {
    }
}
