package io.github.sparksnn.stream;

import java.nio.ByteBuffer;

/**
 * Everything a stream keeps for one key between events: every neuron's state (in the layout of
 * {@link StreamingNetwork#stateSize()}), the running sums of the last layer's outputs, the number of steps applied,
 * the time of the last applied event, how many of the key's events were dropped as late, and the fingerprint of the
 * model that wrote it.
 *
 * <p>Binary form (big-endian), {@code 48 + 4 (K + S)} bytes for {@code K} outputs and {@code S} state floats:
 * <pre>
 * int magic "SNNS", int version 1, long fingerprint, long steps, long lastTime, long lateDropped,
 * int K, int S, float[K] output sums, float[S] neuron state
 * </pre>
 * {@link #decode} accepts exactly that length for the model it is given, so a file of another model or a truncated
 * or padded value fails with the reason, and nothing is allocated from a length read off the input.
 */
public final class KeyState {
    static final int MAGIC = 0x534E4E53; // "SNNS"
    static final int VERSION = 1;
    static final int HEADER_BYTES = 48;
    /** {@link #lastTime()} of a key that has applied no event. */
    public static final long NO_TIME = Long.MIN_VALUE;

    private final long fingerprint;
    private final float[] neuronState;
    private final float[] outputSums;
    private long steps;
    private long lastTime = NO_TIME;
    private long lateDropped;

    KeyState(long fingerprint, float[] neuronState, float[] outputSums) {
        this.fingerprint = fingerprint;
        this.neuronState = neuronState;
        this.outputSums = outputSums;
    }

    public long fingerprint() {
        return fingerprint;
    }

    /** Events applied since the key started (or was last reset). */
    public long steps() {
        return steps;
    }

    /** The time (or sequence number) of the last applied event; {@link #NO_TIME} before the first. */
    public long lastTime() {
        return lastTime;
    }

    public void setLastTime(long t) {
        this.lastTime = t;
    }

    /** Events of this key dropped because they came at or before {@link #lastTime()}. */
    public long lateDropped() {
        return lateDropped;
    }

    public void addLateDropped(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("a late count cannot shrink: " + n);
        }
        lateDropped += n;
    }

    /** Copies the running sums of the last layer's outputs ({@code K} values) into {@code into}. */
    public void outputSums(float[] into) {
        if (into.length != outputSums.length) {
            throw new IllegalArgumentException("output sums need " + outputSums.length + " values, got " + into.length);
        }
        System.arraycopy(outputSums, 0, into, 0, into.length);
    }

    /** The neuron state itself (the replica reads and writes it in place). */
    float[] neuronState() {
        return neuronState;
    }

    /** Size of {@link #encode()}'s result in bytes. */
    public int encodedSize() {
        return HEADER_BYTES + 4 * (outputSums.length + neuronState.length);
    }

    /**
     * Forgets the neurons' state and the outputs (a new session for the key, as after a long gap); keeps the last
     * time and the late count.
     */
    public void reset() {
        java.util.Arrays.fill(neuronState, 0f);
        java.util.Arrays.fill(outputSums, 0f);
        steps = 0;
    }

    void addOutputs(float[] out, int off, int events) {
        int k = outputSums.length;
        for (int e = 0; e < events; e++) { // in time order: the same sums as the offline rate's loop over t
            for (int c = 0; c < k; c++) {
                outputSums[c] += out[off + e * k + c];
            }
        }
        steps += events;
    }

    /**
     * The running firing rates {@code sum_t out[t] / steps} into {@code rates} ({@code K} values), computed as the
     * classifier's offline rates are ({@code sum * (1f / steps)}), so after a key's {@code T} events they equal its
     * {@code rawPrediction}; zeros before the first event.
     */
    public void rates(float[] rates) {
        if (rates.length != outputSums.length) {
            throw new IllegalArgumentException("rates need " + outputSums.length + " values, got " + rates.length);
        }
        float inv = steps == 0 ? 0f : 1f / steps;
        for (int c = 0; c < rates.length; c++) {
            rates[c] = outputSums[c] * inv;
        }
    }

    /** The binary form described in the class comment. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(encodedSize());
        b.putInt(MAGIC).putInt(VERSION).putLong(fingerprint).putLong(steps).putLong(lastTime).putLong(lateDropped);
        b.putInt(outputSums.length).putInt(neuronState.length);
        for (float f : outputSums) {
            b.putFloat(f);
        }
        for (float f : neuronState) {
            b.putFloat(f);
        }
        return b.array();
    }

    /**
     * Decodes {@link #encode()}'s bytes for a model with {@code fingerprint}, {@code stateSize} state floats and
     * {@code outputs} outputs.
     *
     * @throws IllegalArgumentException naming what does not match: the length, the magic or version, the model
     *                                  (another fingerprint: a checkpoint of another model), a count, a negative
     *                                  step or late count, a non-finite value
     */
    static KeyState decode(byte[] bytes, long fingerprint, int stateSize, int outputs) {
        int expected = HEADER_BYTES + 4 * (outputs + stateSize);
        if (bytes == null || bytes.length < HEADER_BYTES) {
            throw new IllegalArgumentException("key state of " + (bytes == null ? "null" : bytes.length + " bytes")
                    + " is shorter than its " + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int magic = b.getInt();
        int version = b.getInt();
        if (magic != MAGIC || version != VERSION) {
            throw new IllegalArgumentException(String.format("not a spark-snn key state (magic %08x, version %d;"
                    + " expected %08x, %d)", magic, version, MAGIC, VERSION));
        }
        long fp = b.getLong();
        if (fp != fingerprint) {
            throw new IllegalArgumentException(String.format("key state was written by another model (fingerprint "
                    + "%016x; this model's is %016x): resume with the model that wrote the checkpoint, or start a new "
                    + "checkpoint directory", fp, fingerprint));
        }
        long steps = b.getLong();
        long lastTime = b.getLong();
        long late = b.getLong();
        int k = b.getInt();
        int s = b.getInt();
        if (k != outputs || s != stateSize || bytes.length != expected) {
            throw new IllegalArgumentException("key state holds " + k + " outputs and " + s + " state floats in "
                    + bytes.length + " bytes; the model needs " + outputs + ", " + stateSize + " and " + expected);
        }
        if (steps < 0 || late < 0) {
            throw new IllegalArgumentException("key state has a negative count: steps " + steps + ", late " + late);
        }
        KeyState st = new KeyState(fingerprint, new float[s], new float[k]);
        for (int i = 0; i < k; i++) {
            st.outputSums[i] = finite(b.getFloat(), "output sum", i);
        }
        for (int i = 0; i < s; i++) {
            st.neuronState[i] = finite(b.getFloat(), "neuron state", i);
        }
        st.steps = steps;
        st.lastTime = lastTime;
        st.lateDropped = late;
        return st;
    }

    private static float finite(float v, String what, int i) {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("key state's " + what + " " + i + " is " + v);
        }
        return v;
    }
}
