package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import org.apache.spark.TaskContext;

/**
 * Builds the core's engines ({@link EngineConfig#create()}) on executors; the config is small and serializable.
 *
 * <p>A task runs on as many threads as Spark gave it: with {@code spark.task.cpus = N} (N > 1) and a config of one
 * thread, the engine is a {@link io.github.sparksnn.train.ParallelGradientEngine} of N replicas. That is how a
 * many-core executor becomes one task, so one endpoint of the aggregation tree, instead of N tasks that each send a
 * whole vector over the host's link. Its bits are fixed by N (the replicas' sums are added in replica order), so a
 * run is reproducible for a given partition count and {@code spark.task.cpus}, not across different N.
 */
public record CoreEngineFactory(EngineConfig config) implements EngineFactory {
    @Override
    public GradientEngine create() {
        return effective().create();
    }

    @Override
    public String cacheKey() {
        return effective().toString();
    }

    /** The config with the running task's CPUs as its threads (outside a task, or when threads were set: as is). */
    EngineConfig effective() {
        TaskContext ctx = TaskContext.get();
        int cpus = ctx == null ? 1 : ctx.cpus();
        return config.threads() == 1 && cpus > 1 ? config.withThreads(cpus) : config;
    }
}
