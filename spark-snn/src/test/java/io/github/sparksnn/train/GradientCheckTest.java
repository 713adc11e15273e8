package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Smooth mode: the engine's analytic gradient of every layer and neuron kind against central finite differences
 * of the independent double-precision reference forward.
 */
@org.junit.jupiter.api.Tag("native-kernels") // also run under other OpenBLAS/ATen/AVX kernel choices (pom.xml)
class GradientCheckTest {

    @ParameterizedTest(name = "{0} | {2} {3}")
    @CsvSource(delimiter = ';', value = {
            "flatten | linear(16, 8) | lif | linear(8, 3) | lif; 1,4,4; direct; mse",
            "flatten | linear(16, 8) | lif(tau=3.0, decay_input=false, v_reset=none) | linear(8, 3) | lif(v_threshold=0.5); 16; direct; ce",
            "linear(16, 8, bias=false) | if(v_reset=none, surrogate=ATan(alpha=2.0)) | linear(8, 3) | if(v_reset=-0.2); 16; poisson; mse",
            "linear(16, 8) | plif(init_tau=2.5) | linear(8, 4) | plif(decay_input=false, v_reset=none); 16; direct; mse",
            "linear(16, 8) | lif(detach_reset=true) | linear(8, 3) | lif; 16; direct; ce",
            "conv2d(1, 4, 3, padding=1) | batchnorm2d(4) | if | maxpool2d(2) | conv2d(4, 3, 3, stride=2, bias=false) | avgpool2d(1) | flatten | linear(3, 3) | lif; 1,6,6; direct; mse",
            "conv2d(2, 3, 2, stride=2) | avgpool2d(2, stride=1) | lif | flatten | dropout(0.3) | linear(12, 5) | batchnorm1d(5) | lif; 2,6,6; direct; ce",
            "dropout(0.3) | maxpool2d(2, stride=1) | flatten | linear(9, 6) | lif | linear(6, 3) | lif; 1,4,4; direct; mse",
            "flatten | dropout(0.4) | linear(16, 6) | linear(6, 3); 1,4,4; direct; ce",
            "linear(16, 8) | lif(surrogate=Erf(alpha=2.0)) | linear(8, 3) | if(v_reset=none, surrogate=SoftSign()); 16; direct; ce",
            "conv2d(2, 3, 3, stride=2, padding=2) | lif | flatten | linear(18, 3) | lif; 2,1,3; direct; mse",
            "flatten | dropout(0.4) | linear(16, 6) | linear(6, 3) | plif; 1,4,4; poisson; ce",
            "flatten | linear(16, 8) | lif | linear(8, 3) | lif; 1,4,4; latency(tau=2.0, normalize=true); mse",
            "linear(16, 8) | if | linear(8, 3) | lif; 16; latency(linear=true, normalize=true, clip=true); ce",
    })
    void analyticGradientMatchesFiniteDifferences(String spec, String shape, String encoder, String loss) {
        String[] dims = shape.split(",");
        int[] in = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            in[i] = Integer.parseInt(dims[i].trim());
        }
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(in).timeSteps(3).encoder(encoder)
                .loss(loss).seed(11).build();
        GradientCheck.Result r = GradientCheck.run(cfg, 3, 5, 12);
        String table = r.format(GradientCheck.DEFAULT_TOLERANCE);
        assertTrue(r.passed(GradientCheck.DEFAULT_TOLERANCE), table);
        // Every parameter tensor was checked: their lengths add up to the whole flat parameter vector.
        try (io.github.sparksnn.train.GradientEngine e = cfg.create()) {
            assertEquals(e.numParameters(), r.tensors().stream().mapToInt(GradientCheck.TensorResult::length).sum(),
                    table);
        }
        assertTrue(r.tensors().stream().allMatch(t -> t.probed() > 0), table);
        for (GradientCheck.TensorResult t : r.tensors()) {
            assertTrue(t.maxAbsGradient() > 0, "gradient flows into " + t.name() + "\n" + table);
        }
        if (spec.contains("detach_reset=true")) {
            assertTrue(r.notes().stream().anyMatch(n -> n.contains("detach_reset")), table);
        }
    }
}
