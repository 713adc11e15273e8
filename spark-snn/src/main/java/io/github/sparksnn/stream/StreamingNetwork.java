package io.github.sparksnn.stream;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.model.Network;
import io.github.sparksnn.neuron.SpikingNeuron;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained network that applies events to per-key states: {@link #step} runs a key's next {@code k} events (one
 * time step each, {@code [k, featureSize]}) as one multi-step forward of one sample that starts from the key's
 * {@link KeyState} and leaves the new state in it. Every layer below a neuron is time-invariant or per-step
 * (linear, conv, pooling, batch norm in inference, dropout off), and every neuron's kernel runs its steps in order
 * from the carried state, so splitting a sequence into calls changes no float: the outputs equal {@link #offline}'s
 * over the whole sequence, provided the backend's GEMM computes each row alone (see the package doc).
 *
 * <p>The network runs in two parts. The <em>prefix</em>, its leading time-invariant layers
 * ({@link Network#staticPrefixLength()}: for {@code flatten | linear(784, 512) | lif | ...} the flatten and the
 * first linear layer), holds no state, so {@link #prefix} runs it on the events of many keys at once (one GEMM for a
 * batch of events); {@link #stepCurrents} runs the rest, the stateful part, on one key's prefix outputs (its
 * <em>currents</em>, {@link #currentSize()} floats per event) from its state. {@link #step} is the two in one call.
 * Chosen layers' outputs can be recorded per event ({@link #recordedLayers()}); a recorded layer inside the prefix
 * ends the prefix there, so its output is the currents.
 *
 * <p>The model's encoder is not applied: an event's features are the network's input at that step, as given. Not
 * thread-safe (one replica per thread); the parameters are loaded once, at construction.
 */
public final class StreamingNetwork implements AutoCloseable {
    private final Network net;
    private final Backend be;
    private final List<SpikingNeuron> neurons = new ArrayList<>();
    private final int[] stateOffsets;
    private final int stateSize;
    private final int featureSize;
    private final int outputSize;
    private final long fingerprint;
    private final int prefix;
    private final int currentSize;
    private final int[] recorded;
    private final int[] recordedOffsets;
    private final int recordedSize;
    private final Pass pass = new Pass();
    private Tensor input;
    private int inputCapacity;
    private float[] scratch = new float[0];

    /** As {@link #StreamingNetwork(ModelSpec, int[], float[], float[], Backend, int[])} recording no layer. */
    public StreamingNetwork(ModelSpec spec, int[] inputShape, float[] parameters, float[] buffers, Backend backend) {
        this(spec, inputShape, parameters, buffers, backend, new int[0]);
    }

    /**
     * Builds the replica on {@code backend} (owned and closed with it) and loads {@code parameters} and
     * {@code buffers} (batch-norm running statistics, {@link Network#runningStatistics()}'s layout).
     *
     * @param recordLayers layers (0-based indices into the spec's layers, distinct) whose output at each event
     *                     {@link #stepCurrents} also returns, in this order
     * @throws IllegalArgumentException when the parameters or buffers do not fit the spec, or a layer to record is
     *                                  out of range, repeated, or a neuron whose spikes are pooled inside its own
     *                                  kernel (its output is never materialized)
     */
    public StreamingNetwork(ModelSpec spec, int[] inputShape, float[] parameters, float[] buffers, Backend backend,
                            int[] recordLayers) {
        this.be = backend;
        this.net = Network.build(spec, inputShape, backend);
        try {
            net.setParameters(parameters);
            net.setRunningStatistics(buffers);
            checkRecordable(net, recordLayers);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        for (Layer l : net.layers()) {
            if (l instanceof io.github.sparksnn.layer.LeakyReadout) {
                // Its membrane lives in the layer between passes and is not part of the per-key state: one key would
                // start from the previous key's membrane. Refused until the state carries it.
                net.close();
                throw new IllegalArgumentException("layer '" + l.label() + "': a membrane readout cannot be streamed "
                        + "yet (its membrane is not kept per key); stream a model whose last layer is a spiking neuron");
            }
        }
        int total = 0;
        List<Integer> offsets = new ArrayList<>();
        for (Layer l : net.layers()) {
            if (l instanceof SpikingNeuron n) {
                neurons.add(n);
                offsets.add(total);
                total += n.stateSize();
            }
        }
        this.stateOffsets = offsets.stream().mapToInt(Integer::intValue).toArray();
        this.stateSize = total;
        this.featureSize = net.featureSize();
        this.outputSize = net.outputSize();
        this.fingerprint = fingerprint(spec.toString(), inputShape, parameters, buffers);
        this.recorded = recordLayers.clone();
        this.recordedOffsets = new int[recorded.length];
        int p = net.staticPrefixLength();
        int r = 0;
        for (int i = 0; i < recorded.length; i++) {
            p = Math.min(p, recorded[i] + 1);
            recordedOffsets[i] = r;
            r += net.layers().get(recorded[i]).outputSize();
        }
        this.prefix = p;
        this.recordedSize = r;
        this.currentSize = p == 0 ? featureSize : net.layers().get(p - 1).outputSize();
    }

    /** Throws naming the first layer index of {@code layers} that cannot be recorded, and why. */
    private static void checkRecordable(Network net, int[] layers) {
        int n = net.layers().size();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int l : layers) {
            if (l < 0 || l >= n) {
                throw new IllegalArgumentException("layer " + (l + 1) + " does not exist: the model has layers 1 to "
                        + n);
            }
            if (!seen.add(l)) {
                throw new IllegalArgumentException("layer " + (l + 1) + " is chosen twice");
            }
            if (net.fusedWithNext(l)) {
                throw new IllegalArgumentException("layer " + (l + 1) + " (" + net.layers().get(l).label() + ") pools "
                        + "its spikes inside its own kernel, so its output is never materialized: choose layer "
                        + (l + 2) + ", the pooling");
            }
        }
    }

    /**
     * The model's identity for checkpoints: the first 8 bytes of SHA-256 over the spec's canonical text, the input
     * shape, and the bits of the parameters and buffers. Another architecture or other weights give another value.
     */
    public static long fingerprint(String spec, int[] inputShape, float[] parameters, float[] buffers) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(spec.getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.allocate(4 * (3 + inputShape.length + parameters.length + buffers.length));
            b.putInt(inputShape.length);
            for (int d : inputShape) {
                b.putInt(d);
            }
            b.putInt(parameters.length);
            for (float p : parameters) {
                b.putInt(Float.floatToRawIntBits(p));
            }
            b.putInt(buffers.length);
            for (float p : buffers) {
                b.putInt(Float.floatToRawIntBits(p));
            }
            md.update(b.array());
            return ByteBuffer.wrap(md.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public long fingerprint() {
        return fingerprint;
    }

    /** Floats of input per event. */
    public int featureSize() {
        return featureSize;
    }

    /** Width of the last layer's output per event (the number of classes). */
    public int outputSize() {
        return outputSize;
    }

    /** Floats of neuron state per key (every neuron's {@link SpikingNeuron#stateSize()}, in layer order). */
    public int stateSize() {
        return stateSize;
    }

    /** The state of a key that has seen no event: every neuron at its initial state, no output yet. */
    public KeyState initialState() {
        return new KeyState(fingerprint, new float[stateSize], new float[outputSize]);
    }

    /** A state from {@link KeyState#encode()}, checked against this model ({@link KeyState#decode}). */
    public KeyState decode(byte[] bytes) {
        return KeyState.decode(bytes, fingerprint, stateSize, outputSize);
    }

    /**
     * Floats per event between the prefix and the stateful part: the output of the prefix's last layer, the input
     * of {@link #stepCurrents} (the feature size when the prefix is empty).
     */
    public int currentSize() {
        return currentSize;
    }

    /** The number of leading layers {@link #prefix} runs (see the class comment). */
    public int prefixLength() {
        return prefix;
    }

    /** The recorded layers (0-based), in the order of {@link #stepCurrents}'s {@code recorded} output. */
    public int[] recordedLayers() {
        return recorded.clone();
    }

    /** The output size of layer {@code layer} (0-based) per event. */
    public int layerOutputSize(int layer) {
        return net.layers().get(layer).outputSize();
    }

    /**
     * Throws naming the first of {@code layers} (0-based) that a replica of this spec could not record, and why:
     * what {@link #StreamingNetwork(ModelSpec, int[], float[], float[], Backend, int[])} checks, without parameters.
     */
    public static void checkRecordable(ModelSpec spec, int[] inputShape, int[] layers) {
        try (Network n = Network.build(spec, inputShape, new io.github.sparksnn.backend.CpuBackend(1, true))) {
            checkRecordable(n, layers);
        }
    }

    /** Floats per event of the recorded layers' outputs together. */
    public int recordedSize() {
        return recordedSize;
    }

    /**
     * Applies {@code events} events, {@code features[fOff ..]} as {@code [events, featureSize]}, to {@code state}:
     * writes the last layer's output of each event to {@code out[outOff ..]} ({@code [events, outputSize]}), adds it
     * to the state's output sums and counts the steps. The same as {@link #prefix} then {@link #stepCurrents}.
     *
     * @throws IllegalArgumentException on a non-finite feature (naming the event and index), a range that does
     *                                  not fit, or a state of another model
     */
    public void step(KeyState state, float[] features, int fOff, int events, float[] out, int outOff) {
        checkState(state);
        if (events < 1 || outOff < 0 || (long) outOff + (long) events * outputSize > out.length) {
            throw new IllegalArgumentException(events + " event(s) do not fit their outputs at " + outOff + " of "
                    + out.length);
        }
        float[] currents = new float[events * currentSize];
        prefix(features, fOff, events, currents, 0);
        stepCurrents(state, currents, 0, events, out, outOff, null, 0);
    }

    /**
     * Runs the prefix (see the class comment) on {@code events} events of any keys, {@code features[fOff ..]} as
     * {@code [events, featureSize]}, into {@code currents[cOff ..]} ({@code [events, currentSize]}). Each event's
     * currents depend on its own features alone.
     *
     * @throws IllegalArgumentException on a non-finite feature (naming the event and index) or a range that does
     *                                  not fit
     */
    public void prefix(float[] features, int fOff, int events, float[] currents, int cOff) {
        if (events < 1 || fOff < 0 || (long) fOff + (long) events * featureSize > features.length || cOff < 0
                || (long) cOff + (long) events * currentSize > currents.length) {
            throw new IllegalArgumentException(events + " event(s) at " + fOff + " of " + featureSize
                    + " features do not fit " + features.length + " floats, or their currents " + currents.length);
        }
        for (int i = 0; i < events * featureSize; i++) {
            if (!Float.isFinite(features[fOff + i])) {
                throw new IllegalArgumentException("event " + i / featureSize + " of " + events + ": feature "
                        + i % featureSize + " is " + features[fOff + i]);
            }
        }
        if (prefix == 0) {
            System.arraycopy(features, fOff, currents, cOff, events * featureSize);
            return;
        }
        ensureInput(events);
        net.allocate(1, events);
        be.upload(features, fOff, input, 0, events * featureSize);
        pass.set(1, events, false, 0, 0);
        Tensor y = net.forwardRange(0, prefix, input, pass, null);
        be.download(y, 0, currents, cOff, events * currentSize);
    }

    /**
     * Applies one key's next {@code events} events, given as their prefix outputs {@code currents[cOff ..]}
     * ({@code [events, currentSize]}, from {@link #prefix}), to {@code state}, as {@link #step} does; when
     * {@code recordedOut} is not null, also writes the recorded layers' outputs of each event to
     * {@code recordedOut[rOff ..]} ({@code [events, recordedSize]}, each event's layers in {@link #recordedLayers()}
     * order).
     *
     * @throws IllegalArgumentException on a range that does not fit or a state of another model
     */
    public void stepCurrents(KeyState state, float[] currents, int cOff, int events, float[] out, int outOff,
                             float[] recordedOut, int rOff) {
        checkState(state);
        if (events < 1 || cOff < 0 || (long) cOff + (long) events * currentSize > currents.length || outOff < 0
                || (long) outOff + (long) events * outputSize > out.length || recordedOut != null && (rOff < 0
                || (long) rOff + (long) events * recordedSize > recordedOut.length)) {
            throw new IllegalArgumentException(events + " event(s) at " + cOff + " of " + currentSize
                    + " currents do not fit " + currents.length + " floats, or their outputs " + out.length
                    + (recordedOut == null ? "" : " or recorded layers " + recordedOut.length));
        }
        ensureInput(events);
        net.allocate(events, 1); // before loading the state: allocating afresh forgets it
        if (state.steps() == 0) {
            net.resetState(); // each neuron starts from its initial state exactly as a multi-step pass does
        } else {
            float[] s = state.neuronState();
            for (int i = 0; i < neurons.size(); i++) {
                neurons.get(i).writeState(1, s, stateOffsets[i]);
            }
        }
        be.upload(currents, cOff, input, 0, events * currentSize);
        pass.set(events, 1, false, 0, 0);
        pass.keepState = true;
        if (recordedOut != null) {
            for (int r = 0; r < recorded.length; r++) {
                if (recorded[r] == prefix - 1) { // the currents themselves
                    scatter(currents, cOff, events, currentSize, recordedOut, rOff, recordedOffsets[r]);
                }
            }
        }
        Tensor y = net.forwardRange(prefix, net.layers().size(), input, pass,
                recordedOut == null || recorded.length == 0 ? null
                        : (t, layer) -> record(t, layer, events, recordedOut, rOff));
        be.download(y, 0, out, outOff, events * outputSize);
        float[] s = state.neuronState();
        for (int i = 0; i < neurons.size(); i++) {
            neurons.get(i).readState(1, s, stateOffsets[i]);
        }
        state.addOutputs(out, outOff, events);
    }

    private void checkState(KeyState state) {
        if (state.fingerprint() != fingerprint) {
            throw new IllegalArgumentException(String.format("state of model %016x given to model %016x",
                    state.fingerprint(), fingerprint));
        }
    }

    /** Copies layer {@code layer}'s output {@code [rows, size]} into its place in {@code into}, when recorded. */
    private void record(Tensor t, int layer, int rows, float[] into, int off) {
        for (int r = 0; r < recorded.length; r++) {
            if (recorded[r] == layer) {
                int size = net.layers().get(layer).outputSize();
                if (scratch.length < rows * size) {
                    scratch = new float[rows * size];
                }
                be.download(t, 0, scratch, 0, rows * size);
                scatter(scratch, 0, rows, size, into, off, recordedOffsets[r]);
            }
        }
    }

    /** Row {@code e} of {@code src} ({@code [rows, size]}) to {@code into[off + e * recordedSize + at ..]}. */
    private void scatter(float[] src, int srcOff, int rows, int size, float[] into, int off, int at) {
        for (int e = 0; e < rows; e++) {
            System.arraycopy(src, srcOff + e * size, into, off + e * recordedSize + at, size);
        }
    }

    /**
     * The reference: the network's multi-step forward over one sample's whole sequence {@code [T, featureSize]}
     * from the initial state; returns the last layer's outputs {@code [T, outputSize]}.
     */
    public float[] offline(float[] sequence, int timeSteps) {
        return offline(sequence, timeSteps, null);
    }

    /**
     * As {@link #offline(float[], int)}; when {@code recordedOut} is not null, also writes the recorded layers'
     * outputs at every step into it ({@code [T, recordedSize]}, as {@link #stepCurrents} lays them out), from the
     * same one forward over the whole sequence.
     */
    public float[] offline(float[] sequence, int timeSteps, float[] recordedOut) {
        if (timeSteps < 1 || (long) timeSteps * featureSize != sequence.length) {
            throw new IllegalArgumentException("a sequence of " + timeSteps + " steps needs " + (long) timeSteps
                    * featureSize + " floats, got " + sequence.length);
        }
        if (recordedOut != null && recordedOut.length != timeSteps * recordedSize) {
            throw new IllegalArgumentException("the recorded layers of " + timeSteps + " steps need "
                    + timeSteps * recordedSize + " floats, got " + recordedOut.length);
        }
        ensureInput(timeSteps);
        net.allocate(timeSteps, 1);
        be.upload(sequence, 0, input, 0, sequence.length);
        pass.set(timeSteps, 1, false, 0, 0);
        Tensor y = net.forwardRange(0, net.layers().size(), input, pass, recordedOut == null ? null
                : (t, layer) -> record(t, layer, timeSteps, recordedOut, 0));
        float[] out = new float[timeSteps * outputSize];
        be.download(y, 0, out, 0, out.length);
        return out;
    }

    private void ensureInput(int events) {
        if (events > inputCapacity) {
            if (input != null) {
                input.close();
            }
            inputCapacity = Math.max(events, 2 * inputCapacity);
            input = be.alloc(inputCapacity * Math.max(featureSize, currentSize));
        }
    }

    @Override
    public void close() {
        net.close();
        if (input != null) {
            input.close();
        }
        be.close();
    }
}
