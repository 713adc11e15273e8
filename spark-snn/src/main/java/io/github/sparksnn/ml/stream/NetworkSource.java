package io.github.sparksnn.ml.stream;

import io.github.sparksnn.backend.Backends;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.stream.StreamingNetwork;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.broadcast.Broadcast;

/**
 * What an executor needs to build the stream's network replica (the spec, the input shape, the weights as one
 * broadcast, the backend, the recorded layers), and the replica of the current thread: one per executor thread,
 * shared by the map side ({@link PrefixFunction}) and the per-key side ({@link KeyStepFunction}), rebuilt when a
 * query of another model or other recorded layers runs on the thread. Small and serializable.
 */
final class NetworkSource implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final ThreadLocal<StreamingNetwork> REPLICA = new ThreadLocal<>();

    private final String spec;
    private final int[] inputShape;
    private final Broadcast<float[][]> weights;
    private final long fingerprint;
    private final String backend;
    private final int[] recorded;

    /** @param recorded layers (0-based) whose outputs the replica records ({@link StreamingNetwork#recordedLayers}) */
    NetworkSource(String spec, int[] inputShape, Broadcast<float[][]> weights, long fingerprint, String backend,
                  int[] recorded) {
        this.spec = spec;
        this.inputShape = inputShape.clone();
        this.weights = weights;
        this.fingerprint = fingerprint;
        this.backend = backend;
        this.recorded = recorded.clone();
    }

    long fingerprint() {
        return fingerprint;
    }

    /** This thread's replica, built on first use. */
    StreamingNetwork replica() {
        StreamingNetwork n = REPLICA.get();
        if (n != null && n.fingerprint() == fingerprint && Arrays.equals(n.recordedLayers(), recorded)) {
            return n;
        }
        if (n != null) {
            n.close();
            REPLICA.remove();
        }
        float[][] w = weights.value();
        n = new StreamingNetwork(ModelSpec.parse(spec), inputShape, w[0], w[1], Backends.create(backend, 1), recorded);
        if (n.fingerprint() != fingerprint) { // the broadcast is the driver's model: a mismatch is a bug, not input
            n.close();
            throw new IllegalStateException("the replica's fingerprint differs from the driver's model");
        }
        REPLICA.set(n);
        return n;
    }
}
