package io.github.sparksnn.bench.scale;

import io.github.sparksnn.train.GradientEngine;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated engine: real-sized, deterministic gradients; it travels in task closures. */
class SimulatedEngineFactoryTest {

    @Test
    void gradientsAreRealSizedDeterministicAndAdded() throws Exception {
        SimulatedEngineFactory f = new SimulatedEngineFactory(1000, 6, 784, 10, 0, 42);
        float[] a = new float[1000];
        float[] b = new float[1000];
        try (GradientEngine e1 = f.create(); GradientEngine e2 = f.create()) {
            GradientEngine.StepStats s = e1.accumulateGradient(new float[0], new int[0], 3, 8, 5, a);
            e2.accumulateGradient(new float[0], new int[0], 3, 8, 5, b);
            assertEquals(5, s.count());
            assertArrayEquals(a, b);
            assertNotEquals(0f, a[17]);
            float once = a[17];
            e1.accumulateGradient(new float[0], new int[0], 3, 8, 5, a);
            assertEquals(2 * once, a[17], 1e-9f);
            e1.setParameters(b);
            assertArrayEquals(b, e1.parameters());
            assertThrows(IllegalArgumentException.class, () -> e1.setParameters(new float[3]));
            assertTrue(e1.backendDescription().startsWith("simulated"));
            // A batch-norm model's running statistics are kept as loaded (the CNN's travel with the state).
            float[] stats = {1, 2, 3, 4, 5, 6};
            e1.setBuffers(stats);
            assertArrayEquals(stats, e1.buffers());
            assertThrows(IllegalArgumentException.class, () -> e1.setBuffers(new float[0]));
        }
        new ObjectOutputStream(new ByteArrayOutputStream()).writeObject(f);
        assertThrows(IllegalArgumentException.class, () -> new SimulatedEngineFactory(1000, 0, 784, 10, -1, 42));
    }

    /** With a calibrated schedule the call reports its ranges during its wait, the last first, and adds the same bits. */
    @Test
    void aScheduleReportsTheRangesDuringTheWaitWithTheSameBits() {
        SimulatedEngineFactory f = new SimulatedEngineFactory(1000, 0, 784, 10, 4e6, 42, "900@0.25,300@0.5");
        float[] plain = new float[1000];
        float[] hooked = new float[1000];
        java.util.List<long[]> seen = new java.util.ArrayList<>();
        try (GradientEngine e = f.create()) {
            e.accumulateGradient(new float[0], new int[0], 0, 5, 3, plain);
            long t0 = System.nanoTime();
            e.accumulateGradient(new float[0], new int[0], 0, 5, 3, hooked,
                    (from, to) -> seen.add(new long[]{from, to, System.nanoTime() - t0}));
            long total = System.nanoTime() - t0;
            assertArrayEquals(plain, hooked);
            assertEquals(3, seen.size());
            assertArrayEquals(new long[]{900, 1000}, java.util.Arrays.copyOf(seen.get(0), 2));
            assertArrayEquals(new long[]{300, 900}, java.util.Arrays.copyOf(seen.get(1), 2));
            assertArrayEquals(new long[]{0, 300}, java.util.Arrays.copyOf(seen.get(2), 2));
            // 20 ms in all: the first range at >= 5 ms, the second at >= 10 ms, the last at the end
            assertTrue(seen.get(0)[2] >= 5_000_000L && seen.get(1)[2] >= 10_000_000L, "reported at their fractions");
            assertTrue(seen.get(2)[2] >= 20_000_000L && total >= 20_000_000L, "the rest at the end");
        }
        assertThrows(IllegalArgumentException.class, () -> new SimulatedEngineFactory(1000, 0, 784, 10, 0, 42,
                "300@0.5,900@0.6"));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedEngineFactory(1000, 0, 784, 10, 0, 42,
                "900@0.5,300@0.4"));
        assertThrows(IllegalArgumentException.class, () -> new SimulatedEngineFactory(1000, 0, 784, 10, 0, 42,
                "900"));
    }

    /** The calibrated schedule: one entry per layer but the first, on layer boundaries, and the factory accepts it. */
    @Test
    void theCalibratedScheduleFollowsTheLayersTheLastFirst() {
        io.github.sparksnn.train.EngineConfig cfg = io.github.sparksnn.train.EngineConfig.builder()
                .modelSpec("flatten | linear(16, 12) | lif(tau=2.0) | linear(12, 8) | lif(tau=2.0) | linear(8, 3)"
                        + " | lif(tau=2.0)").inputShape(1, 4, 4).timeSteps(2).build();
        String schedule = Calibration.finalSchedule(cfg, 4, java.nio.file.Path.of("no-such-data-dir"), 4);
        String[] parts = schedule.split(",");
        assertEquals(2, parts.length, schedule);
        assertEquals(16 * 12 + 12 + 12 * 8 + 8, Integer.parseInt(parts[0].split("@")[0]), schedule);
        assertEquals(16 * 12 + 12, Integer.parseInt(parts[1].split("@")[0]), schedule);
        new SimulatedEngineFactory(cfg.initialParameters().length, 0, 16, 3, 1e3, 42, schedule);
    }
}

