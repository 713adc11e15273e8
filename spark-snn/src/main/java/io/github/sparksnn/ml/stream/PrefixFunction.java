package io.github.sparksnn.ml.stream;

import io.github.sparksnn.stream.StreamingNetwork;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;

/**
 * The map side of {@link SpikingStream#transform}, before events are shuffled to their keys: checks each event
 * (a key and a time, features of the model's size, all finite) and runs the network's stateless prefix
 * ({@link StreamingNetwork#prefix}: for the default MLP its first linear layer, nearly all of its arithmetic) on
 * {@value #CHUNK} events at a time, whatever their keys, as one GEMM; each event leaves with its currents in place
 * of its features. Per key, {@link KeyStepFunction} then only runs the stateful rest, and the shuffle carries the
 * currents (512 floats for the default MLP) instead of the features (784).
 *
 * <p>A bad event fails the micro-batch here, before any state of it is written, in one line naming the key, the
 * event's time and the batch.
 */
final class PrefixFunction implements MapPartitionsFunction<StreamEvent, StreamEvent>, Serializable {
    private static final long serialVersionUID = 1L;
    /** Events per prefix call: a GEMM of this many rows runs near the batched rate. */
    static final int CHUNK = 256;

    private final NetworkSource source;
    private final boolean timestamps;
    private final String keyName;
    private final String timeName;

    PrefixFunction(NetworkSource source, boolean timestamps, String keyName, String timeName) {
        this.source = source;
        this.timestamps = timestamps;
        this.keyName = keyName;
        this.timeName = timeName;
    }

    @Override
    public Iterator<StreamEvent> call(Iterator<StreamEvent> events) {
        StreamingNetwork net = source.replica();
        int f = net.featureSize(), c = net.currentSize();
        return new Iterator<>() {
            final List<StreamEvent> chunk = new ArrayList<>(CHUNK);
            final float[] x = new float[CHUNK * f];
            final float[] currents = new float[CHUNK * c];
            int next;

            @Override
            public boolean hasNext() {
                if (next < chunk.size()) {
                    return true;
                }
                chunk.clear();
                next = 0;
                while (chunk.size() < CHUNK && events.hasNext()) {
                    StreamEvent e = events.next();
                    check(e, f);
                    System.arraycopy(e.getFeatures(), 0, x, chunk.size() * f, f);
                    chunk.add(e);
                }
                if (chunk.isEmpty()) {
                    return false;
                }
                net.prefix(x, 0, chunk.size(), currents, 0);
                for (int i = 0; i < chunk.size(); i++) {
                    chunk.get(i).setFeatures(Arrays.copyOfRange(currents, i * c, (i + 1) * c));
                }
                return true;
            }

            @Override
            public StreamEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return chunk.get(next++);
            }
        };
    }

    private void check(StreamEvent e, int f) {
        if (e.getKey() == null || e.getTime() == null) {
            throw new IllegalArgumentException("an event has a null " + (e.getKey() == null ? "key ('" + keyName
                    + "', time " + StreamFeatures.timeText(e.getTime(), timestamps) + ")" : "time ('" + timeName
                    + "', key '" + e.getKey() + "')") + ", batch " + KeyStepFunction.batch());
        }
        float[] v = e.getFeatures();
        if (v == null || v.length != f) {
            throw new IllegalArgumentException(where(e) + ": " + (v == null ? "features are null"
                    : "features have " + v.length + " values, the model needs " + f));
        }
        for (int j = 0; j < f; j++) {
            if (!Float.isFinite(v[j])) {
                throw new IllegalArgumentException(where(e) + ": feature " + j + " is " + v[j]);
            }
        }
    }

    private String where(StreamEvent e) {
        return "key '" + e.getKey() + "', time " + StreamFeatures.timeText(e.getTime(), timestamps) + ", batch "
                + KeyStepFunction.batch();
    }
}
