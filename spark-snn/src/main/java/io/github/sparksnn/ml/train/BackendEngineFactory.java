package io.github.sparksnn.ml.train;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.BackendProvider;
import io.github.sparksnn.backend.Backends;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;


/**
 * Engines on an optional backend module found at run time through the core's {@link BackendProvider} service
 * ({@code META-INF/services/io.github.sparksnn.backend.BackendProvider}; the {@code gpu} module registers its
 * CUDA backend there). The engine is the core's {@link CpuGradientEngine}, which runs on any {@link Backend}.
 * On an executor the device is the first GPU address Spark assigned to the task
 * ({@code spark.task.resource.gpu.amount}), else device 0.
 */
public record BackendEngineFactory(EngineConfig config, String backendName) implements EngineFactory {

    @Override
    public GradientEngine create() {
        BackendProvider provider = find(backendName);
        if (provider == null) {
            throw new IllegalStateException("backend '" + backendName + "' is not on this executor's classpath "
                    + "(add the spark-snn-gpu jar)");
        }
        return new CpuGradientEngine(config, provider.create(device()));
    }

    @Override
    public String cacheKey() {
        return backendName + "|" + device() + "|" + config;
    }

    private static int device() {
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            scala.Option<ResourceInformation> gpu = tc.resources().get("gpu");
            if (gpu.isDefined() && gpu.get().addresses().length > 0) {
                try {
                    return Integer.parseInt(gpu.get().addresses()[0].trim());
                } catch (NumberFormatException ignored) {
                    // non-numeric address: fall back to device 0
                }
            }
        }
        return 0;
    }

    /** The registered provider named {@code name}, or null when no module provides it. */
    static BackendProvider find(String name) {
        return Backends.provider(name).orElse(null);
    }

    /** Null when the provider is usable, else the reason it is not. */
    static String unavailable(BackendProvider provider) {
        if (provider == null) {
            return "the spark-snn-gpu module is not on the classpath";
        }
        return provider.isAvailable() ? null : provider.unavailableReason();
    }
}
