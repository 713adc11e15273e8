package io.github.sparksnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.layer.Pass;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The recurrent, synaptic and adaptive neurons in the spec language and in a built network. */
class MultiStateSpecTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "linear(4, 6) | rlif(tau=3.0, recurrent=diagonal) | linear(6, 6) | synaptic(alpha=0.5, learn_alpha=true)"
                    + " | alif(tau_a=10.0, beta_a=0.5, v_reset=none)",
            "rlif(decay_input=false, recurrent=dense, detach_reset=true, surrogate=ATan(alpha=3.0))",
            "synaptic(alpha=0.0, beta=1.0, learn_beta=false, v_threshold=0.5) | alif(2.5, false, 4.0, 0.0)",
    })
    void toStringParsesBackToAnEqualSpec(String text) {
        ModelSpec s = ModelSpec.parse(text);
        ModelSpec back = ModelSpec.parse(s.toString());
        assertEquals(s, back);
        assertEquals(s.toString(), back.toString());
        assertEquals(s, ModelSpec.parse(s.withSpikingMode(false).toString()).withSpikingMode(true));
    }

    @Test
    void canonicalFormsAndDefaults() {
        assertEquals("rlif", ModelSpec.parse("rlif(recurrent=DENSE)").toString());
        assertEquals("rlif(tau=2.5, decay_input=false, recurrent=diagonal)",
                ModelSpec.parse("rlif(2.5, false, diagonal)").toString());
        assertEquals(ModelSpec.parse("rlif(recurrent=diagonal)"), ModelSpec.parse("rlif(2.0, true, Diagonal)"));
        assertEquals("synaptic(alpha=0.5, learn_alpha=true)",
                ModelSpec.parse("synaptic(alpha=0.5, beta=0.8, learn_alpha=true)").toString());
        LayerSpec alif = ModelSpec.parse("alif").layers().get(0);
        assertEquals(20.0, alif.getDouble("tau_a"));
        assertEquals(1.8, alif.getDouble("beta_a"));
        assertEquals(2.0, alif.getDouble("tau"));
        assertEquals("dense", ModelSpec.parse("rlif").layers().get(0).getChoice("recurrent"));
        assertEquals(ModelSpec.parse("rlif(tau=3.0, recurrent=diagonal) | synaptic(alpha=0.7, beta=0.6)"
                        + " | alif(tau=2.0, tau_a=8.0, beta_a=0.4)"),
                ModelSpec.builder().rlif(3.0, "diagonal").synaptic(0.7, 0.6).alif(2.0, 8.0, 0.4).build());
        assertTrue(ModelSpec.parse("rlif | synaptic | alif").layers().stream().allMatch(l -> l.kind().isNeuron()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "rlif(recurrent=full); 15; argument 'recurrent' must be one of dense, diagonal, got full",
            "rlif(recurrent=2); 15; must be one of dense, diagonal, got 2",
            "rlif(tau=1.0); 9; tau must be > 1",
            "lif(recurrent=dense); 4; lif has no argument 'recurrent'",
            "synaptic(alpha=1.5); 15; alpha must be in [0, 1], got 1.5",
            "synaptic(beta=-0.1); 14; beta must be in [0, 1], got -0.1",
            "synaptic(alpha=1.0, learn_alpha=true); 15; alpha must be in (0, 1) with learn_alpha=true",
            "synaptic(beta=0, learn_beta=true); 14; beta must be in (0, 1) with learn_beta=true",
            "synaptic(learn_alpha=1); 21; argument 'learn_alpha' must be true or false",
            "alif(tau_a=0); 11; tau_a must be > 0",
            "alif(beta_a=-1.0); 12; beta_a must be >= 0",
            "alif(tau=0.5); 9; tau must be > 1",
            "alif(tau_a=none); 11; argument 'tau_a' must be a number",
    })
    void badArgumentsAreNamedAndPointedAt(String text, int position, String message) {
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelSpec.parse(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(position, e.position(), e.getMessage());
    }

    @Test
    void parametersAreNamedAndSized() {
        ModelSpec spec = ModelSpec.parse("flatten | linear(8, 5) | rlif | linear(5, 4) | rlif(recurrent=diagonal)"
                + " | synaptic(learn_alpha=true, learn_beta=true) | linear(4, 3) | alif | synaptic(learn_beta=true)");
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(spec, new int[]{2, 4}, be)) {
            List<Layer.ParameterTensor> named = net.namedParameters();
            List<String> names = named.stream().map(t -> t.name() + ":" + t.length()).toList();
            assertEquals(List.of("2.linear.weight:40", "2.linear.bias:5", "3.rlif.recurrent_weight:25",
                    "4.linear.weight:20", "4.linear.bias:4", "5.rlif.recurrent_weight:4", "6.synaptic.w_alpha:1",
                    "6.synaptic.w_beta:1", "7.linear.weight:12", "7.linear.bias:3", "9.synaptic.w_beta:1"), names);
            float[] p = net.initialParameters(3);
            assertEquals(Math.log(0.9 / 0.1), p[named.get(6).offset()], 1e-6, "alpha's logit");
            assertEquals(Math.log(0.8 / 0.2), p[named.get(7).offset()], 1e-6, "beta's logit");
            int w = named.get(2).offset();
            for (int i = 0; i < 25; i++) {
                assertTrue(Math.abs(p[w + i]) <= 1 / Math.sqrt(5), "U(-1/sqrt(n), 1/sqrt(n))");
            }
        }
    }

    @Test
    void singleStepStreamingReproducesTheMultiStepPass() {
        ModelSpec spec = ModelSpec.parse("linear(6, 5) | rlif(v_reset=none) | linear(5, 4) | synaptic(learn_alpha=true)"
                + " | linear(4, 4) | rlif(recurrent=diagonal) | linear(4, 3) | alif(tau_a=3.0, beta_a=0.5)");
        int T = 6, n = 3, f = 6;
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[T * n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 3);
        }
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(spec, new int[]{f}, be)) {
            float[] p = net.initialParameters(4);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 4;
            }
            for (int i = p.length - 3; i < p.length; i++) {
                p[i] = 2.5f; // the last linear's bias: make the output neurons fire sometimes
            }
            net.setParameters(p);
            net.allocate(T, n);
            Tensor in = be.alloc(T * n * f);
            be.upload(x, 0, in, 0, x.length);
            float[] multi = new float[T * n * 3];
            be.download(net.forward(in, new Pass().set(T, n, false, 0, 0)), 0, multi, 0, multi.length);
            double spikes = 0;
            for (float v : multi) {
                spikes += v;
            }
            assertTrue(spikes > 0 && spikes < multi.length, "some output spikes: " + spikes);
            Tensor step = be.alloc(n * f);
            float[] streamed = new float[T * n * 3];
            net.resetState();
            for (int t = 0; t < T; t++) {
                be.copy(in, t * n * f, step, 0, n * f);
                be.download(net.stepForward(step, n), 0, streamed, t * n * 3, n * 3);
            }
            assertArrayEquals(multi, streamed, "T single steps = one multi-step pass");
            float[] again = new float[n * 3];
            be.copy(in, 0, step, 0, n * f);
            net.resetState();
            be.download(net.stepForward(step, n), 0, again, 0, n * 3);
            assertArrayEquals(java.util.Arrays.copyOf(multi, n * 3), again, "a reset starts again");
            in.close();
            step.close();
        }
    }
}
