package io.github.sparksnn.gpu;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import jcuda.driver.CUresult;

/**
 * Entry point of the CUDA backend: whether a usable driver and device exist, and factories.
 *
 * <pre>
 * if (CudaBackends.isAvailable()) {
 *     try (Backend be = CudaBackends.create(0)) { ... }
 * } else {
 *     log(CudaBackends.unavailableReason());   // e.g. "no CUDA driver (libcuda.so.1 not found)"
 * }
 * </pre>
 * The probe runs once per JVM: {@code cuInit(0)} through JCuda's driver binding, whose JNI library needs only the
 * driver's {@code libcuda.so.1}. Without a driver JCuda throws {@link UnsatisfiedLinkError} on first use (then
 * {@link NoClassDefFoundError}); both are caught here and turned into a reason, so callers never crash.
 */
public final class CudaBackends {
    private static boolean probed;
    private static boolean available;
    private static String reason = "not probed";
    private static int deviceCount;
    private static int driverVersion;

    private CudaBackends() {
    }

    /** Whether a CUDA driver and at least one device are usable from this JVM. */
    public static synchronized boolean isAvailable() {
        probe();
        return available;
    }

    /** Why the backend is unavailable ({@code "available"} when it is). */
    public static synchronized String unavailableReason() {
        probe();
        return available ? "available" : reason;
    }

    /** Number of CUDA devices (0 when unavailable). */
    public static synchronized int deviceCount() {
        probe();
        return deviceCount;
    }

    /** The driver's CUDA version as {@code major.minor} (e.g. {@code 13.0}), or {@code none}. */
    public static synchronized String driverVersion() {
        probe();
        return driverVersion == 0 ? "none" : driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
    }

    /**
     * Every device this process sees, with its UUID and PCI bus id (for {@link GpuAddresses}); empty when CUDA is
     * unavailable.
     */
    public static synchronized java.util.List<GpuAddresses.Device> devices() {
        probe();
        java.util.List<GpuAddresses.Device> out = new java.util.ArrayList<>();
        for (int d = 0; d < deviceCount; d++) {
            jcuda.driver.CUdevice dev = new jcuda.driver.CUdevice();
            Cu.check(jcuda.driver.JCudaDriver.cuDeviceGet(dev, d), "cuDeviceGet(" + d + ")");
            jcuda.driver.CUuuid uuid = new jcuda.driver.CUuuid();
            String u = jcuda.driver.JCudaDriver.cuDeviceGetUuid(uuid, dev) == CUresult.CUDA_SUCCESS ? uuid(uuid.bytes) : null;
            String[] pci = new String[1];
            String p = jcuda.driver.JCudaDriver.cuDeviceGetPCIBusId(pci, 64, dev) == CUresult.CUDA_SUCCESS ? pci[0] : null;
            out.add(new GpuAddresses.Device(d, u, p));
        }
        return out;
    }

    /** The ordinal of a Spark GPU address (index, UUID or PCI bus id; see {@link GpuAddresses}). */
    public static int deviceForAddress(String address) {
        requireAvailable();
        return GpuAddresses.ordinal(address, devices(), System.getenv("CUDA_VISIBLE_DEVICES"));
    }

    /** {@code GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}, as nvidia-smi prints a device UUID. */
    static String uuid(byte[] b) {
        StringBuilder sb = new StringBuilder("GPU-");
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(String.format(java.util.Locale.ROOT, "%02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    /** A backend on device 0. */
    public static CudaBackend create() {
        return create(0);
    }

    /**
     * A backend on the given device (one per thread / task; they share the device's primary context), running an
     * operation it has no device code for on the host, with a warning ({@link #create(int, boolean)}).
     */
    public static CudaBackend create(int device) {
        return create(device, true);
    }

    /**
     * A backend on the given device; {@code hostFallback} false makes an operation without device code (a
     * {@code Formula} surrogate with no nvcc here) fail naming its layer instead of running on the host.
     */
    public static CudaBackend create(int device, boolean hostFallback) {
        return new CudaBackend(new JCudaStream(CudaDevice.get(device)), hostFallback);
    }

    /**
     * Prints the probe's answer (and each device's description); exit status 0 when CUDA is available, 3 when
     * not. {@code java -cp ... io.github.sparksnn.gpu.CudaBackends}
     */
    public static void main(String[] args) {
        boolean ok = isAvailable();
        System.out.println("CUDA available: " + ok + " (" + unavailableReason() + "), devices: " + deviceCount()
                + ", driver CUDA version: " + driverVersion());
        for (int d = 0; ok && d < deviceCount(); d++) {
            try (CudaBackend be = create(d)) {
                System.out.println("  " + be.describe());
            }
        }
        System.exit(ok ? 0 : 3);
    }

    static synchronized void requireAvailable() {
        probe();
        if (!available) {
            throw new IllegalStateException("CUDA backend unavailable: " + reason);
        }
    }

    private static void probe() {
        if (probed) {
            return;
        }
        probed = true;
        try {
            int r = cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                reason = r == CUresult.CUDA_ERROR_NO_DEVICE ? "no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)"
                        : "CUDA driver present but cuInit failed: " + CUresult.stringFor(r);
                return;
            }
            int[] v = new int[1];
            Cu.check(cuDriverGetVersion(v), "cuDriverGetVersion");
            driverVersion = v[0];
            Cu.check(cuDeviceGetCount(v), "cuDeviceGetCount");
            if (v[0] < 1) {
                reason = "no CUDA device (the driver reports 0 devices)";
                return;
            }
            deviceCount = v[0];
            available = true;
        } catch (UnsatisfiedLinkError e) {
            reason = linkErrorReason(e.getMessage());
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            reason = "no CUDA driver (JCuda's driver binding could not be initialized): " + firstLine(e.toString());
        } catch (CudaException e) {
            reason = "CUDA driver error: " + e.getMessage();
        } catch (RuntimeException e) {
            reason = "CUDA probe failed: " + e;
        }
    }

    /**
     * JCuda's message is a multi-line report of every load attempt; the line that names libcuda says it all
     * ({@code .../libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file}).
     */
    static String linkErrorReason(String message) {
        String m = message == null ? "" : message;
        for (String line : m.split("\n")) {
            int at = line.indexOf("libcuda.so");
            if (at >= 0) {
                return "no CUDA driver (libcuda.so.1 not found): " + line.substring(at).trim();
            }
        }
        return "JCuda's driver library could not be loaded: " + firstLine(m);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
