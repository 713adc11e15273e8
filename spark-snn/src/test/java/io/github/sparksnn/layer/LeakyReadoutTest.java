package io.github.sparksnn.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.model.Network;
import org.junit.jupiter.api.Test;

/** The membrane readout against its closed form, in single steps, and its argument checks. */
class LeakyReadoutTest {

    @Test
    void constantInputChargesTowardsItInClosedForm() {
        int T = 7, n = 2, f = 3;
        try (CpuBackend be = new CpuBackend();
             Network net = Network.build(ModelSpec.parse("readout(tau=2.0)"), new int[]{f}, be);
             Network plain = Network.build(ModelSpec.parse("readout(tau=4.0, decay_input=false)"), new int[]{f}, be)) {
            float[] x = new float[T * n * f];
            java.util.Arrays.fill(x, 1.5f);
            net.allocate(T, n);
            plain.allocate(T, n);
            Tensor in = be.alloc(x.length);
            be.upload(x, 0, in, 0, x.length);
            float[] u = new float[x.length], w = new float[x.length];
            be.download(net.forward(in, new Pass().set(T, n, true, 0, 0)), 0, u, 0, u.length);
            be.download(plain.forward(in, new Pass().set(T, n, true, 0, 0)), 0, w, 0, w.length);
            for (int t = 0; t < T; t++) {
                // U[t] = x (1 - a^(t+1)) with a = 1/2 (decay_input); without it the sum x (1 - a^(t+1)) / (1 - a)
                assertEquals(1.5 * (1 - Math.pow(0.5, t + 1)), u[t * n * f], 1e-6, "step " + t);
                assertEquals(1.5 * (1 - Math.pow(0.75, t + 1)) / 0.25, w[t * n * f + 4], 1e-5, "step " + t);
            }
            in.close();
        }
    }

    @Test
    void singleStepsCarryTheMembraneLikeOneMultiStepPass() {
        int T = 5, n = 2, f = 4;
        try (CpuBackend be = new CpuBackend();
             Network net = Network.build(ModelSpec.parse("linear(4, 3) | readout(tau=3.0)"), new int[]{f}, be)) {
            net.setParameters(net.initialParameters(5));
            float[] x = new float[T * n * f];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i);
            }
            net.allocate(T, n);
            Tensor in = be.alloc(x.length);
            be.upload(x, 0, in, 0, x.length);
            float[] multi = new float[T * n * 3];
            be.download(net.forward(in, new Pass().set(T, n, false, 0, 0)), 0, multi, 0, multi.length);
            Tensor step = be.alloc(n * f);
            float[] streamed = new float[multi.length];
            net.resetState();
            for (int t = 0; t < T; t++) {
                be.copy(in, t * n * f, step, 0, n * f);
                be.download(net.stepForward(step, n), 0, streamed, t * n * 3, n * 3);
            }
            for (int i = 0; i < multi.length; i++) {
                assertEquals(multi[i], streamed[i], 1e-5, "element " + i);
            }
            net.resetState();
            float[] first = new float[n * 3];
            be.copy(in, 0, step, 0, n * f);
            be.download(net.stepForward(step, n), 0, first, 0, n * 3);
            assertArrayEquals(java.util.Arrays.copyOf(streamed, n * 3), first, "reset starts from U = 0");
            in.close();
            step.close();
        }
    }

    @Test
    void rejectsADecayOutsideItsRange() {
        for (String bad : new String[]{"readout(tau=0.5)", "readout(tau=-2.0)"}) {
            try (CpuBackend be = new CpuBackend()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Network.build(ModelSpec.parse(bad), new int[]{3}, be), bad);
                assertTrue(e.getMessage().contains("tau"), e.getMessage());
            }
        }
    }
}
