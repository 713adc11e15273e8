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

    @org.junit.jupiter.api.Test
    void engineConfigFindsTheCudaBackendByName() {
        io.github.sparksnn.train.EngineConfig cfg = io.github.sparksnn.train.EngineConfig.builder().modelSpec(MLP)
                .inputShape(1, 28, 28).timeSteps(2).encoder("poisson").loss("mse").seed(1).backend("cuda").build();
        try (io.github.sparksnn.train.GradientEngine e = cfg.create()) {
            float[] x = new float[8 * 784];
            java.util.Arrays.fill(x, 0.7f);
            int[] y = {0, 1, 2, 3, 4, 5, 6, 7};
            float[] g = new float[e.numParameters()];
            e.accumulateGradient(x, y, 0, 8, 3, g);
            double norm = 0;
            for (float v : g) {
                norm += v * v;
            }
            org.junit.jupiter.api.Assertions.assertTrue(norm > 0, "a gradient came back from the cuda engine");
        }
    }

    /** Full size on the device: a threshold crossing may flip (see the contract). */
    @Override
    double gradientTolerance() {
        return 1e-4;
    }
}
