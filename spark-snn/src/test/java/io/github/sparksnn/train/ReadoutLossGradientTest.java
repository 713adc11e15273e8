package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The membrane readout and the losses on it (issue 19, item 4). Whole networks in smooth mode: the engine's BPTT
 * gradient against central differences of {@link ReferenceForward}'s double forward and loss. Each loss on its
 * own: its float value and trace gradient against {@link ReferenceForward#traceLoss}, a double re-computation from
 * the definitions, differentiated by central differences.
 */
class ReadoutLossGradientTest {

    @ParameterizedTest(name = "{0} | {1}")
    @CsvSource(delimiter = ';', value = {
            "linear(6, 5) | lif | linear(5, 3) | readout; mse_membrane",
            "linear(6, 5) | lif | linear(5, 3) | readout(tau=3.0); ce_max",
            "linear(6, 5) | synaptic | linear(5, 3) | readout(decay_input=false); ce_last",
            "linear(6, 5) | rlif | linear(5, 3) | readout(tau=1.5); mse",
            "linear(6, 5) | lif | linear(5, 3) | lif; ce_count",
            "linear(6, 5) | lif | linear(5, 3) | lif; ce+l1(0.05)",
            "linear(6, 5) | alif | linear(5, 3) | readout; ce_last+l1(0.02)",
            "linear(6, 5) | lif | linear(5, 1) | readout(tau=4.0); mse_target",
    })
    void engineGradientMatchesCentralDifferences(String spec, String loss) {
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(6).timeSteps(6).encoder("direct")
                .loss(loss).seed(11).build();
        GradientCheck.Result r = GradientCheck.run(cfg, 3, 5, 40);
        String table = r.format(GradientCheck.DEFAULT_TOLERANCE);
        assertTrue(r.passed(GradientCheck.DEFAULT_TOLERANCE), table);
        for (GradientCheck.TensorResult t : r.tensors()) {
            assertTrue(t.maxAbsGradient() > 0, "gradient flows into " + t.name() + "\n" + table);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mse", "ce", "ce_count", "ce_max", "ce_last", "mse_membrane", "ce_max+l1(0.3)",
            "mse+l1(0.1)"})
    void lossAndTraceGradientMatchDoubleDefinition(String spec) {
        checkLoss(Loss.parse(spec), 3, new int[]{2, 0, 1, 2});
    }

    @Test
    void regressionTargetLossOnCodedTargets() {
        checkLoss(Loss.parse("mse_target"), 1, new int[]{TargetCode.encode(0.25), TargetCode.encode(1.0),
                TargetCode.encode(0.0), TargetCode.encode(0.7)});
        float[] scores = {0.5f};
        assertTrue(!Loss.parse("mse_target").correct(scores, 0, 1, TargetCode.encode(0.5)), "regression has no class");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Loss.parse("mse_target").lossAndGradient(new float[6], 1, new float[6], new int[2], 0, 2, 3,
                        new float[6], new float[6]));
        assertTrue(e.getMessage().contains("one output"), e.getMessage());
    }

    private static void checkLoss(Loss loss, int k, int[] labels) {
        int T = 5, n = labels.length, m = n * k;
        SplittableRandom rng = new SplittableRandom(3);
        float[] out = new float[T * m];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (rng.nextDouble() * 2 - 0.5);
        }
        float[] scores = new float[m], dScores = new float[m], dOut = new float[T * m];
        loss.decode(out, T, n, k, scores);
        double got = loss.lossAndGradient(out, T, scores, labels, 0, n, k, dScores, dOut);
        double[] o = new double[out.length];
        for (int i = 0; i < o.length; i++) {
            o[i] = out[i];
        }
        double want = ReferenceForward.traceLoss(loss, o, T, n, k, labels);
        assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), loss.name() + ": loss value");
        double h = 1e-6;
        for (int j = 0; j < o.length; j++) {
            double orig = o[j];
            o[j] = orig + h;
            double lp = ReferenceForward.traceLoss(loss, o, T, n, k, labels);
            o[j] = orig - h;
            double lm = ReferenceForward.traceLoss(loss, o, T, n, k, labels);
            o[j] = orig;
            double num = (lp - lm) / (2 * h);
            assertEquals(num, dOut[j], 1e-4, loss.name() + ": d loss / d out[" + j + "]");
        }
    }

    @Test
    void parseNamesCanonicalFormsAndRejectsBadSpecs() {
        assertEquals("ce_count+l1(0.01)", Loss.parse(" CE_count + l1(0.01) ").name());
        assertEquals("mse_membrane", Loss.parse("mse_membrane").name());
        assertEquals("ce", L1RateRegularizer.withWeight("ce", 0));
        assertEquals("ce_max+l1(0.5)", L1RateRegularizer.withWeight("ce_max", 0.5));
        for (String bad : new String[]{"hinge", "ce+l2(1)", "ce+l1(-1)", "ce+l1(x)", "ce+l1(1)+l1(2)", "ce+l1(NaN)"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.parse(bad), bad);
            assertTrue(e.getMessage().contains("l1") || e.getMessage().contains("unknown loss"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> TargetCode.encode(1.5));
        assertThrows(IllegalArgumentException.class, () -> TargetCode.encode(Double.NaN));
        assertEquals(0.3, TargetCode.decode(TargetCode.encode(0.3)), 1.0 / TargetCode.SCALE);
    }
}
