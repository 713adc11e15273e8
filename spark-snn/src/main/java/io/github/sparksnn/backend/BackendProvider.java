package io.github.sparksnn.backend;

/**
 * A pluggable backend, found through {@link java.util.ServiceLoader} (the {@code gpu} module registers its CUDA
 * backend this way, in {@code META-INF/services/io.github.sparksnn.backend.BackendProvider}). {@code cpu} is built
 * in.
 */
public interface BackendProvider {
    /** The name {@code EngineConfig.backend(...)} selects, e.g. {@code cuda}. */
    String name();

    /** Whether the backend can run here (e.g. a driver and a device are present). */
    boolean available();

    /** A new backend instance (one per engine, not thread-safe). */
    Backend create(int threads);
}
