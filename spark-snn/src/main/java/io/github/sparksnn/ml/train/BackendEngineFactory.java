package io.github.sparksnn.ml.train;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.lang.reflect.Method;
import java.util.ServiceLoader;

/**
 * Engines on an optional backend module found at run time: the {@code gpu} module registers its CUDA backend
 * as a {@code io.github.sparksnn.gpu.BackendProvider} service. spark-snn cannot depend on that module (it
 * depends on spark-snn), so the provider is reached by name and reflection; the engine is the core's
 * {@link CpuGradientEngine}, which runs on any {@link Backend}. On an executor the device is the first GPU
 * address Spark assigned to the task ({@code spark.task.resource.gpu.amount}), else device 0.
 */
public record BackendEngineFactory(EngineConfig config, String backendName) implements EngineFactory {
    static final String SPI = "io.github.sparksnn.gpu.BackendProvider";

    @Override
    public GradientEngine create() {
        Object provider = find(backendName);
        if (provider == null) {
            throw new IllegalStateException("backend '" + backendName + "' is not on this executor's classpath "
                    + "(add the spark-snn-gpu jar)");
        }
        try {
            Backend be = (Backend) provider.getClass().getMethod("create", int.class).invoke(provider, device());
            return new CpuGradientEngine(config, be);
        } catch (ReflectiveOperationException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot create the " + backendName + " backend: " + c.getMessage(), c);
        }
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

    /** The registered provider named {@code name}, or null when the module is absent. */
    static Object find(String name) {
        Class<?> spi;
        try {
            spi = Class.forName(SPI, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : BackendEngineFactory.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
        for (Object p : ServiceLoader.load(spi)) {
            if (name.equalsIgnoreCase(String.valueOf(call(p, "name")))) {
                return p;
            }
        }
        return null;
    }

    /** Null when the provider is usable, else the reason it is not. */
    static String unavailable(Object provider) {
        if (provider == null) {
            return "the spark-snn-gpu module is not on the classpath";
        }
        if (Boolean.TRUE.equals(call(provider, "isAvailable"))) {
            return null;
        }
        return String.valueOf(call(provider, "unavailableReason"));
    }

    private static Object call(Object target, String method) {
        try {
            Method m = target.getClass().getMethod(method);
            return m.invoke(target);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
