package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.train.EngineConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * A compute engine other than the built-in CPU one, found through {@link ServiceLoader}
 * ({@code META-INF/services/io.github.sparksnn.ml.train.engine.EngineProvider}). The core's
 * {@code io.github.sparksnn.backend.BackendProvider} services (the {@code gpu} module's CUDA backend) are found as
 * well, without this interface (see {@link BackendEngineFactory}).
 */
public interface EngineProvider {

    /** Backend name as the {@code backend} Param spells it, e.g. {@code cuda}. */
    String name();

    /** Whether this JVM can use it now (driver present, device visible); called on each executor. */
    boolean available();

    /** A serializable factory of engines for {@code config} on this backend. */
    EngineFactory factory(EngineConfig config);

    /**
     * The engine factory for a {@code backend} Param value. Only {@code cpu} is settled here (the built-in engine);
     * {@code auto}, {@code cuda} ({@code gpu}) and other providers' names are <em>validated</em> here and decided on
     * each executor by {@link BackendEngineFactory}, from what that executor has: the driver's own hardware says
     * nothing about the executors'. An unknown name is an {@link IllegalArgumentException} listing the choices.
     */
    static EngineFactory resolve(String backend, EngineConfig config) {
        String b = backend == null ? "auto" : backend.trim().toLowerCase(Locale.ROOT);
        if (b.equals("cpu")) {
            return new CoreEngineFactory(config);
        }
        if (b.equals(io.github.sparksnn.backend.CpuBackend.PORTABLE)) {
            return new CoreEngineFactory(config.withBackend(b));
        }
        if (b.equals("auto") || b.equals("cuda") || b.equals("gpu")) {
            return new BackendEngineFactory(config, b.equals("gpu") ? "cuda" : b);
        }
        List<String> names = new ArrayList<>(List.of("auto", "cpu", io.github.sparksnn.backend.CpuBackend.PORTABLE,
                "cuda"));
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
            names.add(p.name());
            if (b.equals(p.name().toLowerCase(Locale.ROOT))) {
                return new BackendEngineFactory(config, p.name());
            }
        }
        throw new IllegalArgumentException("unknown backend '" + backend + "': expected one of " + names);
    }
}
