package io.github.sparksnn.train;

import io.github.sparksnn.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sequence input in the engine: each sample holds T slices, time-major, and step t sees slice t. Checked three ways:
 * the analytic gradient against central differences of the double reference (smooth mode); the smooth forward
 * against a float64 tape written here from the LIF equations (sharing no code with the engine or the reference);
 * and a sequence whose steps are all equal against today's static input repeated by the direct encoder.
 */
class SequenceInputTest {

    static Stream<Arguments> sequenceNetworks() {
        return Stream.of(
                Arguments.of("linear(3, 5) | lif | linear(5, 3) | lif", new int[]{3}, "mse"),
                Arguments.of("linear(3, 5) | rlif(recurrent=dense) | linear(5, 3) | lif(tau=3.0)", new int[]{3}, "ce"),
                Arguments.of("flatten | linear(4, 5) | synaptic(learn_alpha=true) | linear(5, 3) | alif",
                        new int[]{2, 2}, "mse"));
    }

    @ParameterizedTest(name = "{0} | {2}")
    @MethodSource("sequenceNetworks")
    void analyticGradientMatchesCentralDifferences(String spec, int[] in, String loss) {
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(in).timeSteps(6).sequenceInput(true)
                .loss(loss).seed(11).build();
        assertEquals(6 * in[0] * (in.length > 1 ? in[1] : 1), cfg.featureSize());
        GradientCheck.Result r = GradientCheck.run(cfg, 3, 5, 40);
        String table = r.format(GradientCheck.DEFAULT_TOLERANCE);
        assertTrue(r.passed(GradientCheck.DEFAULT_TOLERANCE), table);
        for (GradientCheck.TensorResult t : r.tensors()) {
            assertTrue(t.probed() > 0 && t.maxAbsGradient() > 0, "gradient flows into " + t.name() + "\n" + table);
        }
        assertEquals(r.referenceLoss(), r.engineLoss(), 1e-5 * Math.abs(r.referenceLoss()), table);
    }

    /** {@code linear(F, H) | lif | linear(H, K) | lif} (default LIF: tau 2, threshold 1, hard reset to 0). */
    private static final String SMALL = "linear(3, 4) | lif | linear(4, 2) | lif";

    @Test
    void smoothForwardMatchesAFloat64Tape() {
        int t = 5, n = 3, f = 3;
        EngineConfig cfg = EngineConfig.builder().modelSpec(SMALL).inputShape(f).timeSteps(t).sequenceInput(true)
                .seed(3).build();
        float[] x = CpuGradientEngineTest.features(n, t * f, 9);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 3f; // strong enough that the first layer's membranes cross the threshold
        }
        try (CpuGradientEngine e = new CpuGradientEngine(cfg)) {
            e.network().setSpikingMode(false);
            float[] rates = new float[n * 2];
            e.predictRates(x, 0, n, 0, rates);
            float[] p = e.parameters();
            double[] expected = tapeRates(p, x, n, t, f, 4, 2);
            double[] pd = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                pd[i] = p[i];
            }
            double[] ref = new ReferenceForward(cfg.spec(), cfg.inputShape(), t, "direct", "mse", false, true)
                    .output(pd, x, n, 0);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 2; c++) {
                    assertEquals(expected[i * 2 + c], rates[i * 2 + c], 2e-6, "engine, sample " + i + " class " + c);
                    double r = 0;
                    for (int s = 0; s < t; s++) {
                        r += ref[(s * n + i) * 2 + c];
                    }
                    assertEquals(expected[i * 2 + c], r / t, 1e-12, "ReferenceForward, sample " + i + " class " + c);
                }
            }
            // the steps matter one by one: reversing them changes the output
            float[] reversed = x.clone();
            for (int i = 0; i < n; i++) {
                for (int s = 0; s < t; s++) {
                    System.arraycopy(x, (i * t + s) * f, reversed, (i * t + (t - 1 - s)) * f, f);
                }
            }
            double[] back = tapeRates(p, reversed, n, t, f, 4, 2);
            double diff = 0;
            for (int i = 0; i < back.length; i++) {
                diff = Math.max(diff, Math.abs(back[i] - expected[i]));
            }
            assertTrue(diff > 1e-3, "reversed steps give other rates (max difference " + diff + ")");
        }
    }

    /**
     * Mean over steps of the smooth output of {@code linear | lif | linear | lif} in double: weights in PyTorch order
     * (W [out, in] then bias), LIF {@code H = V + (X - V) / 2}, smooth spike {@code S = sigmoid(4 (H - 1))},
     * reset {@code V = H (1 - S)}.
     */
    private static double[] tapeRates(float[] p, float[] x, int n, int t, int f, int h, int k) {
        double[] rates = new double[n * k];
        int w2 = h * f + h;
        for (int i = 0; i < n; i++) {
            double[] v1 = new double[h];
            double[] v2 = new double[k];
            for (int s = 0; s < t; s++) {
                double[] s1 = new double[h];
                for (int o = 0; o < h; o++) {
                    double a = p[h * f + o];
                    for (int j = 0; j < f; j++) {
                        a += (double) p[o * f + j] * x[(i * t + s) * f + j];
                    }
                    double hh = v1[o] + (a - v1[o]) / 2;
                    s1[o] = 1 / (1 + Math.exp(-4 * (hh - 1)));
                    v1[o] = hh * (1 - s1[o]);
                }
                for (int c = 0; c < k; c++) {
                    double a = p[w2 + k * h + c];
                    for (int j = 0; j < h; j++) {
                        a += (double) p[w2 + c * h + j] * s1[j];
                    }
                    double hh = v2[c] + (a - v2[c]) / 2;
                    double sp = 1 / (1 + Math.exp(-4 * (hh - 1)));
                    v2[c] = hh * (1 - sp);
                    rates[i * k + c] += sp / t;
                }
            }
        }
        return rates;
    }

    /**
     * A sequence whose steps all equal one static input against the direct encoder, which repeats that input (and
     * runs the time-invariant first layer once, {@code Network.forwardStatic}). On the portable backend every
     * product and membrane update is the same float operation on the same operands, so the forward output, the rates
     * and the loss are bit-identical. The weight gradients are not: the static path sums the output gradient over
     * time before the first layer's GEMM, the sequence path sums over T*N rows inside it, another order of the same
     * float additions; they agree to 1e-5 of the largest entry.
     */
    @Test
    void equalStepsAreTheRepeatedStaticInput() {
        int t = 4, n = 5, f = 6;
        String spec = "linear(6, 8) | lif(surrogate=ATan()) | linear(8, 3) | lif";
        EngineConfig stat = EngineConfig.builder().modelSpec(spec).inputShape(f).timeSteps(t).seed(21)
                .backend(CpuBackend.PORTABLE).build();
        EngineConfig seq = stat.withSequenceInput(true);
        float[] x = CpuGradientEngineTest.features(n, f, 4);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 4f;
        }
        float[] xs = new float[n * t * f];
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < t; s++) {
                System.arraycopy(x, i * f, xs, (i * t + s) * f, f);
            }
        }
        int[] y = CpuGradientEngineTest.labels(n, 3, 5);
        try (GradientEngine a = stat.create(); GradientEngine b = seq.create()) {
            float[] p = a.parameters();
            for (int i = 0; i < p.length; i++) {
                p[i] *= 4f; // strong weights: both layers fire
            }
            a.setParameters(p);
            b.setParameters(p);
            float[] ra = new float[n * 3];
            float[] rb = new float[n * 3];
            a.predictRates(x, 0, n, 0, ra);
            b.predictRates(xs, 0, n, 0, rb);
            assertArrayEquals(ra, rb, "rates, bit for bit");
            boolean fired = false;
            for (float r : ra) {
                fired |= r > 0;
            }
            assertTrue(fired, "some output neuron fires, so the comparison is not of zeros");
            float[] ga = new float[a.numParameters()];
            float[] gb = new float[b.numParameters()];
            GradientEngine.StepStats sa = a.accumulateGradient(x, y, 0, n, 0, ga);
            GradientEngine.StepStats sb = b.accumulateGradient(xs, y, 0, n, 0, gb);
            assertEquals(sa.lossSum(), sb.lossSum(), 0.0, "loss, bit for bit");
            assertEquals(sa.correct(), sb.correct());
            double max = 0;
            for (float g : ga) {
                max = Math.max(max, Math.abs(g));
            }
            assertTrue(max > 0);
            for (int i = 0; i < ga.length; i++) {
                assertEquals(ga[i], gb[i], 1e-5 * max, "gradient " + i);
            }
        }
    }

    @Test
    void badConfigurationsAndRangesAreErrors() {
        EngineConfig.Builder b = EngineConfig.builder().modelSpec(SMALL).inputShape(3).timeSteps(5).sequenceInput(true);
        IllegalArgumentException enc = assertThrows(IllegalArgumentException.class, () -> b.encoder("poisson").build());
        assertTrue(enc.getMessage().contains("encoder must be direct"), enc.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> b.encoder("direct").inputShape(4).build());
        assertTrue(shape.getMessage().contains("linear"), shape.getMessage());
        EngineConfig cfg = b.encoder("direct").inputShape(3).build();
        assertEquals(15, cfg.featureSize());
        assertTrue(cfg.toString().contains("sequenceInput=true"), cfg.toString());
        assertTrue(!cfg.withSequenceInput(false).toString().contains("sequenceInput"), "static fingerprints unchanged");
        try (GradientEngine e = cfg.create()) {
            assertEquals(15, e.featureSize());
            float[] rates = new float[2 * 2];
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> e.predictRates(new float[2 * 15 - 1], 0, 2, 0, rates));
            assertTrue(range.getMessage().contains("15 features per sample"), range.getMessage());
        }
    }
}
