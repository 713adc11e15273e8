package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Smooth mode, whole networks that start with the spec encoder layers: the engine's analytic gradient of every
 * parameter after them against central differences of {@link ReferenceForward}, whose delta and population codes are
 * written out there independently of {@code layer.DeltaCode} and {@code layer.PopulationCode}. A wrong code, a
 * wrong layout or a gradient leaking through an encoder would each move the loss or the gradients apart.
 */
class EncoderLayerGradientCheckTest {

    @ParameterizedTest(name = "{0} | seq={2}")
    @CsvSource(delimiter = ';', value = {
            "population(3, min=0.0, max=1.0) | linear(12, 5) | lif | linear(5, 3) | lif; 4; false; mse",
            "flatten | population(4, min=-0.5, max=1.5, width=0.4) | linear(16, 5) | plif | linear(5, 3) | lif; 1,2,2; false; ce",
            "delta(threshold=0.2) | linear(8, 5) | rlif | linear(5, 3) | lif; 4; true; ce",
            "delta(threshold=0.3, padding=true) | population(2) | linear(16, 3) | synaptic; 4; true; mse",
    })
    void analyticGradientMatchesFiniteDifferences(String spec, String shape, boolean sequence, String loss) {
        String[] dims = shape.split(",");
        int[] in = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            in[i] = Integer.parseInt(dims[i].trim());
        }
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(in).timeSteps(5).sequenceInput(sequence)
                .loss(loss).seed(11).build();
        GradientCheck.Result r = GradientCheck.run(cfg, 3, 5, 40);
        String table = r.format(GradientCheck.DEFAULT_TOLERANCE);
        assertTrue(r.passed(GradientCheck.DEFAULT_TOLERANCE), table);
        assertTrue(r.lossRelativeDifference() < 1e-5, "engine and reference forward agree\n" + table);
        try (GradientEngine e = cfg.create()) {
            assertEquals(e.numParameters(), r.tensors().stream().mapToInt(GradientCheck.TensorResult::length).sum(),
                    table);
        }
        for (GradientCheck.TensorResult t : r.tensors()) {
            assertTrue(t.probed() > 0 && t.maxAbsGradient() > 0, "gradient flows into " + t.name() + "\n" + table);
        }
    }
}
