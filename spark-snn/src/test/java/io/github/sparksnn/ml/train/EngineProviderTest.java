package io.github.sparksnn.ml.train;

import io.github.sparksnn.train.EngineConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backend resolution of the {@code backend} Param through the core's BackendProvider service. */
class EngineProviderTest {
    private static final EngineConfig CONFIG = EngineConfig.builder()
            .modelSpec("linear(4, 3) | lif(tau=2.0)").inputShape(4).build();

    @Test
    void cudaIsFoundThroughTheCoreServiceAndItsReasonReported() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> EngineProvider.resolve("cuda", CONFIG));
        assertTrue(ex.getMessage().contains("GPU backend not available"), ex.getMessage());
        assertTrue(ex.getMessage().contains(UnavailableTestBackendProvider.REASON), ex.getMessage());
    }

    @Test
    void autoFallsBackToTheCpuWhenNoProviderIsAvailable() {
        assertInstanceOf(CoreEngineFactory.class, EngineProvider.resolve("auto", CONFIG));
        assertInstanceOf(CoreEngineFactory.class, EngineProvider.resolve("CPU", CONFIG));
    }

    @Test
    void unknownBackendIsNamed() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> EngineProvider.resolve("tpu", CONFIG));
        assertTrue(ex.getMessage().contains("'tpu'"), ex.getMessage());
        assertEquals(UnavailableTestBackendProvider.REASON, BackendEngineFactory.unavailable(BackendEngineFactory.find("CUDA")));
    }
}
