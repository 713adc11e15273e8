package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.UnfusedBackend;
import org.junit.jupiter.api.Test;

/**
 * A training step of spiking CNNs (the shape of issue 11's network, small) on the CPU backend with its fused
 * kernels equals the same step with every fused operation replaced by the interface's unfused composition, bit
 * for bit: loss and every parameter's gradient.
 */
class FusedCnnStepTest {
    static final String[] MODELS = {
        "conv2d(1, 4, 3, padding=1, bias=false) | batchnorm2d(4) | if(surrogate=ATan(alpha=2.0)) | maxpool2d(2)"
            + " | conv2d(4, 4, 3, padding=1, bias=false) | batchnorm2d(4) | if(surrogate=ATan(alpha=2.0)) | maxpool2d(2)"
            + " | flatten | linear(36, 16) | if(surrogate=ATan(alpha=2.0)) | linear(16, 3) | if(surrogate=ATan(alpha=2.0))",
        "conv2d(1, 3, 3, stride=2, padding=1) | lif(tau=2.0, detach_reset=true) | maxpool2d(3, stride=2) | flatten"
            + " | linear(12, 3) | lif(v_reset=none)",
    };

    @Test
    void fusedAndUnfusedStepsAgreeBitForBit() {
        for (String spec : MODELS) {
            for (String enc : new String[]{"direct", "poisson"}) {
                EngineConfig c = EngineConfig.builder().modelSpec(spec).inputShape(1, 12, 12).timeSteps(4).encoder(enc)
                        .loss("mse").seed(3).build();
                float[] x = CpuGradientEngineTest.features(9, 144, 5);
                int[] y = CpuGradientEngineTest.labels(9, 3, 6);
                try (CpuBackend a = new CpuBackend(); CpuBackend b = new CpuBackend();
                     GradientEngine fused = new CpuGradientEngine(c, a);
                     GradientEngine plain = new CpuGradientEngine(c, UnfusedBackend.wrap(b))) {
                    float[] g1 = new float[fused.numParameters()];
                    float[] g2 = new float[plain.numParameters()];
                    for (int step = 0; step < 2; step++) {
                        GradientEngine.StepStats s1 = fused.accumulateGradient(x, y, 0, 9, step, g1);
                        GradientEngine.StepStats s2 = plain.accumulateGradient(x, y, 0, 9, step, g2);
                        assertEquals(s2, s1, spec + " " + enc);
                    }
                    assertArrayEquals(g2, g1, spec + " " + enc);
                    double norm = 0;
                    for (float v : g1) {
                        norm += Math.abs(v);
                    }
                    assertTrue(norm > 0, "a non-zero gradient");
                }
            }
        }
    }
}
