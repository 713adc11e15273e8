package io.github.sparksnn.gpu;

import org.junit.jupiter.api.AfterAll;

/**
 * {@link CudaEngineParityContract} on the {@link HostEmulator} (MLP 784-32-10, batch 16: the emulator runs GEMMs
 * on the CPU one block at a time). Skips, visibly, without g++.
 */
class EmulatedCudaEngineParityTest extends CudaEngineParityContract {
    private HostEmulator emu;
    private String why;

    @Override
    String unavailableReason() {
        if (emu == null && why == null) {
            why = HostEmulator.unavailableReason().orElse(null);
            if (why == null) {
                try {
                    // all built-in surrogates: the same program as EmulatedCudaBackendParityTest's (built once)
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
    int[] mlpHiddenAndBatch() {
        return new int[] {32, 16};
    }

    @AfterAll
    void stopEmulator() {
        if (emu != null) {
            emu.stop();
        }
    }
}
