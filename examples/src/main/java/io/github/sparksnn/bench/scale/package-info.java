/**
 * {@code snn bench scale}: data-parallel training measured on an emulated multi-host cluster on one machine.
 *
 * <p>{@link io.github.sparksnn.bench.scale.NamespacePlan} is the network (namespaces, a bridge, links shaped with HTB)
 * as a list of commands; {@link io.github.sparksnn.bench.scale.EmulatedCluster} runs it, starts a Spark Master and one
 * Worker per host inside it and tears everything down; {@link io.github.sparksnn.bench.scale.ScaleBenchCommand} is the
 * command, which starts {@link io.github.sparksnn.bench.scale.ScaleDriver}, the measuring Spark application, inside
 * the driver's namespace. {@link io.github.sparksnn.bench.scale.SimulatedEngineFactory} replaces the engine's compute
 * by a calibrated wait ({@link io.github.sparksnn.bench.scale.Calibration}) so that few cores can emulate many
 * machines; {@link io.github.sparksnn.bench.scale.ScaleCostModel} predicts a step from compute, the tree and the link
 * rate, and {@link io.github.sparksnn.bench.scale.ScaleReport} prints the table and the last line.
 *
 * <p>Contract: needs root; touches only namespaces named {@code snnb<pid>-...} that it creates (and those a killed
 * earlier run of it left), never the caller's network namespace; traffic stays inside them. Nothing here is used by
 * the library: the simulated engine is reachable only through this bench.
 */
package io.github.sparksnn.bench.scale;
