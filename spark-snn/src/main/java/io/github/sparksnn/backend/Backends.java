package io.github.sparksnn.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.ServiceLoader;

/** Backend lookup by name: {@code cpu} (built in) or a {@link BackendProvider} on the class path. */
public final class Backends {
    private Backends() {
    }

    /**
     * The registered provider called {@code name} (case-insensitive), if any; {@code cpu} is not a provider. When
     * several providers share the name (a test module's emulated device beside the real one), the first
     * available one wins, else the first.
     */
    public static Optional<BackendProvider> provider(String name) {
        BackendProvider first = null;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equalsIgnoreCase(name.trim())) {
                if (p.isAvailable()) {
                    return Optional.of(p);
                }
                if (first == null) {
                    first = p;
                }
            }
        }
        return Optional.ofNullable(first);
    }

    /**
     * Creates the named backend ({@code cpu} with {@code threads} BLAS threads, {@code cpu-portable} with the
     * pure-Java GEMM; a provider's backend on device 0, asked for by name: it fails on an operation it has no device
     * code for rather than running it on the host, {@link BackendProvider#create(int, boolean)});
     * an unknown or unavailable name is an IllegalArgumentException naming the choices or the reason.
     */
    public static Backend create(String name, int threads) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return new CpuBackend(threads);
        }
        if (n.equals(CpuBackend.PORTABLE)) {
            return new CpuBackend(threads, true);
        }
        Optional<BackendProvider> found = provider(n);
        if (found.isPresent()) {
            BackendProvider p = found.get();
            if (!p.isAvailable()) {
                throw new IllegalArgumentException("backend '" + name + "' is not available: " + p.unavailableReason());
            }
            return p.create(0, false);
        }
        List<String> known = new ArrayList<>(List.of("cpu", CpuBackend.PORTABLE));
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            known.add(p.name());
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (available: " + String.join(", ", known) + ")");
    }
}
