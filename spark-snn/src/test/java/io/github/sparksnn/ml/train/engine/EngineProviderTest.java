package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.BackendProvider;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import io.github.sparksnn.train.ParallelGradientEngine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backend resolution of the {@code backend} Param: the driver only validates the name; {@code auto} and
 * {@code cuda} are decided where the engine is built (an executor), through the core's BackendProvider service.
 */
class EngineProviderTest {
    private static final EngineConfig CONFIG = EngineConfig.builder()
            .modelSpec("linear(4, 3) | lif(tau=2.0)").inputShape(4).build();

    @Test
    void cudaIsOnlyValidatedOnTheDriverAndFailsWhereTheEngineIsBuiltWithTheReason() {
        EngineFactory f = EngineProvider.resolve("cuda", CONFIG);
        BackendEngineFactory b = assertInstanceOf(BackendEngineFactory.class, f);
        assertEquals("cuda", b.backendName());
        assertEquals("cuda", ((BackendEngineFactory) EngineProvider.resolve(" GPU ", CONFIG)).backendName());
        IllegalStateException ex = assertThrows(IllegalStateException.class, f::create);
        String m = ex.getMessage();
        assertTrue(m.contains("backend=cuda"), m);
        assertTrue(m.contains("the driver (host "), m);   // outside a Spark executor: names this JVM
        assertTrue(m.contains("has no usable CUDA device"), m);
        assertTrue(m.contains(UnavailableTestBackendProvider.REASON), m);
        assertTrue(m.contains("backend=auto"), m);
        // the cache key is computed on the executor too, and fails the same way rather than caching a CPU engine
        assertThrows(IllegalStateException.class, f::cacheKey);
    }

    @Test
    void autoRunsOnTheCpuWhereNoProviderIsAvailable() {
        EngineFactory auto = EngineProvider.resolve("auto", CONFIG);
        assertInstanceOf(BackendEngineFactory.class, auto);
        try (GradientEngine e = auto.create()) {
            assertTrue(e.backendDescription().startsWith("cpu"), e.backendDescription());
            assertEquals(CONFIG.create().numParameters(), e.numParameters());
        }
        assertTrue(auto.cacheKey().contains("|cpu|"), auto.cacheKey());
        assertInstanceOf(CoreEngineFactory.class, EngineProvider.resolve("CPU", CONFIG));
        assertInstanceOf(BackendEngineFactory.class, EngineProvider.resolve(null, CONFIG));
    }

    @Test
    void unknownBackendIsNamedWithTheChoices() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> EngineProvider.resolve("tpu", CONFIG));
        assertTrue(ex.getMessage().contains("'tpu'"), ex.getMessage());
        assertTrue(ex.getMessage().contains("auto, cpu, cpu-portable, cuda"), ex.getMessage());
        assertEquals(UnavailableTestBackendProvider.REASON, BackendEngineFactory.unavailable(BackendEngineFactory.find("CUDA")));
    }

    @Test
    void enginesSayWhatTheyRunOn() {
        GradientEngine plain = new SoftmaxEngine(4, 3, 1L, 0.0);
        assertEquals("cpu", plain.backendDescription());
        try (GradientEngine cpu = CONFIG.create();
             GradientEngine par = new ParallelGradientEngine(CONFIG.toBuilder().threads(2).build())) {
            assertTrue(cpu.backendDescription().startsWith("cpu ("), cpu.backendDescription());
            assertTrue(par.backendDescription().startsWith("cpu (") && par.backendDescription().endsWith(" x 2 threads"),
                    par.backendDescription());
        }
    }

    @Test
    void theDefaultAddressMappingReadsAnIndexAndRejectsTheRest() {
        BackendProvider two = new BackendProvider() {
            @Override
            public String name() {
                return "two";
            }

            @Override
            public boolean isAvailable() {
                return true;
            }

            @Override
            public String unavailableReason() {
                return "available";
            }

            @Override
            public int deviceCount() {
                return 2;
            }

            @Override
            public Backend create(int device) {
                throw new UnsupportedOperationException();
            }
        };
        assertEquals(1, two.deviceForAddress(" 1 "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> two.deviceForAddress("2")).getMessage()
                .contains("not among the 2 device(s)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> two.deviceForAddress("GPU-1234")).getMessage()
                .contains("'GPU-1234'"));
    }
}
