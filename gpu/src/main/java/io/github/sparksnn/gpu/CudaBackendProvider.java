package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.BackendProvider;

/**
 * The core's {@link BackendProvider} for the CUDA backend, name {@code cuda}, registered in
 * {@code META-INF/services/io.github.sparksnn.backend.BackendProvider}, so {@code Backends.create("cuda", threads)}
 * finds it whenever this module is on the class path. The device is {@code -Dsnn.cuda.device=N} (default 0);
 * {@code threads} does not apply to a GPU.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** System property selecting the device ordinal. */
    public static final String DEVICE_PROPERTY = "snn.cuda.device";

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean available() {
        return CudaBackends.isAvailable();
    }

    /** Why {@link #available()} is false (e.g. {@code no CUDA driver (libcuda.so.1 not found): ...}). */
    public String unavailableReason() {
        return CudaBackends.unavailableReason();
    }

    @Override
    public Backend create(int threads) {
        String d = System.getProperty(DEVICE_PROPERTY, "0").trim();
        int device;
        try {
            device = Integer.parseInt(d);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(DEVICE_PROPERTY + " must be a device number, got '" + d + "'");
        }
        return CudaBackends.create(device);
    }
}
