package io.github.sparksnn.ml.stream;

import io.github.sparksnn.stream.KeyState;
import io.github.sparksnn.stream.StreamingNetwork;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.GroupState;
import org.apache.spark.util.LongAccumulator;

/**
 * The per-key body of {@link SpikingStream#transform}: takes one key's events of a micro-batch ({@link StreamEvent}s
 * whose features {@link PrefixFunction} already turned into the network prefix's currents), sorts them by time,
 * drops those at or before the key's last applied time (counted in the state and in an accumulator), resets the key
 * after a gap, runs the rest through the stateful part of the executor thread's {@link StreamingNetwork} replica
 * ({@link StreamingNetwork#stepCurrents}) from the key's stored {@link KeyState}, stores the new state and emits one
 * row per applied event ({@code [key, time as long, output, rates, probability, prediction, step, late, recorded
 * layers...]}; {@link SpikingStream} turns the time back into the column's type). Small and serializable: the
 * weights travel as one broadcast.
 *
 * <p>Events were checked on the map side; a state of another model fails the batch with the key and the batch in one
 * line, and the state store then keeps the last committed state.
 */
final class KeyStepFunction implements FlatMapGroupsWithStateFunction<String, StreamEvent, byte[], Row>, Serializable {
    private static final long serialVersionUID = 1L;

    private final NetworkSource source;
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
    KeyStepFunction(NetworkSource source, long resetGap, long timeoutMs, LongAccumulator late, boolean watermark,
                    boolean timestamps, String keyName, String timeName) {
        this.source = source;
        this.watermark = watermark;
        this.timestamps = timestamps;
        this.keyName = keyName;
        this.timeName = timeName;
        this.resetGap = resetGap;
        this.timeoutMs = timeoutMs;
        this.late = late;
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
        StreamingNetwork net = source.replica();
        int c = net.currentSize(), k = net.outputSize(), rs = net.recordedSize();
        int[] layers = net.recordedLayers();
        int[] sizes = new int[layers.length];
        for (int l = 0; l < layers.length; l++) {
            sizes[l] = net.layerOutputSize(layers[l]);
        }
        List<StreamEvent> events = new ArrayList<>();
        rows.forEachRemaining(events::add);
        for (StreamEvent e : events) {
            if (key == null || e.getTime() == null) {
                throw new IllegalArgumentException("an event has a null " + (key == null ? "key ('" + keyName
                        + "', time " + StreamFeatures.timeText(e.getTime(), timestamps) + ")" : "time ('" + timeName
                        + "', key '" + key + "')") + ", batch " + batch());
            }
            if (e.getFeatures() == null || e.getFeatures().length != c) { // the map side made them: a bug, not input
                throw new IllegalStateException("key '" + key + "', batch " + batch() + ": an event reached the key "
                        + "without its " + c + " currents");
            }
        }
        events.sort((a, b) -> Long.compare(a.getTime(), b.getTime()));
        float[] x = new float[events.size() * c];
        for (int e = 0; e < events.size(); e++) {
            System.arraycopy(events.get(e).getFeatures(), 0, x, e * c, c);
        }
        KeyState st;
        try {
            st = state.exists() ? net.decode(state.get()) : net.initialState();
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("key '" + key + "', batch " + batch() + ": " + ex.getMessage(), ex);
        }
        float[] out = new float[events.size() * k];
        float[] rec = rs == 0 ? null : new float[events.size() * rs];
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
            net.stepCurrents(st, x, e * c, end - e, out, e * k, rec, e * rs);
            for (int i = e; i < end; i++) {
                long steps = firstStep + (i - e) + 1;
                float inv = 1f / steps;
                for (int j = 0; j < k; j++) {
                    sums[j] += out[i * k + j];
                    rates[j] = sums[j] * inv;
                }
                emitted.add(output(key, events.get(i), out, i * k, k, rates, steps, st.lateDropped() + dropped, rec,
                        i * rs, sizes));
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

    private static Row output(String key, StreamEvent event, float[] out, int off, int k, float[] rates, long steps,
                              long lateSoFar, float[] rec, int rOff, int[] sizes) {
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
        Object[] values = new Object[8 + sizes.length];
        values[0] = key;
        values[1] = event.getTime();
        values[2] = Arrays.copyOfRange(out, off, off + k);
        values[3] = Vectors.dense(raw);
        values[4] = Vectors.dense(p);
        values[5] = (double) best;
        values[6] = steps;
        values[7] = lateSoFar;
        for (int l = 0, at = rOff; l < sizes.length; l++) { // each recorded layer's slice of the event's row
            values[8 + l] = Arrays.copyOfRange(rec, at, at + sizes[l]);
            at += sizes[l];
        }
        return RowFactory.create(values);
    }
}
