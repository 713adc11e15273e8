package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.Formula;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole-network gradient checks (smooth mode: the engine's analytic gradient against central finite differences of
 * the double reference forward, as {@code snn model check-grad}) with Formula surrogates in every neuron kind: a
 * derived gradient, a given pair, and piecewise formulas.
 */
class FormulaGradientCheckTest {
    static final String ATAN = "Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)";
    static final String SIGMOID_PAIR = "Formula(primitive='sigmoid(alpha*x)', gradient='alpha*sigmoid(alpha*x)*(1 - sigmoid(alpha*x))', alpha=4)";
    static final String SOFTSIGN = "Formula(primitive='0.5*(a*x/(1 + abs(a*x))) + 0.5', a=2)";

    @ParameterizedTest
    @ValueSource(strings = {
        "flatten | linear(16, 8) | lif(surrogate=" + ATAN + ") | linear(8, 3) | lif(surrogate=" + SIGMOID_PAIR + ")",
        "linear(16, 8) | if(v_reset=none, surrogate=" + SOFTSIGN + ") | linear(8, 3) | if(surrogate=" + ATAN + ")",
        "linear(16, 8) | plif(init_tau=2.5, surrogate=" + SIGMOID_PAIR + ") | linear(8, 4) | plif(v_reset=none, surrogate=" + SOFTSIGN + ")",
        "conv2d(1, 3, 3, padding=1) | lif(surrogate=" + ATAN + ") | flatten | linear(48, 3) | if(surrogate=" + SIGMOID_PAIR + ")",
    })
    void formulaSurrogatesPassTheNetworkGradientCheck(String spec) {
        boolean conv = spec.startsWith("conv");
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(conv ? new int[] {1, 4, 4} : new int[] {16})
                .timeSteps(3).encoder("direct").loss("mse").seed(11).build();
        assertTrue(cfg.spec().toString().contains("Formula(primitive='"), cfg.spec().toString());
        assertTrue(cfg.spec().layers().stream().flatMap(l -> l.arguments().values().stream())
                .anyMatch(v -> v instanceof Formula), "the spec holds Formula surrogates");
        GradientCheck.Result r = GradientCheck.run(cfg, 3, 5, 12);
        assertTrue(r.passed(GradientCheck.DEFAULT_TOLERANCE), r.format(GradientCheck.DEFAULT_TOLERANCE));
        for (GradientCheck.TensorResult t : r.tensors()) {
            assertTrue(t.maxAbsGradient() > 0, "gradient flows into " + t.name());
        }
    }
}
