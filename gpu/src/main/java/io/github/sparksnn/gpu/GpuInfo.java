package io.github.sparksnn.gpu;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code snn gpu info}: what a first GPU run needs to know. The CUDA probe's answer (or exactly why there is no
 * GPU), where {@code libcuda.so.1} was loaded from, the driver and its CUDA version, each device (name, compute
 * capability, memory total and free, UUID, PCI bus id, {@code CUDA_VISIBLE_DEVICES}), and for each device whether
 * every shipped kernel module loads, and how (cubin, or PTX through the driver's JIT). Before the devices, which
 * kernels need no CUDA compiler (shipped in the jar) and whether an nvcc is there for the others.
 */
public final class GpuInfo {
    private GpuInfo() {
    }

    /** {@code java -cp ... io.github.sparksnn.gpu.GpuInfo}: the report; exit 0, or 3 without a GPU or a module. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        System.exit(print(out) ? 0 : 3);
    }

    /** Prints the report; true when CUDA is available and every shipped module loaded on every device. */
    public static boolean print(PrintWriter out) {
        boolean ok = CudaBackends.isAvailable();
        out.println("CUDA: " + (ok ? "available" : "not available: " + CudaBackends.unavailableReason()));
        out.println("JCuda: " + jcudaVersion() + " (driver API binding; needs only libcuda.so.1)");
        out.println("libcuda.so.1: " + libcudaPath());
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        out.println("CUDA_VISIBLE_DEVICES: " + (visible == null ? "(unset)" : visible));
        for (String line : compilerFree()) {
            out.println(line);
        }
        if (!ok) {
            out.flush();
            return false;
        }
        out.println("driver: CUDA " + CudaBackends.driverVersion());
        List<GpuAddresses.Device> ids = CudaBackends.devices();
        out.println("devices: " + ids.size());
        boolean allLoaded = true;
        for (GpuAddresses.Device id : ids) {
            CudaDevice d = CudaDevice.get(id.ordinal());
            d.makeCurrent();
            long[] free = new long[1], total = new long[1];
            Cu.check(jcuda.driver.JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
            out.printf(Locale.ROOT, "device %d: %s, compute capability %s, %.1f GiB total, %.1f GiB free, %s, PCI %s%n",
                    id.ordinal(), d.name(), d.arch().substring(3, 4) + "." + d.arch().substring(4), gib(total[0]),
                    gib(free[0]), id.uuid(), id.pciBusId());
            int loaded = 0;
            List<KernelSource> sources = PtxBuild.shippedSources();
            for (KernelSource src : sources) {
                try {
                    d.function(src, firstEntry(src));
                    loaded++;
                } catch (RuntimeException e) {
                    allLoaded = false;
                    out.println("  FAILED " + src.name() + ": " + e.getMessage());
                }
            }
            out.println("  kernel modules loaded: " + loaded + " of " + sources.size() + " shipped");
            for (String how : summarize(d.loadReports())) {
                out.println("    " + how);
            }
        }
        out.flush();
        return allLoaded;
    }

    /**
     * Which kernels run with the driver alone: the static kernels, and per built-in surrogate its neuron and half2
     * modules, for every parameter value where the parameters are kernel arguments ({@link SurrogateArguments}), else
     * at the defaults only; every Formula ({@link FormulaPtx}); then what still needs nvcc, and whether this machine
     * has one.
     */
    static List<String> compilerFree() {
        List<String> any = new java.util.ArrayList<>(), defaults = new java.util.ArrayList<>();
        for (io.github.sparksnn.surrogate.Surrogates.Descriptor d : io.github.sparksnn.surrogate.Surrogates.list()) {
            io.github.sparksnn.surrogate.SurrogateFunction sg = io.github.sparksnn.surrogate.Surrogates.create(d.name(),
                    java.util.Map.of());
            boolean shipped = PtxStore.shipped(NeuronKernelSource.of(sg)).isPresent()
                    && PtxStore.shipped(HalfKernelSource.of(sg)).isPresent();
            if (shipped) {
                (SurrogateArguments.liftable(sg) ? any : defaults).add(d.name());
            }
        }
        List<String> out = new java.util.ArrayList<>();
        out.add("kernels that need no CUDA compiler (shipped PTX, sm_80 and sm_90 cubins):");
        out.add("  static kernels (" + KernelSource.staticKernels().name() + "): "
                + (PtxStore.shipped(KernelSource.staticKernels()).isPresent() ? "shipped" : "MISSING from the jar"));
        out.add("  neuron and half2 surrogate kernels, any parameter values (" + any.size() + "): "
                + (any.isEmpty() ? "none" : String.join(", ", any)));
        if (!defaults.isEmpty()) {
            out.add("  neuron and half2 surrogate kernels, default parameters only (" + defaults.size() + "): "
                    + String.join(", ", defaults));
        }
        int smooth = 0;
        for (io.github.sparksnn.surrogate.Surrogates.Descriptor d : io.github.sparksnn.surrogate.Surrogates.list()) {
            io.github.sparksnn.surrogate.SurrogateFunction sg = io.github.sparksnn.surrogate.Surrogates.create(d.name(),
                    java.util.Map.of());
            smooth += SmoothKernelSource.module(sg).code().lifted() && PtxStore.shipped(SmoothKernelSource.of(sg))
                    .isPresent() ? 1 : 0;
        }
        out.add("  smooth (non-spiking) forward kernels, any parameter values: " + smooth + " of "
                + io.github.sparksnn.surrogate.Surrogates.list().size()
                + " built-ins (other shapes, SquarewaveFourierSeries at n != 2 and LeakyKReLU at leak != 0: as formulas,"
                + " below)");
        boolean parts = java.util.Arrays.stream(FormulaPtx.Part.values()).allMatch(p -> FormulaPtx.shipped(p).isPresent());
        out.add("  Formula surrogates, any formula: neuron, half2 and smooth kernels as PTX written from the formula"
                + " and linked at load time (FormulaPtx; the driver JIT-compiles it): "
                + (parts ? "shipped templates and math wrappers" : "MISSING from the jar (need nvcc)"));
        out.add("  need nvcc: user-registered surrogates (their backward runs on the CPU without it); nvcc: "
                + Nvcc.find().map(n -> n.executable().toString()).orElse("not found"));
        return out;
    }

    /** {@code kernels.cu: sm_90 cubin} first, then the others counted by how they loaded. */
    private static List<String> summarize(List<String> reports) {
        java.util.Map<String, Integer> byHow = new java.util.LinkedHashMap<>();
        List<String> out = new java.util.ArrayList<>();
        for (String r : reports) {
            if (r.startsWith(KernelSource.staticKernels().name() + ":")) {
                out.add(r);
                continue;
            }
            String how = r.substring(r.indexOf(": ") + 2);
            String kind = r.startsWith("half[") ? "half-precision surrogate modules"
                    : r.startsWith("smooth[") ? "smooth forward modules" : "neuron modules";
            byHow.merge(kind + ": " + how, 1, Integer::sum);
        }
        byHow.forEach((k, n) -> out.add(n + " " + k));
        return out;
    }

    private static String firstEntry(KernelSource src) {
        if (src.equals(KernelSource.staticKernels())) {
            return "sgemm_nn";
        }
        return src.name().startsWith("half[") ? "surrogate_gradient_half2"
                : src.name().startsWith("smooth[") ? "neuron_forward_smooth" : "neuron_backward";
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }

    private static String jcudaVersion() {
        String v = jcuda.driver.JCudaDriver.class.getPackage().getImplementationVersion();
        return v == null ? "12.6.0" : v;
    }

    /** Where the process mapped libcuda from (after the probe), from /proc/self/maps. */
    static String libcudaPath() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int at = line.indexOf('/');
                if (at >= 0 && line.contains("libcuda.so")) {
                    return line.substring(at);
                }
            }
            return "not loaded";
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
