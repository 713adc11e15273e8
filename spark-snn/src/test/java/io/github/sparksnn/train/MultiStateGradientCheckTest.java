package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Smooth mode, whole networks with the recurrent, synaptic and adaptive neurons over T = 5: the engine's analytic
 * gradient of every parameter tensor (weights before and after them, recurrent matrices, learned decays) against
 * central differences of {@link ReferenceForward}'s double forward.
 */
class MultiStateGradientCheckTest {

    @ParameterizedTest(name = "{0} | {2} {3}")
    @CsvSource(delimiter = ';', value = {
            "linear(6, 5) | rlif | linear(5, 3) | lif; 6; direct; mse",
            "linear(6, 5) | rlif(recurrent=diagonal, v_reset=none) | linear(5, 3) | alif(tau_a=5.0, beta_a=0.5); 6; direct; ce",
            "linear(6, 5) | synaptic(learn_alpha=true, learn_beta=true) | linear(5, 3) | rlif(tau=3.0, decay_input=false); 6; direct; ce",
            "flatten | linear(16, 6) | alif(v_reset=none) | linear(6, 3) | synaptic(alpha=0.6, beta=0.7, learn_beta=true); 1,4,4; poisson; mse",
            "linear(6, 5) | rlif(detach_reset=true) | linear(5, 3) | synaptic(learn_alpha=true, detach_reset=true); 6; direct; mse",
    })
    void analyticGradientMatchesFiniteDifferences(String spec, String shape, String encoder, String loss) {
        String[] dims = shape.split(",");
        int[] in = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            in[i] = Integer.parseInt(dims[i].trim());
        }
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(in).timeSteps(5).encoder(encoder)
                .loss(loss).seed(7).build();
        GradientCheck.Result r = GradientCheck.run(cfg, 3, 5, 40);
        String table = r.format(GradientCheck.DEFAULT_TOLERANCE);
        assertTrue(r.passed(GradientCheck.DEFAULT_TOLERANCE), table);
        try (GradientEngine e = cfg.create()) {
            assertEquals(e.numParameters(), r.tensors().stream().mapToInt(GradientCheck.TensorResult::length).sum(),
                    table);
        }
        for (GradientCheck.TensorResult t : r.tensors()) {
            assertTrue(t.probed() > 0 && t.maxAbsGradient() > 0, "gradient flows into " + t.name() + "\n" + table);
        }
        if (spec.contains("detach_reset=true")) {
            assertTrue(r.notes().stream().anyMatch(n -> n.contains("detach_reset")), table);
        }
    }
}
