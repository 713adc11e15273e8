package io.github.sparksnn.gpu;

/** {@link CudaEngineParityContract} on the real GPU (MLP 784-256-10, batch 128); skips, visibly, without CUDA. */
class CudaEngineParityTest extends CudaEngineParityContract {
    @Override
    String unavailableReason() {
        return CudaBackends.isAvailable() ? null : "no GPU: " + CudaBackends.unavailableReason();
    }

    @Override
    CudaBackend newGpu() {
        return CudaBackends.create(0);
    }

    @Override
    int[] mlpHiddenAndBatch() {
        return new int[] {256, 128};
    }
}
