package io.github.sparksnn.gpu;

import org.junit.jupiter.api.AfterAll;

/**
 * {@link CudaEngineParityContract} (whole-network gradients, MLP and a conv net with every layer kind) on a
 * {@link HostEmulator} whose transcendentals are moved by up to {@value PerturbedEmulatorParityTest#ULP} ulp.
 * Skips without g++.
 */
class PerturbedEmulatorEngineParityTest extends CudaEngineParityContract {
    private HostEmulator emu;
    private String why;

    @Override
    String unavailableReason() {
        if (emu == null && why == null) {
            why = HostEmulator.unavailableReason().orElse(null);
            if (why == null) {
                try {
                    emu = HostEmulator.start(HostEmulator.builtInSurrogates(), PerturbedEmulatorParityTest.ULP);
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
