package io.github.sparksnn.gpu;

import static jcuda.driver.JCudaDriver.cuMemFree;

import io.github.sparksnn.backend.Tensor;
import jcuda.driver.CUdeviceptr;

/** A float buffer in device memory, owned by one {@link CudaBackend}. */
final class CudaTensor implements Tensor {
    final CUdeviceptr ptr;
    final CudaDevice device;
    private final int size;
    private boolean closed;

    CudaTensor(CudaDevice device, CUdeviceptr ptr, int size) {
        this.device = device;
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
    CUdeviceptr at(long off) {
        return off == 0 ? ptr : ptr.withByteOffset(4L * off);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.makeCurrent();
            // cuMemFree synchronizes the device, so a kernel still queued on the buffer never sees freed memory
            Cu.check(cuMemFree(ptr), "cuMemFree");
        }
    }

    @Override
    public String toString() {
        return "CudaTensor[" + size + " on device " + device.ordinal() + "]";
    }
}
