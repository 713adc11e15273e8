package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.BackendProvider;
import io.github.sparksnn.backend.Backends;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Engines for a {@code backend} Param other than {@code cpu}, <em>decided on each executor</em> from what that
 * executor has: the driver only checks the name ({@link EngineProvider#resolve}), because a driver without a GPU
 * says nothing about executors with GPUs (and the reverse).
 *
 * <ul>
 *   <li>{@code cuda} (or {@code gpu}): the core's {@link BackendProvider} named {@code cuda} (the {@code gpu}
 *       module's, found through {@code META-INF/services/io.github.sparksnn.backend.BackendProvider}) on the
 *       device Spark assigned to the task; an executor without a usable device fails the task with a message
 *       naming the executor, its host and the reason (no driver, no device, an address that names no device); so
 *       does a layer the backend has no device code for (a {@code Formula} surrogate without nvcc on the executor),
 *       instead of running it on the CPU.</li>
 *   <li>{@code auto}: the first available {@link EngineProvider}, else the CUDA backend when this executor can use
 *       it, else the built-in CPU engine; each executor logs (INFO) which one it runs and why. On the CUDA backend,
 *       a layer without device code runs on the host, with one warning per executor naming it.</li>
 *   <li>another {@link EngineProvider}'s name: that provider, when available on the executor.</li>
 * </ul>
 *
 * <p>The device is the first GPU address Spark assigned to the task ({@code spark.task.resource.gpu.amount}),
 * mapped to a device by {@link BackendProvider#deviceForAddress} (an ordinal, a UUID or a PCI bus id, see
 * {@code conf/gpu-discovery.md}); without an assigned address, device 0. The engine is the core's
 * {@link CpuGradientEngine}, which runs on any {@link Backend}; {@link GradientEngine#backendDescription()} says
 * what it landed on.
 */
public record BackendEngineFactory(EngineConfig config, String backendName) implements EngineFactory {
    private static final Logger LOG = LoggerFactory.getLogger(BackendEngineFactory.class);

    /** What one executor chose: an engine provider, a backend provider on a device, or the built-in CPU engine. */
    record Selection(EngineProvider engineProvider, BackendProvider backend, int device, String address,
                     String note) {
        String key() {
            if (engineProvider != null) {
                return "engine:" + engineProvider.name();
            }
            return backend == null ? "cpu" : backend.name() + ":" + device;
        }
    }

    @Override
    public GradientEngine create() {
        Selection s = select();
        GradientEngine engine;
        if (s.engineProvider() != null) {
            engine = s.engineProvider().factory(config).create();
        } else if (s.backend() != null) {
            try {
                // named (backend=cuda): an op without device code fails; auto: it may run on the host, with a warning
                engine = new CpuGradientEngine(config, s.backend().create(s.device(), backendName.equals("auto")));
            } catch (RuntimeException e) {
                throw new IllegalStateException("backend=" + backendName + ": " + executorLabel() + " could not open "
                        + s.backend().name() + " device " + s.device() + addressNote(s.address()) + ": " + e.getMessage(), e);
            }
        } else {
            engine = config.create();
        }
        LOG.info("spark-snn backend={} on {}: {}{}", backendName, executorLabel(), engine.backendDescription(),
                s.note().isEmpty() ? "" : " (" + s.note() + ")");
        return engine;
    }

    @Override
    public String cacheKey() {
        return backendName + "|" + select().key() + "|" + config;
    }

    /** Choices already made in this JVM, by backend and GPU address (providers do not change under a JVM). */
    private static final java.util.Map<String, Selection> CHOSEN = new java.util.concurrent.ConcurrentHashMap<>();

    /** The choice for this executor and task (see the class comment); a clear exception when it cannot be met. */
    Selection select() {
        String address = taskGpuAddress();
        String key = backendName + "|" + address;
        Selection s = CHOSEN.get(key);
        if (s == null) {
            s = choose(address);   // throws (uncached) when the backend cannot run here
            CHOSEN.put(key, s);
        }
        return s;
    }

    private Selection choose(String address) {
        String b = backendName.toLowerCase(Locale.ROOT);
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
            boolean named = b.equals(p.name().toLowerCase(Locale.ROOT));
            if (named || b.equals("auto")) {
                if (p.available()) {
                    return new Selection(p, null, 0, address, "engine provider " + p.name());
                }
                if (named) {
                    throw new IllegalStateException("backend=" + backendName + ": engine provider '" + p.name()
                            + "' is not available on " + executorLabel());
                }
            }
        }
        BackendProvider cuda = find("cuda");
        String why = unavailable(cuda);
        if (why != null) {
            if (b.equals("auto")) {
                return new Selection(null, null, 0, address, "no usable CUDA device: " + why);
            }
            throw new IllegalStateException("backend=" + backendName + ": " + executorLabel()
                    + " has no usable CUDA device: " + why + addressNote(address)
                    + "; use backend=auto (CPU where there is no GPU) or cpu, or run on executors with GPUs");
        }
        int device;
        try {
            device = address == null ? 0 : cuda.deviceForAddress(address);
        } catch (RuntimeException e) {
            throw new IllegalStateException("backend=" + backendName + ": on " + executorLabel() + " the GPU address "
                    + address + " Spark assigned names no CUDA device: " + e.getMessage(), e);
        }
        return new Selection(null, cuda, device, address,
                address == null ? "no GPU address assigned by Spark: device 0" : "Spark's GPU address " + address);
    }

    /** The first GPU address Spark assigned to the running task, or null (no task, no gpu resource). */
    static String taskGpuAddress() {
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            scala.Option<ResourceInformation> gpu = tc.resources().get("gpu");
            if (gpu.isDefined() && gpu.get().addresses().length > 0) {
                return gpu.get().addresses()[0].trim();
            }
        }
        return null;
    }

    /** {@code executor 3 (host worker-7)}, or {@code the driver (host ...)} outside a task on an executor. */
    static String executorLabel() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown host";
        }
        SparkEnv env = SparkEnv.get();
        String id = env == null ? null : env.executorId();
        if (id == null || id.equals("driver")) {
            return "the driver (host " + host + ")";
        }
        return "executor " + id + " (host " + host + ")";
    }

    private static String addressNote(String address) {
        return address == null ? "" : " (Spark assigned GPU address " + address + ")";
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
