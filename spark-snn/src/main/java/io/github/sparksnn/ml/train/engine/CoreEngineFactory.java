package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;

/** Builds the core's engines ({@link EngineConfig#create()}) on executors; the config is small and serializable. */
public record CoreEngineFactory(EngineConfig config) implements EngineFactory {
    @Override
    public GradientEngine create() {
        return config.create();
    }

    @Override
    public String cacheKey() {
        return config.toString();
    }
}
