package io.github.sparksnn.gpu;

import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link CudaParityContract} on the {@link HostEmulator}: the real kernel sources compiled as host C++, driven by the
 * real {@link CudaBackend}, against the CPU backend, with no GPU. Skips, visibly, without g++.
 */
class EmulatedCudaBackendParityTest extends CudaParityContract {
    private HostEmulator emu;
    private String why;

    @Override
    String unavailableReason() {
        if (emu == null && why == null) {
            why = HostEmulator.unavailableReason().orElse(null);
            if (why == null) {
                List<SurrogateFunction> all = new ArrayList<>();
                for (Surrogates.Descriptor d : Surrogates.list()) {
                    all.add(Surrogates.create(d.name(), Map.of()));
                }
                try {
                    emu = HostEmulator.start(all);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot build the CUDA host emulator", e);
                }
            }
        }
        return why;
    }

    @Override
    CudaBackend newGpu() {
        return new CudaBackend(emu);
    }

    @Override
    int largeTransfer() {
        return 100_003;
    }

    @AfterAll
    void stopEmulator() {
        if (emu != null) {
            emu.stop();
        }
    }

    @Override
    boolean fullSize() {
        return false;
    }
}
