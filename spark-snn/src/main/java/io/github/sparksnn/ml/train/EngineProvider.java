package io.github.sparksnn.ml.train;

import io.github.sparksnn.train.EngineConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * A compute backend other than the built-in CPU one (the {@code gpu} module's CUDA engine), found through
 * {@link ServiceLoader} ({@code META-INF/services/io.github.sparksnn.ml.train.EngineProvider}).
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
        if (b.equals("auto")) {
            return new CoreEngineFactory(config);
        }
        if (b.equals("cuda") || b.equals("gpu")) {
            throw new IllegalArgumentException("GPU backend not available: backend '" + backend + "' needs the "
                    + "spark-snn-gpu module on the classpath and a CUDA device" + (seen.isEmpty() ? ""
                    : "; providers found: " + seen));
        }
        throw new IllegalArgumentException("unknown backend '" + backend + "': expected auto, cpu or cuda");
    }
}
