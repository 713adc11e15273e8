package io.github.sparksnn.backend;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * CPU tensor: off-heap memory ({@link FloatPointer}) with a direct {@link FloatBuffer} view for the Java loops.
 * Off-heap because JavaCPP's {@code float[]} overloads of {@code cblas_sgemm} copy every array through JNI on
 * each call (measured ~15% of a 512x784x256 sgemm here); native pointers are passed without copies.
 */
final class CpuTensor implements Tensor {
    final FloatPointer ptr;
    final FloatBuffer buf;
    private final int size;
    private final CpuBackend owner; // counts the bytes while open; null: uncounted
    private boolean closed;

    CpuTensor(int n, CpuBackend owner) {
        if (n < 0) {
            throw new IllegalArgumentException("tensor size must be >= 0, got " + n);
        }
        this.size = n;
        this.ptr = new FloatPointer(Math.max(1, n));
        Pointer.memset(ptr, 0, 4L * Math.max(1, n));
        this.buf = ptr.asBuffer();
        this.owner = owner;
    }

    /** The off-heap bytes it holds. */
    long bytes() {
        return 4L * Math.max(1, size);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ptr.close();
            if (owner != null) {
                owner.freed(bytes());
            }
        }
    }

    @Override
    public String toString() {
        return "CpuTensor[" + size + "]";
    }
}
