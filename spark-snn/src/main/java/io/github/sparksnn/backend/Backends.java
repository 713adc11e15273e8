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
     * Creates the named backend ({@code cpu} with {@code threads} BLAS threads; a provider's backend on device 0);
     * an unknown or unavailable name is an IllegalArgumentException naming the choices or the reason.
     */
    /** The registered provider called {@code name} (case-insensitive), if any; {@code cpu} is not a provider. */
    public static Optional<BackendProvider> provider(String name) {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equalsIgnoreCase(name.trim())) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public static Backend create(String name, int threads) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return new CpuBackend(threads);
        }
        List<String> known = new ArrayList<>(List.of("cpu"));
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            known.add(p.name());
            if (p.name().equalsIgnoreCase(n)) {
                if (!p.isAvailable()) {
                    throw new IllegalArgumentException("backend '" + name + "' is not available: " + p.unavailableReason());
                }
                return p.create(0);
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (available: " + String.join(", ", known) + ")");
    }
}
