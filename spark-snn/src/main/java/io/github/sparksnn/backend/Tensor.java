package io.github.sparksnn.backend;

/**
 * A flat float buffer owned by a {@link Backend} (host memory for the CPU backend, device memory for CUDA).
 * Layers never read a tensor's elements directly: they pass tensors (with element offsets) to backend
 * operations, and move data across the host boundary only through {@link Backend#upload} and
 * {@link Backend#download}. Tensors are allocated once per workspace size and reused (no allocation in
 * the steady-state training loop).
 */
public interface Tensor extends AutoCloseable {
    /** Number of float elements. */
    int size();

    /** Releases the memory (idempotent). */
    @Override
    void close();
}
