package io.github.sparksnn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.model.Network;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamingNetwork} against the network's own multi-step forward over the whole sequence: bit for bit under
 * random splits into calls, with the state round-tripped through its binary form between calls, for every neuron
 * family (single-state, synaptic, adaptive, recurrent dense and diagonal, a fused conv + pooling neuron with batch
 * norm); and against the classifier engine's offline rates for a repeated (direct) input.
 */
class StreamingNetworkTest {
    static final String[] SPECS = {
        "linear(12, 16) | lif(tau=2.0) | linear(16, 4) | lif(tau=2.0)",
        "linear(12, 16) | plif(v_reset=none) | linear(16, 4) | if",
        "linear(12, 16) | synaptic(alpha=0.6, beta=0.7) | linear(16, 8) | alif(tau_a=5.0, beta_a=0.3, v_threshold=0.5)"
                + " | linear(8, 4) | rlif(recurrent=dense)",
        "linear(12, 16) | rlif(recurrent=diagonal) | linear(16, 4) | alif(tau_a=3.0, beta_a=0.5, v_reset=none)",
        "conv2d(1, 4, 3, padding=1) | batchnorm2d(4) | if | maxpool2d(2) | flatten | linear(16, 4) | lif(tau=2.0)",
    };

    static int[] shapeOf(String spec) {
        return spec.startsWith("conv2d") ? new int[]{1, 4, 4} : new int[]{12};
    }

    /** Seeded initial parameters, scaled up so that neurons fire often; batch-norm statistics moved off 0 and 1. */
    static StreamingNetwork replica(String spec, long seed) {
        ModelSpec s = ModelSpec.parse(spec);
        int[] shape = shapeOf(spec);
        float[] p = Network.initialParameters(s, shape, seed);
        for (int i = 0; i < p.length; i++) {
            p[i] *= 6f;
        }
        float[] b = Network.initialRunningStatistics(s, shape);
        for (int i = 0; i < b.length; i++) {
            b[i] = b[i] == 0f ? 0.1f * (i % 3) : 0.5f + 0.25f * (i % 3);
        }
        return new StreamingNetwork(s, shape, p, b, new CpuBackend(1, true));
    }

    /** {@link #replica} recording {@code layers}. */
    static StreamingNetwork replicaRecording(String spec, long seed, int[] layers) {
        ModelSpec s = ModelSpec.parse(spec);
        int[] shape = shapeOf(spec);
        try (StreamingNetwork plain = replica(spec, seed)) {
            // the same parameters and buffers as replica(spec, seed)
            float[] p = Network.initialParameters(s, shape, seed);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 6f;
            }
            float[] b = Network.initialRunningStatistics(s, shape);
            for (int i = 0; i < b.length; i++) {
                b[i] = b[i] == 0f ? 0.1f * (i % 3) : 0.5f + 0.25f * (i % 3);
            }
            StreamingNetwork n = new StreamingNetwork(s, shape, p, b, new CpuBackend(1, true), layers);
            assertEquals(plain.fingerprint(), n.fingerprint(), "recording changes no state");
            return n;
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void randomSplitsGiveTheOfflineBits(int which) {
        String spec = SPECS[which];
        Random r = new Random(100 + which);
        try (StreamingNetwork net = replica(spec, 11 + which)) {
            int f = net.featureSize(), k = net.outputSize(), t = 23;
            float[] seq = new float[t * f];
            for (int i = 0; i < seq.length; i++) {
                seq[i] = r.nextFloat() * 2f - 0.25f;
            }
            float[] offline = net.offline(seq, t);
            int ones = 0;
            for (float o : offline) {
                ones += o == 1f ? 1 : 0;
            }
            assertTrue(ones > 0 && ones < offline.length, spec + ": the outputs mix spikes and silence: " + ones);
            for (int trial = 0; trial < 6; trial++) {
                float[] out = new float[t * k];
                byte[] saved = net.initialState().encode();
                for (int at = 0; at < t; ) {
                    int n = trial == 0 ? 1 : Math.min(t - at, 1 + r.nextInt(7));
                    KeyState st = net.decode(saved);
                    net.step(st, seq, at * f, n, out, at * k);
                    saved = st.encode();
                    at += n;
                }
                assertArrayEquals(offline, out, spec + ", trial " + trial);
                KeyState end = net.decode(saved);
                assertEquals(t, end.steps());
                float[] rates = new float[k];
                end.rates(rates);
                for (int c = 0; c < k; c++) {
                    float sum = 0f;
                    for (int s = 0; s < t; s++) {
                        sum += offline[s * k + c];
                    }
                    assertEquals(Float.floatToIntBits(sum * (1f / t)), Float.floatToIntBits(rates[c]), "rate " + c);
                }
            }
        }
    }

    /**
     * The split the stream runs: the prefix on batches that mix several keys' events in random order, then each
     * key's stateful part in random runs from its round-tripped state, recording every layer whose output exists:
     * outputs and recorded layers equal one offline forward over each key's whole sequence, bit for bit.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void batchedPrefixesAndRecordedLayersGiveTheOfflineBits(int which) {
        String spec = SPECS[which];
        Random r = new Random(200 + which);
        ModelSpec s = ModelSpec.parse(spec);
        int layers = s.buildLayers(shapeOf(spec)).size();
        List<Integer> recordable = new ArrayList<>();
        try (StreamingNetwork probe = replica(spec, 11 + which)) {
            for (int l = layers - 1; l >= 0; l--) { // backwards: the order of the recorded layers is free
                try (StreamingNetwork one = replicaRecording(spec, 11 + which, new int[]{l})) {
                    recordable.add(l);
                } catch (IllegalArgumentException fused) {
                    assertTrue(fused.getMessage().contains("pools its spikes inside its own kernel"), fused.getMessage());
                }
            }
            assertTrue(probe.prefixLength() > 0, spec + ": a prefix to batch");
        }
        int[] rec = recordable.stream().mapToInt(Integer::intValue).toArray();
        for (int[] layersToRecord : new int[][]{rec, new int[0]}) {
            try (StreamingNetwork net = replicaRecording(spec, 11 + which, layersToRecord)) {
                int f = net.featureSize(), k = net.outputSize(), c = net.currentSize(), rs = net.recordedSize();
                int keys = 3, t = 17;
                float[][] seq = new float[keys][t * f];
                for (float[] q : seq) {
                    for (int i = 0; i < q.length; i++) {
                        q[i] = r.nextFloat() * 2f - 0.25f;
                    }
                }
                // every event's currents, from batches of up to 9 events of all keys in a random order
                List<int[]> order = new ArrayList<>();
                for (int key = 0; key < keys; key++) {
                    for (int step = 0; step < t; step++) {
                        order.add(new int[]{key, step});
                    }
                }
                Collections.shuffle(order, r);
                float[][] currents = new float[keys][t * c];
                for (int at = 0; at < order.size(); ) {
                    int n = Math.min(order.size() - at, 1 + r.nextInt(9));
                    float[] x = new float[n * f];
                    for (int i = 0; i < n; i++) {
                        int[] e = order.get(at + i);
                        System.arraycopy(seq[e[0]], e[1] * f, x, i * f, f);
                    }
                    float[] cur = new float[n * c];
                    net.prefix(x, 0, n, cur, 0);
                    for (int i = 0; i < n; i++) {
                        int[] e = order.get(at + i);
                        System.arraycopy(cur, i * c, currents[e[0]], e[1] * c, c);
                    }
                    at += n;
                }
                for (int key = 0; key < keys; key++) {
                    float[] offRec = new float[t * rs];
                    float[] offline = net.offline(seq[key], t, offRec);
                    float[] out = new float[t * k];
                    float[] got = new float[t * rs];
                    byte[] saved = net.initialState().encode();
                    for (int at = 0; at < t; ) {
                        int n = Math.min(t - at, 1 + r.nextInt(6));
                        KeyState st = net.decode(saved);
                        net.stepCurrents(st, currents[key], at * c, n, out, at * k, got, at * rs);
                        saved = st.encode();
                        at += n;
                    }
                    assertArrayEquals(offline, out, spec + ", key " + key);
                    assertArrayEquals(offRec, got, spec + ", key " + key + ", recorded layers "
                            + Arrays.toString(layersToRecord));
                }
            }
        }
    }

    @Test
    void aLayerThatCannotBeRecordedIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> replicaRecording(SPECS[0], 1, new int[]{4}));
        assertTrue(e.getMessage().contains("layer 5 does not exist: the model has layers 1 to 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> replicaRecording(SPECS[0], 1, new int[]{1, 1}));
        assertTrue(e.getMessage().contains("layer 2 is chosen twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> replicaRecording(SPECS[4], 1, new int[]{2}));
        assertTrue(e.getMessage().contains("layer 3 (") && e.getMessage().contains("choose layer 4, the pooling"),
                e.getMessage());
        // a recorded layer inside the prefix ends the prefix there: its output is the currents
        try (StreamingNetwork whole = replica(SPECS[4], 1);
             StreamingNetwork early = replicaRecording(SPECS[4], 1, new int[]{0})) {
            assertEquals(2, whole.prefixLength(), "conv2d and batchnorm2d");
            assertEquals(1, early.prefixLength());
            assertEquals(early.recordedSize(), early.currentSize());
        }
    }

    @Test
    void aRepeatedInputEndsOnTheEngineRates() {
        // the classifier's offline path (direct encoder: the static prefix once, then the neurons) for T = 6
        EngineConfig cfg = EngineConfig.builder().modelSpec("flatten | linear(12, 16) | lif(tau=2.0) | linear(16, 4)"
                + " | lif(tau=2.0)").inputShape(12).timeSteps(6).seed(3).backend(CpuBackend.PORTABLE).build();
        float[] params = cfg.initialParameters();
        for (int i = 0; i < params.length; i++) {
            params[i] *= 6f;
        }
        Random r = new Random(5);
        float[] x = new float[3 * 12];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2f * r.nextFloat();
        }
        float[] engineRates = new float[3 * 4];
        try (CpuGradientEngine e = new CpuGradientEngine(cfg, new CpuBackend(1, true));
             StreamingNetwork net = new StreamingNetwork(cfg.spec(), new int[]{12}, params, new float[0],
                     new CpuBackend(1, true))) {
            e.setParameters(params);
            e.predictRates(x, 0, 3, 0, engineRates);
            float[] rates = new float[4];
            float[] out = new float[4];
            for (int sample = 0; sample < 3; sample++) {
                KeyState st = net.initialState();
                for (int step = 0; step < 6; step++) {
                    net.step(st, x, sample * 12, 1, out, 0);
                }
                st.rates(rates);
                for (int c = 0; c < 4; c++) {
                    assertEquals(Float.floatToIntBits(engineRates[sample * 4 + c]), Float.floatToIntBits(rates[c]),
                            "sample " + sample + ", class " + c);
                }
            }
        }
        float total = 0;
        for (float v : engineRates) {
            total += v;
        }
        assertTrue(total > 0, "some output neuron fired");
    }

    @Test
    void theDefaultMlpKeepsWhatTheReadmeSays() {
        // README, "Streams": 48 + 4 (10 sums + 512 + 10 potentials) = 2,176 bytes per key
        String spec = "flatten | linear(784, 512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(512, 10)"
                + " | lif(tau=2.0)";
        ModelSpec s = ModelSpec.parse(spec);
        int[] shape = {1, 28, 28};
        try (StreamingNetwork net = new StreamingNetwork(s, shape, Network.initialParameters(s, shape, 1),
                new float[0], new CpuBackend(1, true))) {
            assertEquals(522, net.stateSize());
            assertEquals(2176, net.initialState().encodedSize());
            assertEquals(2176, net.initialState().encode().length);
        }
    }

    /** A membrane readout would carry one key's membrane into the next key's step: refused, naming the layer. */
    @Test
    void aMembraneReadoutIsRefusedNamingTheLayer() {
        ModelSpec s = ModelSpec.parse("linear(12, 6) | lif(tau=2.0) | linear(6, 3) | readout(tau=2.0)");
        int[] shape = {12};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamingNetwork(s, shape,
                Network.initialParameters(s, shape, 1), new float[0], new CpuBackend(1, true)));
        assertTrue(e.getMessage().contains("readout") && e.getMessage().contains("cannot be streamed"), e.getMessage());
    }

    @Test
    void aStateOfAnotherModelOrAMangledOneIsRejected() {
        try (StreamingNetwork a = replica(SPECS[0], 1); StreamingNetwork b = replica(SPECS[0], 2)) {
            assertNotEquals(a.fingerprint(), b.fingerprint());
            KeyState st = a.initialState();
            float[] out = new float[4];
            a.step(st, new float[12], 0, 1, out, 0);
            byte[] bytes = st.encode();
            assertEquals(48 + 4 * (4 + 20), bytes.length, "K = 4 outputs, S = 16 + 4 potentials");
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> b.decode(bytes));
            assertTrue(other.getMessage().contains("another model"), other.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.step(st, new float[12], 0, 1, out, 0));
            IllegalArgumentException shortOne = assertThrows(IllegalArgumentException.class,
                    () -> a.decode(java.util.Arrays.copyOf(bytes, bytes.length - 4)));
            assertTrue(shortOne.getMessage().contains("the model needs"), shortOne.getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> a.decode(new byte[10])).getMessage()
                    .contains("header"));
            byte[] magic = bytes.clone();
            magic[0] = 'X';
            assertTrue(assertThrows(IllegalArgumentException.class, () -> a.decode(magic)).getMessage()
                    .contains("not a spark-snn key state"));
            byte[] nan = bytes.clone();
            java.nio.ByteBuffer.wrap(nan).putFloat(48 + 4 * 5, Float.NaN);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> a.decode(nan)).getMessage()
                    .contains("neuron state 1 is NaN"));
            KeyState back = a.decode(bytes);
            assertArrayEquals(bytes, back.encode(), "a decoded state encodes to the same bytes");
        }
    }

    @Test
    void aNonFiniteOrMisfittingEventIsRejectedAndLeavesTheStateAlone() {
        try (StreamingNetwork net = replica(SPECS[0], 1)) {
            KeyState st = net.initialState();
            float[] x = new float[24];
            x[12 + 5] = Float.NaN;
            float[] out = new float[8];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.step(st, x, 0, 2, out, 0));
            assertTrue(e.getMessage().contains("event 1 of 2: feature 5 is NaN"), e.getMessage());
            assertEquals(0, st.steps());
            assertThrows(IllegalArgumentException.class, () -> net.step(st, new float[11], 0, 1, out, 0));
            assertThrows(IllegalArgumentException.class, () -> net.offline(new float[13], 1));
        }
    }
}
