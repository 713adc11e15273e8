package io.github.sparksnn.gpu;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * One GPU as seen by this JVM: its primary context, retained once per JVM and shared by every thread (and every
 * {@link CudaBackend}) of the executor, and the modules loaded into it. <em>Every</em> method that touches the
 * context makes it current on the calling thread first ({@code cuCtxSetCurrent} is a cheap thread-local switch):
 * Spark runs each task on a new thread and hands it an engine built on another, so a thread must never rely on a
 * context an earlier call left current. The primary context lives as long as the JVM; modules are cached by
 * source hash.
 *
 * <p>Modules load through {@code cuModuleLoadDataEx} with the JIT's error and info logs: first the shipped cubin
 * of the device's architecture ({@code sm_80} for compute capability 8.x, {@code sm_90} for 9.x; no JIT, so a
 * driver older than the PTX's ISA still runs), else the PTX (lowered to the shipped ISA when the driver refuses
 * a newer one). A failure reports the JIT log, the PTX ISA and target, the device and the driver's version.
 *
 * <p>The images are found outside the device's lock: a module that ships no PTX is compiled by nvcc, which can
 * take minutes, and meanwhile other threads fetch the kernels of loaded modules. A device holds at most
 * {@link #MAX_MODULES} modules (one per distinct surrogate class and parameters, plus the static kernels); past
 * that, loading fails with a message saying so. Modules are never unloaded: callers keep the kernels they fetched
 * and launch them later, and a kernel of an unloaded module may still be queued on a stream, so unloading the
 * least recently used one would need reference counts on every launch; a job that uses hundreds of distinct
 * surrogates on one GPU is not one this library serves.
 */
final class CudaDevice {
    private static final Map<Integer, CudaDevice> DEVICES = new HashMap<>();
    /** The most modules one device loads (each a few hundred KB of device code at most). */
    static final int MAX_MODULES = 512;

    private final int ordinal;
    private final CUcontext context;
    private final String name;
    private final int major;
    private final int minor;
    private final long totalMemory;
    private final CuDriver driver;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final List<String> loadReports = new ArrayList<>();
    private final int maxModules;
    /** The PTX of a source: {@link PtxStore#ptx} (shipped, cached or compiled by nvcc); tests give a slow one. */
    private final Function<KernelSource, String> ptxSource;

    private CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        this.driver = CuDriver.JCUDA;
        this.maxModules = MAX_MODULES;
        this.ptxSource = PtxStore::ptx;
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

    /** A device over a given driver (tests: a fake that checks the calling thread's current context). */
    CudaDevice(int ordinal, CUcontext context, String name, int major, int minor, long totalMemory, CuDriver driver) {
        this(ordinal, context, name, major, minor, totalMemory, driver, MAX_MODULES, PtxStore::ptx);
    }

    /** As above with the module limit and the PTX source given (tests). */
    CudaDevice(int ordinal, CUcontext context, String name, int major, int minor, long totalMemory, CuDriver driver,
               int maxModules, Function<KernelSource, String> ptxSource) {
        this.maxModules = maxModules;
        this.ptxSource = ptxSource;
        this.ordinal = ordinal;
        this.context = context;
        this.name = name;
        this.major = major;
        this.minor = minor;
        this.totalMemory = totalMemory;
        this.driver = driver;
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
        Cu.check(driver.ctxSetCurrent(context), "cuCtxSetCurrent");
    }

    int ordinal() {
        return ordinal;
    }

    String name() {
        return name;
    }

    /** {@code sm_90} for compute capability 9.0. */
    String arch() {
        return "sm_" + major + minor;
    }

    long totalMemory() {
        return totalMemory;
    }

    /** {@code cuda:0 (NVIDIA H200, sm_90, 139.8 GiB)}. */
    String describe() {
        return "cuda:" + ordinal + " (" + name + ", " + arch() + ", "
                + String.format(Locale.ROOT, "%.1f GiB", totalMemory / (double) (1L << 30)) + ")";
    }

    /** How each loaded module was loaded ({@code kernels.cu: sm_90 cubin}), in load order. */
    synchronized List<String> loadReports() {
        return List.copyOf(loadReports);
    }

    /**
     * A kernel of {@code src} (the module is loaded on first use); the context is made current first. The images
     * (the shipped cubin, else the PTX, which nvcc may have to compile) are found without holding the lock.
     */
    CUfunction function(KernelSource src, String kernel) {
        String key = src.hash() + "/" + kernel;
        synchronized (this) {
            CUfunction f = functions.get(key);
            if (f != null) {
                return f;
            }
            CUmodule module = modules.get(src.hash());
            if (module != null) {
                return fetch(module, src, kernel, key);
            }
        }
        Images images = images(src); // may run nvcc: outside the lock
        synchronized (this) {
            CUfunction f = functions.get(key);
            if (f != null) {
                return f;
            }
            CUmodule module = modules.get(src.hash()); // another thread may have loaded it meanwhile
            if (module == null) {
                if (modules.size() >= maxModules) {
                    throw new IllegalStateException("cannot load CUDA module " + src.name() + " on " + describe() + ": "
                            + modules.size() + " modules are loaded, the limit is " + maxModules + " (one per distinct"
                            + " surrogate and parameters; modules are not unloaded while their kernels may be queued)");
                }
                makeCurrent();
                module = load(src, images);
                modules.put(src.hash(), module);
            }
            return fetch(module, src, kernel, key);
        }
    }

    private CUfunction fetch(CUmodule module, KernelSource src, String kernel, String key) {
        makeCurrent();
        CUfunction f = new CUfunction();
        Cu.check(driver.moduleGetFunction(f, module, kernel), "cuModuleGetFunction(" + kernel + " in " + src.name() + ")");
        functions.put(key, f);
        return f;
    }

    /** The images of a module: the shipped cubin for this device, else the PTX (null while a cubin is at hand). */
    private record Images(byte[] cubin, String ptx) {
    }

    private Images images(KernelSource src) {
        String arch = cubinArch();
        byte[] cubin = arch == null ? null : PtxStore.cubin(src, arch).orElse(null);
        return new Images(cubin, cubin == null ? ptxSource.apply(src) : null);
    }

    /** The cubin of the device's major architecture that can run here: sm_80 on 8.x, sm_90 on 9.x, else none. */
    String cubinArch() {
        String want = "sm_" + major + "0";
        return PtxAssembler.SHIPPED_ARCHS.contains(want) ? want : null;
    }

    private CUmodule load(KernelSource src, Images images) {
        List<String> attempts = new ArrayList<>();
        String arch = cubinArch();
        if (arch != null) {
            if (images.cubin() != null) {
                CUmodule m = new CUmodule();
                CuDriver.JitLog log = new CuDriver.JitLog();
                int r = driver.moduleLoadDataEx(m, images.cubin(), log);
                if (r == CUresult.CUDA_SUCCESS) {
                    loadReports.add(src.name() + ": " + arch + " cubin");
                    return m;
                }
                attempts.add(arch + " cubin: " + CUresult.stringFor(r) + log.describe());
            }
        }
        // a shipped cubin the driver refused falls back to the shipped PTX (no nvcc, so no long wait under the lock)
        String ptx = images.ptx() != null ? images.ptx() : ptxSource.apply(src);
        CUmodule m = new CUmodule();
        CuDriver.JitLog log = new CuDriver.JitLog();
        int r = driver.moduleLoadDataEx(m, nulTerminated(ptx), log);
        String how = "PTX ISA " + PtxText.version(ptx) + " " + PtxText.target(ptx) + " (JIT for " + arch() + ")";
        if (r == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                && !PtxText.version(ptx).equals(PtxText.SHIPPED_VERSION)) {
            attempts.add(how + ": " + CUresult.stringFor(r) + log.describe());
            // nvcc newer than the driver: our kernels use nothing beyond the shipped ISA, so declare that one
            String lowered = PtxText.lowerVersion(ptx, PtxText.SHIPPED_VERSION);
            log = new CuDriver.JitLog();
            r = driver.moduleLoadDataEx(m, nulTerminated(lowered), log);
            how = "PTX ISA " + PtxText.SHIPPED_VERSION + " (lowered) " + PtxText.target(ptx) + " (JIT for " + arch() + ")";
        }
        if (r != CUresult.CUDA_SUCCESS) {
            attempts.add(how + ": " + CUresult.stringFor(r) + log.describe());
            throw new CudaException("cuModuleLoadDataEx(" + src.name() + ") failed on " + describe() + ", driver CUDA "
                    + CudaBackends.driverVersion() + "; tried " + String.join("; then ", attempts), r);
        }
        loadReports.add(src.name() + ": " + how + (attempts.isEmpty() ? "" : " after " + String.join("; ", attempts))
                + (log.info().isEmpty() ? "" : "; JIT info: " + log.info()));
        return m;
    }

    private static byte[] nulTerminated(String ptx) {
        byte[] b = ptx.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }
}
