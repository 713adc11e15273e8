package io.github.sparksnn.backend;

/**
 * Service-provider interface through which the core finds optional backends with {@link java.util.ServiceLoader}
 * (registered in {@code META-INF/services/io.github.sparksnn.backend.BackendProvider}); the same shape as the
 * {@code gpu} module's provider, so its CUDA backend can register here unchanged. {@code cpu} is built in.
 */
public interface BackendProvider {
    /** The name users select the backend by, e.g. {@code cuda}. */
    String name();

    /** Whether {@link #create} can succeed on this machine (never throws). */
    boolean isAvailable();

    /** A one-line reason when unavailable, e.g. {@code no CUDA driver (libcuda.so.1 not found)}. */
    String unavailableReason();

    /** Number of devices this provider can create backends on. */
    int deviceCount();

    /** A new backend on {@code device}; {@link IllegalStateException} with the reason when unavailable. */
    Backend create(int device);

    /**
     * {@link #create(int)}, saying whether the backend may run an operation it has no device code for on the host
     * CPU ({@code hostFallback}: a logged warning; {@code backend=auto}) or must fail naming it (the backend was asked
     * for by name, as {@code backend=cuda}, so a silent CPU run would be a lie). The default ignores the choice:
     * a backend without such fallbacks.
     */
    default Backend create(int device, boolean hostFallback) {
        return create(device);
    }

    /**
     * The device index {@link #create} takes for a resource address as a cluster manager hands it out (Spark's
     * {@code TaskContext.resources()}: whatever the GPU discovery script printed). The default reads a plain
     * integer; a provider whose devices also have UUIDs or bus ids overrides this. An address that names no
     * device is an {@link IllegalArgumentException} saying why.
     */
    default int deviceForAddress(String address) {
        try {
            int d = Integer.parseInt(address.trim());
            if (d < 0 || d >= deviceCount()) {
                throw new IllegalArgumentException("device address " + address + " is not among the " + deviceCount()
                        + " device(s) of backend '" + name() + "'");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device address '" + address + "' is not a device index of backend '"
                    + name() + "'");
        }
    }
}
