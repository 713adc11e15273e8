package io.github.sparksnn.ml.train;

import io.github.sparksnn.train.EngineConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * A compute engine other than the built-in CPU one, found through {@link ServiceLoader}
 * ({@code META-INF/services/io.github.sparksnn.ml.train.EngineProvider}). The core's
 * {@code io.github.sparksnn.backend.BackendProvider} services (the {@code gpu} module's CUDA backend) are found as
 * well, without this interface (see {@link BackendEngineFactory}).
 */
public interface EngineProvider {

    /** Backend name as the {@code backend} Param spells it, e.g. {@code cuda}. */
    String name();

    /** Whether this JVM can use it now (driver present, device visible); called on the driver. */
    boolean available();

    /** A serializable factory of engines for {@code config} on this backend. */
    EngineFactory factory(EngineConfig config);

    /**
     * The engine factory for a {@code backend} Param value: {@code cpu} the built-in engine, {@code cuda} (or any
     * other provider's name) that provider when available, {@code auto} the first available provider, else CPU.
     */
    static EngineFactory resolve(String backend, EngineConfig config) {
        String b = backend == null ? "auto" : backend.trim().toLowerCase(Locale.ROOT);
        if (b.equals("cpu")) {
            return new CoreEngineFactory(config);
        }
        List<String> seen = new ArrayList<>();
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
            boolean ok = p.available();
            seen.add(p.name() + (ok ? "" : " (unavailable)"));
            if (ok && (b.equals("auto") || b.equals(p.name().toLowerCase(Locale.ROOT)))) {
                return p.factory(config);
            }
        }
        // The gpu module's BackendProvider (a Backend, wrapped in the core's engine).
        if (b.equals("auto") || b.equals("cuda") || b.equals("gpu")) {
            var cuda = BackendEngineFactory.find("cuda");
            String why = BackendEngineFactory.unavailable(cuda);
            if (why == null) {
                return new BackendEngineFactory(config, "cuda");
            }
            if (b.equals("auto")) {
                return new CoreEngineFactory(config);
            }
            throw new IllegalArgumentException("GPU backend not available: " + why + " (backend '" + backend
                    + "'; use backend=cpu or auto)" + (seen.isEmpty() ? "" : "; engine providers found: " + seen));
        }
        throw new IllegalArgumentException("unknown backend '" + backend + "': expected auto, cpu or cuda");
    }
}
