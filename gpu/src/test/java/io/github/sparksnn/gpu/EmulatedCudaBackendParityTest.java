package io.github.sparksnn.gpu;

import org.junit.jupiter.api.AfterAll;

/**
 * {@link CudaParityContract} on the {@link HostEmulator}: the real kernel sources compiled as host C++, driven by the
 * real {@link CudaBackend}, against the CPU backend, with no GPU. Skips, visibly, without g++.
 */
@org.junit.jupiter.api.Tag("native-kernels") // also run under other OpenBLAS/ATen/AVX kernel choices (pom.xml)
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
        return new CudaBackend(new RecordingStream(emu, () -> { }));
    }

    @Override
    boolean buildsModulesOnDemand() {
        return false;
    }

    @Override
    int largeTransfer() {
        return 100_003;
    }

    /** Every kernel launch this class made had exactly the argument kinds and widths its CUDA signature declares. */
    @AfterAll
    void launchesMatchTheKernelSignatures() {
        if (emu == null) {
            return;
        }
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), KernelSignatures.checkRecordedLaunches());
        // the contract launches every static kernel and both neuron kernels
        java.util.Set<String> launched = new java.util.TreeSet<>();
        RecordingStream.SIGNATURES.keySet().forEach(k -> launched.add(k.substring(k.lastIndexOf('/') + 1)));
        java.util.Set<String> all = new java.util.TreeSet<>(ShippedPtxTest.STATIC_ENTRIES);
        all.add("neuron_backward");
        all.add("neuron_backward_static");
        all.add("neuron_backward_max_pool");
        all.add("surrogate_gradient");
        all.add("neuron_forward_smooth");
        org.junit.jupiter.api.Assertions.assertEquals(all, launched, "kernels the contract launched");
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
