package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;

/**
 * Service-provider interface through which the core finds optional backends with {@link java.util.ServiceLoader}
 * (registered in {@code META-INF/services/io.github.sparksnn.gpu.BackendProvider}). It only uses core types, so
 * it can move to {@code io.github.sparksnn.backend} unchanged once the core owns the lookup.
 *
 * <pre>
 * for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
 *     if (p.name().equals("cuda") &amp;&amp; p.isAvailable()) return p.create(device);
 * }
 * </pre>
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
}
