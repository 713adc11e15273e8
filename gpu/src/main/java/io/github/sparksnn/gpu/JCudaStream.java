package io.github.sparksnn.gpu;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * {@link DeviceStream} on the CUDA driver API through JCuda: one non-blocking {@code CUstream} in the device's
 * shared primary context (made current on the calling thread before every call), and a pinned staging buffer for
 * host transfers (chunks of at most {@link #STAGING_FLOATS} floats): an upload is queued after the previous use of
 * the staging buffer has finished; a download waits for the stream.
 */
final class JCudaStream implements DeviceStream {
    /** Floats per staging chunk (16 MiB of pinned host memory at most). */
    static final int STAGING_FLOATS = 1 << 22;

    private final CudaDevice device;
    private final CUstream stream;
    private Pointer staging;
    private FloatBuffer stagingBuf;
    private int stagingFloats;

    /** A device pointer (JCuda's CUdeviceptr with its byte offset). */
    record Ptr(CUdeviceptr p) implements DevicePtr {
        @Override
        public DevicePtr plus(long bytes) {
            return bytes == 0 ? this : new Ptr(p.withByteOffset(bytes));
        }
    }

    JCudaStream(CudaDevice device) {
        this.device = device;
        device.makeCurrent();
        this.stream = new CUstream();
        Cu.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    }

    private static CUdeviceptr p(DevicePtr ptr) {
        return ((Ptr) ptr).p();
    }

    @Override
    public Object deviceKey() {
        return device;
    }

    @Override
    public String describe() {
        String d = device.describe();   // cuda:0 (NVIDIA H200, sm_90, 139.8 GiB)
        return d.substring(0, d.length() - 1) + ", driver CUDA " + CudaBackends.driverVersion() + ")";
    }

    @Override
    public DevicePtr alloc(long bytes) {
        device.makeCurrent();
        CUdeviceptr p = new CUdeviceptr();
        long b = Math.max(4, bytes);
        Cu.check(cuMemAlloc(p, b), "cuMemAlloc(" + b + " bytes)");
        Cu.check(cuMemsetD32Async(p, 0, b / 4, stream), "cuMemsetD32Async");
        return new Ptr(p);
    }

    @Override
    public void free(DevicePtr ptr) {
        device.makeCurrent();
        // cuMemFree synchronizes the device, so a kernel still queued on the buffer never sees freed memory
        Cu.check(cuMemFree(p(ptr)), "cuMemFree");
    }

    @Override
    public void memsetD32(DevicePtr ptr, int bits, long count) {
        device.makeCurrent();
        Cu.check(cuMemsetD32Async(p(ptr), bits, count, stream), "cuMemsetD32Async");
    }

    private void ensureStaging(int floats) {
        int want = Math.min(STAGING_FLOATS, Math.max(floats, 1024));
        if (stagingFloats >= want) {
            return;
        }
        Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        if (staging != null) {
            Cu.check(cuMemFreeHost(staging), "cuMemFreeHost");
        }
        staging = new Pointer();
        Cu.check(cuMemAllocHost(staging, 4L * want), "cuMemAllocHost(" + want + " floats)");
        stagingBuf = staging.getByteBuffer(0, 4L * want).order(ByteOrder.nativeOrder()).asFloatBuffer();
        stagingFloats = want;
    }

    @Override
    public void upload(float[] src, int srcOff, DevicePtr dst, int n) {
        device.makeCurrent();
        ensureStaging(n);
        for (int done = 0; done < n; ) {
            int len = Math.min(stagingFloats, n - done);
            // the previous copy out of the staging buffer must have finished before it is overwritten
            Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
            stagingBuf.put(0, src, srcOff + done, len);
            Cu.check(cuMemcpyHtoDAsync(p(dst.plus(4L * done)), staging, 4L * len, stream), "cuMemcpyHtoDAsync");
            done += len;
        }
    }

    @Override
    public void download(DevicePtr src, float[] dst, int dstOff, int n) {
        device.makeCurrent();
        ensureStaging(n);
        for (int done = 0; done < n; ) {
            int len = Math.min(stagingFloats, n - done);
            Cu.check(cuMemcpyDtoHAsync(staging, p(src.plus(4L * done)), 4L * len, stream), "cuMemcpyDtoHAsync");
            Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
            stagingBuf.get(0, dst, dstOff + done, len);
            done += len;
        }
    }

    @Override
    public void downloadDoubles(DevicePtr src, double[] dst, int n) {
        device.makeCurrent();
        // a synchronous copy into the Java array once the stream is drained (no async DMA into the Java heap)
        Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        Cu.check(cuMemcpyDtoH(Pointer.to(dst), p(src), 8L * n), "cuMemcpyDtoH");
    }

    @Override
    public void copy(DevicePtr dst, DevicePtr src, long bytes) {
        device.makeCurrent();
        Cu.check(cuMemcpyDtoDAsync(p(dst), p(src), bytes, stream), "cuMemcpyDtoDAsync");
    }

    @Override
    public Object function(KernelSource src, String kernel) {
        return device.function(src, kernel);
    }

    @Override
    public void launch(Object function, int gx, int gy, int threads, KernelArgs args, String name) {
        device.makeCurrent();
        NativePointerObject[] ps = new NativePointerObject[args.list().size()];
        int i = 0;
        for (KernelArgs.Arg a : args.list()) {
            ps[i++] = switch (a.type()) {
                case INT -> Pointer.to(new int[] {(int) a.bits()});
                case LONG -> Pointer.to(new long[] {a.bits()});
                case FLOAT -> Pointer.to(new float[] {Float.intBitsToFloat((int) a.bits())});
                case PTR -> Pointer.to(p(a.ptr()));
            };
        }
        Cu.check(cuLaunchKernel((CUfunction) function, gx, gy, 1, threads, 1, 1, 0, stream, Pointer.to(ps), null),
                "cuLaunchKernel(" + name + ")");
    }

    @Override
    public void synchronize() {
        device.makeCurrent();
        Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public void close() {
        device.makeCurrent();
        try {
            Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        } finally {
            if (staging != null) {
                cuMemFreeHost(staging);
            }
            cuStreamDestroy(stream);
        }
    }
}
