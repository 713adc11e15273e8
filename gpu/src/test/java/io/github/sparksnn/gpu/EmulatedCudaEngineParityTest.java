package io.github.sparksnn.gpu;

import org.junit.jupiter.api.AfterAll;

/**
 * {@link CudaEngineParityContract} on the {@link HostEmulator} (MLP 784-32-10, batch 16: the emulator runs GEMMs
 * on the CPU one block at a time). Skips, visibly, without g++.
 */
@org.junit.jupiter.api.Tag("native-kernels") // also run under other OpenBLAS/ATen/AVX kernel choices (pom.xml)
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
        return new CudaBackend(new RecordingStream(emu, () -> { }));
    }

    @Override
    int[] mlpHiddenAndBatch() {
        return new int[] {32, 16};
    }

    /** Every kernel launch this class made had exactly the argument kinds and widths its CUDA signature declares. */
    @AfterAll
    void launchesMatchTheKernelSignatures() {
        if (emu == null) {
            return;
        }
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), KernelSignatures.checkRecordedLaunches());
    }

    @AfterAll
    void stopEmulator() {
        if (emu != null) {
            emu.stop();
        }
    }
}
