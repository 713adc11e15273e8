package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.BackendProvider;

/**
 * The core's {@link BackendProvider} for the CUDA backend, name {@code cuda}, registered in
 * {@code META-INF/services/io.github.sparksnn.backend.BackendProvider}, so {@code Backends.create("cuda", ...)} and
 * {@code EngineConfig.backend("cuda")} find it whenever this module is on the class path.
 */
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

    /** An index, a UUID or a PCI bus id, as {@link GpuAddresses} maps them. */
    @Override
    public int deviceForAddress(String address) {
        return CudaBackends.deviceForAddress(address);
    }

    @Override
    public Backend create(int device) {
        return CudaBackends.create(device);
    }

    /** {@code hostFallback} false: a layer without device code fails, naming itself ({@code backend=cuda}). */
    @Override
    public Backend create(int device, boolean hostFallback) {
        return CudaBackends.create(device, hostFallback);
    }
}
