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
    private final Pass pass = new Pass();
    private Tensor input;
    private int inputCapacity;

    /**
     * Builds the replica on {@code backend} (owned and closed with it) and loads {@code parameters} and
     * {@code buffers} (batch-norm running statistics, {@link Network#runningStatistics()}'s layout).
     *
     * @throws IllegalArgumentException when the parameters or buffers do not fit the spec
     */
    public StreamingNetwork(ModelSpec spec, int[] inputShape, float[] parameters, float[] buffers, Backend backend) {
        this.be = backend;
        this.net = Network.build(spec, inputShape, backend);
        try {
            net.setParameters(parameters);
            net.setRunningStatistics(buffers);
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
     * Applies {@code events} events, {@code features[fOff ..]} as {@code [events, featureSize]}, to {@code state}:
     * writes the last layer's output of each event to {@code out[outOff ..]} ({@code [events, outputSize]}), adds it
     * to the state's output sums and counts the steps.
     *
     * @throws IllegalArgumentException on a non-finite feature (naming the event and index), a range that does
     *                                  not fit, or a state of another model
     */
    public void step(KeyState state, float[] features, int fOff, int events, float[] out, int outOff) {
        if (state.fingerprint() != fingerprint) {
            throw new IllegalArgumentException(String.format("state of model %016x given to model %016x",
                    state.fingerprint(), fingerprint));
        }
        if (events < 1 || fOff < 0 || (long) fOff + (long) events * featureSize > features.length || outOff < 0
                || (long) outOff + (long) events * outputSize > out.length) {
            throw new IllegalArgumentException(events + " event(s) at " + fOff + " of " + featureSize
                    + " features do not fit " + features.length + " floats, or their outputs " + out.length);
        }
        for (int i = 0; i < events * featureSize; i++) {
            if (!Float.isFinite(features[fOff + i])) {
                throw new IllegalArgumentException("event " + i / featureSize + " of " + events + ": feature "
                        + i % featureSize + " is " + features[fOff + i]);
            }
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
        be.upload(features, fOff, input, 0, events * featureSize);
        pass.set(events, 1, false, 0, 0);
        pass.keepState = true;
        Tensor y = net.forward(input, pass);
        be.download(y, 0, out, outOff, events * outputSize);
        float[] s = state.neuronState();
        for (int i = 0; i < neurons.size(); i++) {
            neurons.get(i).readState(1, s, stateOffsets[i]);
        }
        state.addOutputs(out, outOff, events);
    }

    /**
     * The reference: the network's multi-step forward over one sample's whole sequence {@code [T, featureSize]}
     * from the initial state; returns the last layer's outputs {@code [T, outputSize]}.
     */
    public float[] offline(float[] sequence, int timeSteps) {
        if (timeSteps < 1 || (long) timeSteps * featureSize != sequence.length) {
            throw new IllegalArgumentException("a sequence of " + timeSteps + " steps needs " + (long) timeSteps
                    * featureSize + " floats, got " + sequence.length);
        }
        ensureInput(timeSteps);
        net.allocate(timeSteps, 1);
        be.upload(sequence, 0, input, 0, sequence.length);
        pass.set(timeSteps, 1, false, 0, 0);
        Tensor y = net.forward(input, pass);
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
            input = be.alloc(inputCapacity * featureSize);
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
