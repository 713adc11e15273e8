package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Tensor;

/** A float buffer in device memory, allocated through one {@link DeviceStream}. */
final class CudaTensor implements Tensor {
    final DevicePtr ptr;
    final Object deviceKey;
    private final DeviceStream owner;
    private final int size;
    private boolean closed;

    CudaTensor(DeviceStream owner, DevicePtr ptr, int size) {
        this.owner = owner;
        this.deviceKey = owner.deviceKey();
        this.ptr = ptr;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    boolean closed() {
        return closed;
    }

    /** The device address of element {@code off}. */
    DevicePtr at(long off) {
        return ptr.plus(4L * off);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.free(ptr);
        }
    }

    @Override
    public String toString() {
        return "CudaTensor[" + size + "]";
    }
}
