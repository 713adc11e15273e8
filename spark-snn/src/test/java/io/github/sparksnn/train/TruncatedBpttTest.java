package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.neuron.SpikingNeuron;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Truncated BPTT ({@link EngineConfig#tbpttWindow()}): a window covering all of T is full BPTT bit for bit, and a
 * shorter one gives the truncated gradient, checked against central differences of a float64 re-computation of its
 * own (the network's equations written out here, windows run from the untouched starting states).
 */
class TruncatedBpttTest {
    private static final int F = 3, H = 4, K = 3, T = 7, N = 2;

    private static EngineConfig config(String neuron, String out, String loss, int window) {
        String spec = "linear(" + F + ", " + H + ") | " + neuron + " | linear(" + H + ", " + K + ") | " + out;
        return EngineConfig.builder().modelSpec(spec).inputShape(F).timeSteps(T).sequenceInput(true).loss(loss)
                .seed(5).tbpttWindow(window).build();
    }

    private static float[] inputs(int n, int f, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble() * 2);
        }
        return x;
    }

    private static float[] gradient(EngineConfig cfg, boolean spiking, float[] x, int[] y) {
        try (CpuGradientEngine e = new CpuGradientEngine(cfg)) {
            e.network().setSpikingMode(spiking);
            float[] g = new float[e.numParameters()];
            e.accumulateGradient(x, y, 0, y.length, 3, g);
            return g;
        }
    }

    @ParameterizedTest
    @CsvSource({"rlif(recurrent=dense), readout(tau=2.0), mse_membrane", "plif, lif, mse",
            "'synaptic(learn_alpha=true, learn_beta=true)', lif, ce"})
    void aWindowCoveringAllStepsIsFullBpttBitForBit(String neuron, String out, String loss) {
        float[] x = inputs(N, F * T, 11);
        int[] y = {1, 2};
        for (boolean spiking : new boolean[]{true, false}) {
            float[] full = gradient(config(neuron, out, loss, 0), spiking, x, y);
            assertArrayEquals(full, gradient(config(neuron, out, loss, T), spiking, x, y));
            assertArrayEquals(full, gradient(config(neuron, out, loss, T + 3), spiking, x, y));
            float[] cut = gradient(config(neuron, out, loss, 2), spiking, x, y);
            assertFalse(Arrays.equals(full, cut), "a window of 2 < T must change the gradient");
        }
    }

    @ParameterizedTest
    @CsvSource({"rlif(recurrent=dense), readout(tau=2.0), mse_membrane, 3",
            "rlif(recurrent=diagonal), lif, mse, 2",
            "plif, readout(tau=2.0), mse_membrane, 3",
            "plif(decay_input=false), lif, mse, 3",
            "'synaptic(learn_alpha=true, learn_beta=true)', lif, ce, 2",
            "lif, readout(tau=3.0), mse_membrane, 4",
            "rlif(recurrent=dense), readout(tau=2.0), mse_membrane, 0"})
    void truncatedGradientMatchesCentralDifferencesOfTheTruncatedObjective(String neuron, String out, String loss,
                                                                           int window) {
        EngineConfig cfg = config(neuron, out, loss, window);
        float[] x = inputs(N, F * T, 7);
        int[] y = {0, 2};
        float[] g;
        float[] params;
        SurrogateFunction sg1, sg2;
        try (CpuGradientEngine e = new CpuGradientEngine(cfg)) {
            e.network().setSpikingMode(false);
            g = new float[e.numParameters()];
            e.accumulateGradient(x, y, 0, N, 3, g);
            params = e.parameters();
            sg1 = ((SpikingNeuron) e.network().layers().get(1)).surrogate();
            sg2 = e.network().layers().get(3) instanceof SpikingNeuron s ? s.surrogate() : null;
        }
        Reference ref = new Reference(neuron, out, sg1, sg2);
        double[] p = new double[params.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = params[i];
        }
        double[] num = ref.truncatedGradient(p, x, y, window == 0 ? T : window, Loss.parse(loss));
        double maxNum = 0, maxDiff = 0;
        for (int i = 0; i < p.length; i++) {
            maxNum = Math.max(maxNum, Math.abs(num[i]));
            maxDiff = Math.max(maxDiff, Math.abs(num[i] - g[i]));
        }
        assertTrue(maxNum > 1e-3, "the probed gradient must not vanish: " + maxNum);
        assertTrue(maxDiff / maxNum < 2e-3, neuron + " | " + out + " window " + window + ": relative error "
                + maxDiff / maxNum + "\n engine    " + Arrays.toString(g) + "\n reference " + Arrays.toString(num));
    }

    @ParameterizedTest
    @CsvSource({"direct, false", "poisson, false", "direct, true"})
    void windowedInferenceMatchesTheWholePass(String encoder, boolean sequence) {
        int t = 9;
        EngineConfig cfg = EngineConfig.builder().modelSpec("linear(" + F + ", 6) | rlif | linear(6, 5) | lif "
                        + "| linear(5, " + K + ") | readout").inputShape(F).timeSteps(t).encoder(encoder)
                .sequenceInput(sequence).loss("ce_max").seed(2).build();
        float[] x = inputs(5, cfg.featureSize(), 9);
        for (int i = 0; i < x.length; i++) {
            x[i] /= 2; // Poisson probabilities
        }
        float[] whole = new float[5 * K];
        float[] windowed = new float[5 * K];
        try (GradientEngine a = new CpuGradientEngine(cfg); GradientEngine b = new CpuGradientEngine(
                cfg.withTbpttWindow(4))) {
            a.predictRates(x, 0, 5, 1, whole);
            b.predictRates(x, 0, 5, 1, windowed);
            float[] ga = new float[a.numParameters()];
            float[] gb = new float[b.numParameters()];
            GradientEngine.StepStats sa = a.accumulateGradient(x, new int[]{0, 1, 2, 0, 1}, 0, 5, 1, ga);
            GradientEngine.StepStats sb = b.accumulateGradient(x, new int[]{0, 1, 2, 0, 1}, 0, 5, 1, gb);
            assertEquals(sa.lossSum(), sb.lossSum(), 1e-5 * Math.abs(sa.lossSum()), "the same loss over all T steps");
        }
        for (int i = 0; i < whole.length; i++) {
            assertEquals(whole[i], windowed[i], 1e-5 * (1 + Math.abs(whole[i])), "output " + i);
        }
    }

    @Test
    void badWindowsAreRefusedByName() {
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> config("lif", "lif", "mse", -1));
        assertTrue(neg.getMessage().contains("tbpttWindow must be >= 0"), neg.getMessage());
        IllegalArgumentException bn = assertThrows(IllegalArgumentException.class, () -> EngineConfig.builder()
                .modelSpec("conv2d(1, 2, 3) | batchnorm2d(2) | lif | flatten | linear(8, 2) | lif").inputShape(1, 4, 4)
                .timeSteps(4).tbpttWindow(2).build());
        assertTrue(bn.getMessage().contains("batchnorm"), bn.getMessage());
        // a window as long as T truncates nothing, so batch norm stays allowed
        assertEquals(4, EngineConfig.builder().modelSpec("conv2d(1, 2, 3) | batchnorm2d(2) | lif | flatten "
                + "| linear(8, 2) | lif").inputShape(1, 4, 4).timeSteps(4).tbpttWindow(4).build().tbpttWindow());
        assertFalse(config("lif", "lif", "mse", T).truncated());
        assertTrue(config("lif", "lif", "mse", T - 1).toString().contains("tbpttWindow=" + (T - 1)));
        assertFalse(config("lif", "lif", "mse", 0).toString().contains("tbpttWindow"), "fingerprint unchanged by default");
    }

    /**
     * The network {@code linear | neuron | linear | out} in double, from the equations (defaults: tau 2, v_threshold
     * 1, hard reset to 0, no detach), a window at a time from a given state.
     */
    private static final class Reference {
        private final String neuron;
        private final boolean readout;
        private final double readoutTau;
        private final boolean decayInput;
        private final SurrogateFunction sg1;
        private final SurrogateFunction sg2;

        Reference(String neuron, String out, SurrogateFunction sg1, SurrogateFunction sg2) {
            this.neuron = neuron;
            this.readout = out.startsWith("readout");
            this.readoutTau = readout ? Double.parseDouble(out.replaceAll("[^0-9.]", "")) : 0;
            this.decayInput = !neuron.contains("decay_input=false");
            this.sg1 = sg1;
            this.sg2 = sg2;
        }

        /** State: membrane, current, last spikes of the hidden layer; membrane of the output. */
        double[][] fresh() {
            return new double[][]{new double[N * H], new double[N * H], new double[N * H], new double[N * K]};
        }

        static double[][] copy(double[][] st) {
            double[][] c = new double[st.length][];
            for (int i = 0; i < st.length; i++) {
                c[i] = st[i].clone();
            }
            return c;
        }

        static double sigmoid(double w) {
            return 1 / (1 + Math.exp(-w));
        }

        /** The outputs {@code [len, N, K]} of steps {@code [t0, t0 + len)} from {@code st}, which it advances. */
        double[] window(double[] p, float[] x, int t0, int len, double[][] st) {
            int o1 = H * F + H;
            int nParams = neuron.startsWith("plif") ? 1 : neuron.startsWith("rlif") ? (neuron.contains("dense")
                    ? H * H : H) : neuron.startsWith("synaptic") ? 2 : 0;
            int o3 = o1 + nParams;
            double[] out = new double[len * N * K];
            for (int t = 0; t < len; t++) {
                for (int i = 0; i < N; i++) {
                    double[] cur = new double[H];
                    for (int j = 0; j < H; j++) {
                        double a = p[H * F + j];
                        for (int m = 0; m < F; m++) {
                            a += p[j * F + m] * x[i * F * T + (t0 + t) * F + m];
                        }
                        cur[j] = a;
                    }
                    double[] spikes = new double[H];
                    for (int j = 0; j < H; j++) {
                        int q = i * H + j;
                        double xin = cur[j], v = st[0][q], h;
                        if (neuron.startsWith("rlif")) {
                            if (neuron.contains("dense")) {
                                for (int m = 0; m < H; m++) {
                                    xin += p[o1 + j * H + m] * st[2][i * H + m];
                                }
                            } else {
                                xin += p[o1 + j] * st[2][q];
                            }
                        }
                        if (neuron.startsWith("synaptic")) {
                            st[1][q] = sigmoid(p[o1]) * st[1][q] + xin;
                            h = sigmoid(p[o1 + 1]) * v + st[1][q];
                        } else {
                            double k = neuron.startsWith("plif") ? sigmoid(p[o1]) : 0.5;
                            h = decayInput ? v + (xin - v) * k : v - v * k + xin;
                        }
                        double s = sg1.forward(h - 1);
                        st[0][q] = h * (1 - s);
                        spikes[j] = s;
                    }
                    System.arraycopy(spikes, 0, st[2], i * H, H);
                    for (int c = 0; c < K; c++) {
                        double a = p[o3 + K * H + c];
                        for (int j = 0; j < H; j++) {
                            a += p[o3 + c * H + j] * spikes[j];
                        }
                        int q = i * K + c;
                        double y;
                        if (readout) {
                            y = (1 - 1 / readoutTau) * st[3][q] + a / readoutTau;
                            st[3][q] = y;
                        } else {
                            double h = st[3][q] + (a - st[3][q]) * 0.5;
                            y = sg2.forward(h - 1);
                            st[3][q] = h * (1 - y);
                        }
                        out[(t * N + i) * K + c] = y;
                    }
                }
            }
            return out;
        }

        /**
         * {@code sum_w dJ_w/dp} by central differences, {@code J_w(q)}: the loss with window {@code w}'s outputs
         * from parameters {@code q} and the starting state {@code p} left it, every other output from {@code p}.
         */
        double[] truncatedGradient(double[] p, float[] x, int[] y, int w, Loss loss) {
            int windows = (T + w - 1) / w;
            double[][][] starts = new double[windows][][];
            double[] base = new double[T * N * K];
            double[][] st = fresh();
            for (int b = 0; b < windows; b++) {
                starts[b] = copy(st);
                int t0 = b * w, len = Math.min(w, T - t0);
                System.arraycopy(window(p, x, t0, len, st), 0, base, t0 * N * K, len * N * K);
            }
            double[] g = new double[p.length];
            double h = 1e-6;
            for (int j = 0; j < p.length; j++) {
                double orig = p[j];
                for (int b = 0; b < windows; b++) {
                    int t0 = b * w, len = Math.min(w, T - t0);
                    double[] trace = base.clone();
                    p[j] = orig + h;
                    System.arraycopy(window(p, x, t0, len, copy(starts[b])), 0, trace, t0 * N * K, len * N * K);
                    double lp = ReferenceForward.traceLoss(loss, trace, T, N, K, y);
                    p[j] = orig - h;
                    System.arraycopy(window(p, x, t0, len, copy(starts[b])), 0, trace, t0 * N * K, len * N * K);
                    double lm = ReferenceForward.traceLoss(loss, trace, T, N, K, y);
                    p[j] = orig;
                    g[j] += (lp - lm) / (2 * h);
                }
            }
            return g;
        }
    }
}
