package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.BackendProvider;
import io.github.sparksnn.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Availability is reported, never crashes; the provider is found through ServiceLoader. */
class CudaAvailabilityTest {

    /** Whether a libcuda.so.1 exists in the usual places (the loader's search is what JCuda relies on). */
    static boolean libcudaPresent() {
        List<String> dirs = new ArrayList<>(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
                "/lib/x86_64-linux-gnu", "/lib64", "/usr/local/cuda/compat", "/usr/lib/wsl/lib"));
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs.addAll(List.of(ld.split(":")));
        }
        for (String d : dirs) {
            if (!d.isEmpty() && Files.exists(Path.of(d, "libcuda.so.1"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void availabilityIsAnAnswerNotACrash() {
        boolean available = CudaBackends.isAvailable();
        assertEquals(available, CudaBackends.isAvailable(), "probed once, stable");
        if (!libcudaPresent()) {
            assertFalse(available);
            String reason = CudaBackends.unavailableReason();
            assertTrue(reason.startsWith("no CUDA driver (libcuda.so.1 not found)"), reason);
            assertEquals(0, CudaBackends.deviceCount());
            assertEquals("none", CudaBackends.driverVersion());
        }
        if (available) {
            assertEquals("available", CudaBackends.unavailableReason());
            assertTrue(CudaBackends.deviceCount() >= 1);
        }
    }

    @Test
    void creatingWithoutCudaFailsWithTheReason() {
        if (CudaBackends.isAvailable()) {
            assertThrows(IllegalArgumentException.class, () -> CudaBackends.create(CudaBackends.deviceCount()));
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaBackends.create(0));
        assertTrue(e.getMessage().contains(CudaBackends.unavailableReason()), e.getMessage());
        // asking again gives the same clean answer (JCuda would now throw NoClassDefFoundError if called directly)
        assertThrows(IllegalStateException.class, CudaBackends::create);
    }

    @Test
    void jcudasLoadReportIsReducedToTheLineThatNamesTheDriver() {
        String report = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\nOperating system name: Linux\n"
                + "Stack trace from the attempt to load the library as a resource:\njava.lang.UnsatisfiedLinkError: "
                + "/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file"
                + " or directory\n\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)\n";
        assertEquals("no CUDA driver (libcuda.so.1 not found): libcuda.so.1: cannot open shared object file: No such"
                + " file or directory", CudaBackends.linkErrorReason(report));
        assertEquals("JCuda's driver library could not be loaded: no space left on device",
                CudaBackends.linkErrorReason("no space left on device\nmore"));
        assertEquals("JCuda's driver library could not be loaded: ", CudaBackends.linkErrorReason(null));
    }

    @Test
    void providerIsRegisteredWithTheCoresServiceLoader() {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(found::add);
        assertEquals(1, found.stream().filter(p -> p instanceof CudaBackendProvider).count(), found.toString());
        // (the test class path also registers EmulatedCudaBackendProvider as "cuda", off unless SNN_EMULATED_CUDA=1)
        BackendProvider p = found.stream().filter(q -> q instanceof CudaBackendProvider).findFirst().orElseThrow();
        assertEquals(CudaBackends.isAvailable(), p.isAvailable());
        assertEquals(CudaBackends.unavailableReason(), p.unavailableReason());
        assertEquals(CudaBackends.deviceCount(), p.deviceCount());
        if (!p.isAvailable()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.create(0));
            assertTrue(e.getMessage().contains(p.unavailableReason()), e.getMessage());
            // the core's lookup by name finds it and refuses it with the reason
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda", 1));
            assertTrue(e2.getMessage().contains("backend 'cuda' is not available: "), e2.getMessage());
        } else {
            assertThrows(IllegalArgumentException.class, () -> p.create(p.deviceCount()));
        }
    }
}
