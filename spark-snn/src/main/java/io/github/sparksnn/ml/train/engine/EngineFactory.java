package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.train.GradientEngine;

import java.io.Serializable;

/**
 * Builds {@link GradientEngine} replicas on executors. Travels inside task closures, so it must be small
 * (a model spec and a few numbers, never weights): executors build the replica from it and receive the
 * parameters through a broadcast.
 */
public interface EngineFactory extends Serializable {

    /** A fresh engine (one per concurrently running task; engines are not thread-safe). */
    GradientEngine create();

    /**
     * A string that identifies the engine configuration: two factories with equal keys build
     * interchangeable engines, so the executor cache may hand one factory's engine to the other's tasks.
     */
    String cacheKey();
}
