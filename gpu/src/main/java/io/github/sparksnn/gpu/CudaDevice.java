package io.github.sparksnn.gpu;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * One GPU as seen by this JVM: its primary context, retained once per JVM and shared by every thread (and every
 * {@link CudaBackend}) of the executor, and the modules loaded into it. A thread makes the context current with
 * {@link #makeCurrent()} before each driver call ({@code cuCtxSetCurrent} is a cheap thread-local switch), so
 * Spark task threads can use the device without ever creating contexts of their own. The primary context lives
 * as long as the JVM (the driver releases it at exit); modules are cached by source hash.
 */
final class CudaDevice {
    private static final Map<Integer, CudaDevice> DEVICES = new HashMap<>();

    private final int ordinal;
    private final CUcontext context;
    private final String name;
    private final int major;
    private final int minor;
    private final long totalMemory;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();

    private CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        CUdevice dev = new CUdevice();
        Cu.check(cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        this.context = new CUcontext();
        Cu.check(cuDevicePrimaryCtxRetain(context, dev), "cuDevicePrimaryCtxRetain(" + ordinal + ")");
        byte[] buf = new byte[256];
        Cu.check(cuDeviceGetName(buf, buf.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        this.name = new String(buf, 0, len, StandardCharsets.US_ASCII);
        int[] v = new int[1];
        Cu.check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
                "cuDeviceGetAttribute");
        this.major = v[0];
        Cu.check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev),
                "cuDeviceGetAttribute");
        this.minor = v[0];
        long[] mem = new long[1];
        Cu.check(cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
        this.totalMemory = mem[0];
    }

    /** The device of this ordinal (driver initialized, primary context retained on first use). */
    static synchronized CudaDevice get(int ordinal) {
        CudaBackends.requireAvailable();
        int count = CudaBackends.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("CUDA device " + ordinal + " does not exist (" + count
                    + " device(s): 0.." + (count - 1) + ")");
        }
        return DEVICES.computeIfAbsent(ordinal, CudaDevice::new);
    }

    /** Binds this device's context to the calling thread. */
    void makeCurrent() {
        Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    int ordinal() {
        return ordinal;
    }

    String describe() {
        return "device " + ordinal + ": " + name + ", sm_" + major + minor + ", "
                + String.format(java.util.Locale.ROOT, "%.1f GiB", totalMemory / (double) (1L << 30));
    }

    /** A kernel of {@code src} (the module is loaded on first use, from {@link PtxStore}). */
    synchronized CUfunction function(KernelSource src, String kernel) {
        String key = src.hash() + "/" + kernel;
        CUfunction f = functions.get(key);
        if (f != null) {
            return f;
        }
        CUmodule module = modules.get(src.hash());
        if (module == null) {
            module = load(src);
            modules.put(src.hash(), module);
        }
        f = new CUfunction();
        Cu.check(cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction(" + kernel + " in " + src.name() + ")");
        functions.put(key, f);
        return f;
    }

    private CUmodule load(KernelSource src) {
        makeCurrent();
        String ptx = PtxStore.ptx(src);
        CUmodule module = new CUmodule();
        int r = cuModuleLoadData(module, nulTerminated(ptx));
        if (r == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            // nvcc newer than the driver: our kernels use nothing beyond the shipped ISA, so declare that one
            r = cuModuleLoadData(module, nulTerminated(PtxText.lowerVersion(ptx, PtxText.SHIPPED_VERSION)));
        }
        Cu.check(r, "cuModuleLoadData(" + src.name() + ", PTX ISA " + PtxText.version(ptx) + ")");
        return module;
    }

    private static byte[] nulTerminated(String ptx) {
        byte[] b = ptx.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }
}
