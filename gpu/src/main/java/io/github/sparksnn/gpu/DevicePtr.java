package io.github.sparksnn.gpu;

/** An address in device memory (opaque: a JCuda {@code CUdeviceptr}, or a buffer of the test emulator). */
interface DevicePtr {
    /** The address {@code bytes} further on. */
    DevicePtr plus(long bytes);
}
