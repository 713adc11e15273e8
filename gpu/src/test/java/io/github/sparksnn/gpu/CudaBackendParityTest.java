package io.github.sparksnn.gpu;

/** {@link CudaParityContract} on the real GPU (device 0); every test skips, visibly, where CUDA is unavailable. */
class CudaBackendParityTest extends CudaParityContract {
    @Override
    String unavailableReason() {
        return CudaBackends.isAvailable() ? null : "no GPU: " + CudaBackends.unavailableReason();
    }

    @Override
    CudaBackend newGpu() {
        return CudaBackends.create(0);
    }

    @Override
    int largeTransfer() {
        return CudaBackend.STAGING_FLOATS + 1237;   // crosses a staging chunk boundary
    }

    @Override
    boolean fullSize() {
        return true;
    }
}
