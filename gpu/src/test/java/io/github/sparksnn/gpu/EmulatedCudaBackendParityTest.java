package io.github.sparksnn.gpu;

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
                try {
                    emu = HostEmulator.start(HostEmulator.builtInSurrogates());
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
    boolean buildsModulesOnDemand() {
        return false;
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
