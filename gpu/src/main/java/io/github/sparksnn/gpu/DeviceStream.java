package io.github.sparksnn.gpu;

/**
 * The device operations {@link CudaBackend} is written against, all ordered on one stream: the CUDA driver
 * ({@link JCudaStream}), or in tests a host emulator that runs the same kernel sources on the CPU. Keeping JCuda
 * behind this seam lets the whole backend (argument packing, offsets, launch geometry, kernels) be checked
 * against the CPU backend on machines without a GPU.
 */
interface DeviceStream {
    /** Identifies the device (tensors may move between streams of the same device). */
    Object deviceKey();

    String describe();

    /** Zero-filled device memory (ordered on this stream). */
    DevicePtr alloc(long bytes);

    void free(DevicePtr p);

    /** Sets {@code count} 32-bit words to {@code bits}. */
    void memsetD32(DevicePtr p, int bits, long count);

    void upload(float[] src, int srcOff, DevicePtr dst, int n);

    /** Waits for the stream, then copies {@code n} floats to the host. */
    void download(DevicePtr src, float[] dst, int dstOff, int n);

    /** Waits for the stream, then copies {@code n} doubles to the host. */
    void downloadDoubles(DevicePtr src, double[] dst, int n);

    void copy(DevicePtr dst, DevicePtr src, long bytes);

    /** A kernel of a source module (loaded on first use). */
    Object function(KernelSource src, String kernel);

    /** Queues {@code function} on a {@code (gx, gy)} grid of 1-D blocks of {@code threads} threads. */
    void launch(Object function, int gx, int gy, int threads, KernelArgs args, String name);

    /** Waits for everything queued (and reports kernel errors). */
    void synchronize();

    /** Releases the stream's own resources (not the tensors). */
    void close();
}
