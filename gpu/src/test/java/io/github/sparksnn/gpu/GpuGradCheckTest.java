package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code snn gpu check-grad}'s checks on the {@link HostEmulator} (the real backend and kernels; the half kernel
 * needs a device): every row passes, with PLIF's dL/dk rows, the smooth forward and the smooth network's central
 * differences (its gradient computed on the emulated device); and a row fails when the values differ.
 */
class GpuGradCheckTest {

    @Test
    void everyFloatCheckPassesOnTheEmulatorForEachNeuronType() throws Exception {
        Assumptions.assumeTrue(HostEmulator.unavailableReason().isEmpty(), "SKIPPED (visible): no g++");
        HostEmulator emu = HostEmulator.start(HostEmulator.builtInSurrogates());
        try (CudaBackend gpu = new CudaBackend(emu); CpuBackend cpu = new CpuBackend(1)) {
            for (GpuGradCheck.Neuron n : GpuGradCheck.Neuron.values()) {
                List<GpuGradCheck.Row> rows = GpuGradCheck.checkFloat(gpu, cpu, n,
                        Surrogates.create("S2NN", Map.of("alpha", 4.0, "beta", 1.0)), 8, 512, 1);
                // g', dL/dX twice (and dL/dk twice for PLIF), the smooth forward, the smooth network
                assertEquals(n == GpuGradCheck.Neuron.PLIF ? 7 : 5, rows.size(), rows.toString());
                for (GpuGradCheck.Row r : rows) {
                    assertTrue(r.passed(), r.toString());
                }
                GpuGradCheck.Row net = rows.get(rows.size() - 1);
                assertEquals("smooth network vs central differences", net.check());
                assertTrue(net.points() > 80 && net.maxAbsError() > 0, net.toString()); // every parameter, a real difference
                assertTrue(rows.get(1).maxAbsError() < 1e-5, rows.toString());
            }
        } finally {
            emu.stop();
        }
    }

    @Test
    void aRowFailsWhenTheValuesDiffer() {
        float[] want = {1f, 0.5f, 0f};
        GpuGradCheck.Row same = GpuGradCheck.Row.of("x", want, want.clone(), 1e-6, 1e-7);
        assertTrue(same.passed());
        assertEquals(0.0, same.maxAbsError());
        GpuGradCheck.Row off = GpuGradCheck.Row.of("x", want, new float[] {1f, 0.5001f, 0f}, 1e-6, 1e-7);
        assertFalse(off.passed());
        assertEquals(1e-4, off.maxAbsError(), 1e-6);
        assertFalse(GpuGradCheck.Row.of("x", want, new float[] {1f, Float.NaN, 0f}, 1, 1).passed());
        assertThrows(IllegalArgumentException.class, () -> GpuGradCheck.Neuron.parse("izhikevich"));
        assertEquals(GpuGradCheck.Neuron.PLIF, GpuGradCheck.Neuron.parse(" PLIF "));
    }

    @Test
    void thePointsAreExactInHalfPrecision() {
        for (float x : GpuGradCheck.points()) {
            // 11 significant bits: x * 256 is an integer of magnitude <= 1024
            float scaled = x * 256f;
            assertEquals(Math.rint(scaled), scaled, 0.0);
            assertTrue(Math.abs(scaled) <= 1024);
        }
    }
}
