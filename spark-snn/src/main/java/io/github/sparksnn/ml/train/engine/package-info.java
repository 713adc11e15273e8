/**
 * The engine replicas a partition computes with. An {@link io.github.sparksnn.ml.train.engine.EngineFactory}
 * builds a {@code train.GradientEngine} on an executor: {@link io.github.sparksnn.ml.train.engine.CoreEngineFactory}
 * on the CPU, {@link io.github.sparksnn.ml.train.engine.BackendEngineFactory} on whichever backend the executor
 * offers (the {@code gpu} module's through {@code backend.BackendProvider}, or an
 * {@link io.github.sparksnn.ml.train.engine.EngineProvider}), chosen per executor and logged;
 * {@link io.github.sparksnn.ml.train.engine.EngineCache} keeps built replicas per JVM and run, so a step ships
 * parameters, not a network; {@link io.github.sparksnn.ml.train.engine.EngineStates} lays parameters and buffers
 * out as the one state vector that travels.
 *
 * <p>Invariant: nothing cached changes a result; an engine gets the full state before every use. Separate because
 * which hardware runs a partition is a per-executor question, apart from the loop that drives it. It imports
 * {@code ml.train.plan} (a lease caches its block's epoch permutation), the core's {@code train} and
 * {@code backend}, Spark (the executor's environment and resources) and SLF4J.
 */
package io.github.sparksnn.ml.train.engine;
