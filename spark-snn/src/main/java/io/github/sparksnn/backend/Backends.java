package io.github.sparksnn.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/** Backend lookup by name: {@code cpu} (built in) or a {@link BackendProvider} on the class path. */
public final class Backends {
    private Backends() {
    }

    /** Creates the named backend; an unknown or unavailable name is an IllegalArgumentException naming the choices. */
    public static Backend create(String name, int threads) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return new CpuBackend(threads);
        }
        List<String> known = new ArrayList<>(List.of("cpu"));
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            known.add(p.name());
            if (p.name().equalsIgnoreCase(n)) {
                if (!p.available()) {
                    throw new IllegalArgumentException("backend '" + name + "' is not available on this machine");
                }
                return p.create(threads);
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (available: " + String.join(", ", known) + ")");
    }
}
