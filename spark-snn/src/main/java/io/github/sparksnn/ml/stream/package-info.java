/**
 * Spiking inference on Structured Streaming, with every neuron's state kept per key.
 * {@link io.github.sparksnn.ml.stream.SpikingStream} runs a trained
 * {@link io.github.sparksnn.ml.SpikingNetworkModel} over events {@code (key, time, features)}, one time step each:
 * a key's events are applied in time order within and across micro-batches, its state (a
 * {@code stream.KeyState}: potentials, currents, adaptations, output sums, step count) lives in Spark's RocksDB
 * state store through {@code flatMapGroupsWithState}, and each event gets the last layer's output, the running
 * prediction and chosen hidden layers' outputs. Late events are dropped and counted, a gap resets a key, a timeout
 * forgets it. Before the shuffle, {@code PrefixFunction} checks the events and runs the network's stateless first
 * layers on chunks of events of any keys (one GEMM each); per key only the stateful rest runs.
 *
 * <p>The guarantees, and where they stop: a key's outputs equal the offline multi-step forward of its whole
 * sequence bit for bit whatever the micro-batch boundaries and whatever events share a prefix chunk, on the
 * {@code cpu-portable} backend (native OpenBLAS
 * sums a row in an order that depends on the rows in a call); exactly once comes from the checkpointed state store
 * and a file sink. A checkpoint is bound to one model ({@code checkCheckpoint}, and a fingerprint in every state).
 * The per-key work is in the Spark-free {@code stream} package; this package only wires it into Spark.
 */
package io.github.sparksnn.ml.stream;
