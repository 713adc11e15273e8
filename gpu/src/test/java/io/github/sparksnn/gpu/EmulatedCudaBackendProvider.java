package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.BackendProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only {@code cuda} provider served by the {@link HostEmulator}: two emulated devices with UUIDs and PCI bus
 * ids, one emulator process per device per JVM, the real {@link CudaBackend} on top. Registered in the test
 * {@code META-INF/services}; available only where {@code SNN_EMULATED_CUDA=1} is in the environment (the Spark
 * executors of {@code EmulatedCudaSparkTest}), so that everywhere else the real provider answers for
 * {@code cuda}. With {@code SNN_EMULATED_CUDA_LOG=<dir>} it appends one line per backend created and closed to
 * {@code <dir>/<pid>.log}: {@code create|close <executor> <ordinal> <spark address> <thread>}, a close line ending in
 * {@code warnings=<n> host-fallbacks=[...]} (the host-fallback warnings this JVM logged; the surrogates whose neuron
 * backward ran on the host); a file
 * {@code <dir>/unplugged} makes it unavailable (executors without a usable GPU).
 */
public final class EmulatedCudaBackendProvider implements BackendProvider {
    static final List<GpuAddresses.Device> DEVICES = List.of(
            new GpuAddresses.Device(0, "GPU-e0000000-0000-0000-0000-000000000000", "0000:01:00.0"),
            new GpuAddresses.Device(1, "GPU-e0000000-0000-0000-0000-000000000001", "0000:02:00.0"));

    private static final Map<Integer, HostEmulator> EMULATORS = new HashMap<>();

    private static boolean on() {
        return "1".equals(System.getenv("SNN_EMULATED_CUDA"));
    }

    /** A file {@code unplugged} in the log directory makes the devices unavailable (a GPU-less executor). */
    private static boolean unplugged() {
        String dir = System.getenv("SNN_EMULATED_CUDA_LOG");
        return dir != null && Files.exists(Path.of(dir, "unplugged"));
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean isAvailable() {
        return on() && !unplugged() && HostEmulator.unavailableReason().isEmpty();
    }

    @Override
    public String unavailableReason() {
        if (!on()) {
            return "emulated CUDA is off (SNN_EMULATED_CUDA=1 turns it on)";
        }
        if (unplugged()) {
            return "emulated GPUs unplugged";
        }
        return HostEmulator.unavailableReason().orElse("available");
    }

    @Override
    public int deviceCount() {
        return DEVICES.size();
    }

    @Override
    public int deviceForAddress(String address) {
        return GpuAddresses.ordinal(address, DEVICES, System.getenv("CUDA_VISIBLE_DEVICES"));
    }

    @Override
    public Backend create(int device) {
        return create(device, true);
    }

    @Override
    public Backend create(int device, boolean hostFallback) {
        if (!isAvailable()) {
            throw new IllegalStateException(unavailableReason());
        }
        HostEmulator emu;
        synchronized (EMULATORS) {
            emu = EMULATORS.get(device);
            if (emu == null) {
                try {
                    emu = HostEmulator.start(HostEmulator.builtInSurrogates()).label(Integer.toString(device));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("cannot start the CUDA host emulator", e);
                }
                EMULATORS.put(device, emu);
            }
        }
        String who = executor() + " " + device + " " + address() + " " + Thread.currentThread().getName();
        log("create " + who);
        CudaBackend[] backend = new CudaBackend[1];
        // the close line says which surrogates ran their neuron backward on the host (no device code for them) and
        // how many host-fallback warnings this executor JVM has logged so far
        backend[0] = new CudaBackend(new RecordingStream(emu, () -> log("close " + who + " warnings="
                + CudaBackend.hostFallbackWarnings().size() + " host-fallbacks="
                + backend[0].hostFallbacks().keySet().toString().replace(' ', '_'))), hostFallback);
        return backend[0];
    }

    private static String executor() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        return env == null ? "none" : env.executorId();
    }

    private static String address() {
        org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
        if (tc == null) {
            return "-";
        }
        scala.Option<org.apache.spark.resource.ResourceInformation> gpu = tc.resources().get("gpu");
        return gpu.isEmpty() || gpu.get().addresses().length == 0 ? "-" : gpu.get().addresses()[0];
    }

    private static void log(String line) {
        String dir = System.getenv("SNN_EMULATED_CUDA_LOG");
        if (dir == null) {
            return;
        }
        String pid = ManagementFactory.getRuntimeMXBean().getName().replaceAll("@.*", "");
        try {
            Files.writeString(Path.of(dir, pid + ".log"), line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
