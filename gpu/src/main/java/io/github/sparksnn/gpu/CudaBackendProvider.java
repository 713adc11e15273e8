package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;

/** The {@link BackendProvider} of the CUDA backend (name {@code cuda}). */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean isAvailable() {
        return CudaBackends.isAvailable();
    }

    @Override
    public String unavailableReason() {
        return CudaBackends.unavailableReason();
    }

    @Override
    public int deviceCount() {
        return CudaBackends.deviceCount();
    }

    @Override
    public Backend create(int device) {
        return CudaBackends.create(device);
    }
}
