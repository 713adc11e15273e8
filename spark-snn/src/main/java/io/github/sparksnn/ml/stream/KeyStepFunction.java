package io.github.sparksnn.ml.stream;

import io.github.sparksnn.backend.Backends;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.stream.KeyState;
import io.github.sparksnn.stream.StreamingNetwork;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.GroupState;
import org.apache.spark.util.LongAccumulator;

/**
 * The per-key body of {@link SpikingStream#transform}: takes one key's events of a micro-batch ({@link StreamEvent}s),
 * sorts them by time, drops those at or
 * before the key's last applied time (counted in the state and in an accumulator), resets the key after a gap, runs
 * the rest through the executor thread's {@link StreamingNetwork} replica from the key's stored {@link KeyState},
 * stores the new state and emits one row per applied event ({@code [key, time as long, output, rates, probability,
 * prediction, step, late]}; {@link SpikingStream} turns the time back into the column's type). Small and
 * serializable: the weights travel as one broadcast.
 *
 * <p>A bad event (null or non-finite features, a wrong length) fails the batch before anything is applied, with
 * the key, the event's time and the batch in one line; the state store then keeps the last committed state.
 */
final class KeyStepFunction implements FlatMapGroupsWithStateFunction<String, StreamEvent, byte[], Row>, Serializable {
    private static final long serialVersionUID = 1L;

    /** One replica per executor thread, rebuilt when a query of another model runs on the thread. */
    private static final ThreadLocal<StreamingNetwork> REPLICA = new ThreadLocal<>();

    private final String spec;
    private final int[] inputShape;
    private final Broadcast<float[][]> weights;
    private final long fingerprint;
    private final String backend;
    private final long resetGap;
    private final long timeoutMs;
    private final LongAccumulator late;
    private final boolean watermark;
    private final boolean timestamps;
    private final String keyName;
    private final String timeName;

    /**
     * @param watermark  whether the query has a watermark (then the time is a timestamp)
     * @param timestamps whether the time column is a timestamp (microseconds), for the messages
     * @param keyName    the key column's name, for the messages
     * @param timeName   the time column's name, for the messages
     */
    KeyStepFunction(String spec, int[] inputShape, Broadcast<float[][]> weights, long fingerprint, String backend,
                    long resetGap, long timeoutMs, LongAccumulator late, boolean watermark, boolean timestamps,
                    String keyName, String timeName) {
        this.watermark = watermark;
        this.timestamps = timestamps;
        this.keyName = keyName;
        this.timeName = timeName;
        this.spec = spec;
        this.inputShape = inputShape.clone();
        this.weights = weights;
        this.fingerprint = fingerprint;
        this.backend = backend;
        this.resetGap = resetGap;
        this.timeoutMs = timeoutMs;
        this.late = late;
    }

    private StreamingNetwork replica() {
        StreamingNetwork n = REPLICA.get();
        if (n != null && n.fingerprint() == fingerprint) {
            return n;
        }
        if (n != null) {
            n.close();
        }
        float[][] w = weights.value();
        n = new StreamingNetwork(ModelSpec.parse(spec), inputShape, w[0], w[1], Backends.create(backend, 1));
        if (n.fingerprint() != fingerprint) { // the broadcast is the driver's model: a mismatch is a bug, not input
            n.close();
            throw new IllegalStateException("the replica's fingerprint differs from the driver's model");
        }
        REPLICA.set(n);
        return n;
    }

    static String batch() {
        TaskContext tc = TaskContext.get();
        String b = tc == null ? null : tc.getLocalProperty("streaming.sql.batchId");
        return b == null ? "?" : b;
    }

    @Override
    public Iterator<Row> call(String key, Iterator<StreamEvent> rows, GroupState<byte[]> state) {
        if (state.hasTimedOut()) { // no event for the TTL: forget the key
            state.remove();
            return java.util.Collections.emptyIterator();
        }
        StreamingNetwork net = replica();
        int f = net.featureSize(), k = net.outputSize();
        List<StreamEvent> events = new ArrayList<>();
        try {
            rows.forEachRemaining(events::add);
        } catch (RuntimeException ex) { // Spark's decoder of the bean: a null feature value, say
            String why = String.valueOf(ex.getMessage()).lines().findFirst().orElse("");
            throw new IllegalArgumentException("key '" + key + "', batch " + batch() + ": " + (why.contains("NULL")
                    ? "an event's features hold a null value" : "cannot read an event: " + why), ex);
        }
        for (StreamEvent e : events) {
            if (key == null || e.getTime() == null) {
                throw new IllegalArgumentException("an event has a null " + (key == null ? "key ('" + keyName
                        + "', time " + timeText(e.getTime()) + ")" : "time ('" + timeName + "', key '" + key + "')")
                        + ", batch " + batch());
            }
        }
        events.sort((a, b) -> Long.compare(a.getTime(), b.getTime()));
        float[] x = new float[events.size() * f];
        for (int e = 0; e < events.size(); e++) {
            readFeatures(key, events.get(e), x, e * f, f);
        }
        KeyState st;
        try {
            st = state.exists() ? net.decode(state.get()) : net.initialState();
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("key '" + key + "', batch " + batch() + ": " + ex.getMessage(), ex);
        }
        float[] out = new float[events.size() * k];
        float[] rates = new float[k];
        List<Row> emitted = new ArrayList<>(events.size());
        long dropped = 0;
        // Spark filters rows behind the watermark only for an event-time timeout; this stage drops them itself
        // (and counts them): the time column is then a timestamp, in microseconds
        long oldest = watermark && state.getCurrentWatermarkMs() > 0 ? state.getCurrentWatermarkMs() * 1000
                : Long.MIN_VALUE;
        for (int e = 0; e < events.size(); ) {
            long t = events.get(e).getTime();
            if (t < oldest || st.lastTime() != KeyState.NO_TIME && t <= st.lastTime()) {
                dropped++;
                e++;
                continue;
            }
            if (resetGap > 0 && st.lastTime() != KeyState.NO_TIME && t - st.lastTime() > resetGap) {
                st.reset();
            }
            // a run of in-order events up to the next gap goes through the network as one multi-step call
            int end = e + 1;
            while (end < events.size() && events.get(end).getTime() > events.get(end - 1).getTime()
                    && (resetGap <= 0 || events.get(end).getTime() - events.get(end - 1).getTime() <= resetGap)) {
                end++;
            }
            // the running rates after each event: the sums before the run, plus its outputs one event at a time,
            // in the order (and so with the floats) of the state's own sums
            float[] sums = new float[k];
            st.outputSums(sums);
            long firstStep = st.steps();
            net.step(st, x, e * f, end - e, out, e * k);
            for (int i = e; i < end; i++) {
                long steps = firstStep + (i - e) + 1;
                float inv = 1f / steps;
                for (int c = 0; c < k; c++) {
                    sums[c] += out[i * k + c];
                    rates[c] = sums[c] * inv;
                }
                emitted.add(output(key, events.get(i), out, i * k, k, rates, steps, st.lateDropped() + dropped));
            }
            st.setLastTime(events.get(end - 1).getTime());
            e = end;
        }
        if (dropped > 0) {
            st.addLateDropped(dropped);
            late.add(dropped);
        }
        state.update(st.encode());
        if (timeoutMs > 0) {
            state.setTimeoutDuration(timeoutMs);
        }
        return emitted.iterator();
    }

    private String timeText(Long t) {
        return t == null ? "null" : timestamps ? java.time.Instant.EPOCH.plus(t, java.time.temporal.ChronoUnit.MICROS)
                .toString() : Long.toString(t);
    }

    private void readFeatures(String key, StreamEvent ev, float[] x, int off, int f) {
        float[] v = ev.getFeatures();
        if (v == null || v.length != f) {
            throw new IllegalArgumentException(where(key, ev) + ": " + (v == null ? "features are null"
                    : "features have " + v.length + " values, the model needs " + f));
        }
        for (int j = 0; j < f; j++) {
            if (!Float.isFinite(v[j])) {
                throw new IllegalArgumentException(where(key, ev) + ": feature " + j + " is " + v[j]);
            }
        }
        System.arraycopy(v, 0, x, off, f);
    }

    private String where(String key, StreamEvent ev) {
        return "key '" + key + "', time " + timeText(ev.getTime()) + ", batch " + batch();
    }

    private static Row output(String key, StreamEvent event, float[] out, int off, int k, float[] rates, long steps,
                              long lateSoFar) {
        double[] raw = new double[k];
        double[] p = new double[k];
        int best = 0;
        double s = 0;
        for (int c = 0; c < k; c++) {
            raw[c] = rates[c];
            s += raw[c];
            if (rates[c] > rates[best]) {
                best = c;
            }
        }
        for (int c = 0; c < k; c++) { // the classifier's probability: rates normalized, uniform when none fired
            p[c] = s > 0 ? raw[c] / s : 1.0 / k;
        }
        return RowFactory.create(key, event.getTime(), Arrays.copyOfRange(out, off, off + k), Vectors.dense(raw),
                Vectors.dense(p), (double) best, steps, lateSoFar);
    }
}
