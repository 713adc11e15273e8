/**
 * The wire of barrier-mode training: who talks to whom ({@link io.github.sparksnn.ml.train.net.AggregationTree}),
 * one authenticated framed connection ({@link io.github.sparksnn.ml.train.net.PeerLink}, 40-byte
 * {@link io.github.sparksnn.ml.train.net.Frame} headers, raw little-endian payloads, HMAC challenge-response) and the
 * driver's listening end ({@link io.github.sparksnn.ml.train.net.AggregationServer}). Plain JDK sockets: the
 * conversation is a fixed tree of long-lived connections in lock step, so blocking I/O with read timeouts is the
 * simplest correct transport and needs no dependency that would have to match the Spark it runs in. What travels is
 * decided in {@code ml.train} ({@code BarrierEpochTask}, {@code DistributedTrainer}); nothing here knows about
 * engines or optimizers.
 */
package io.github.sparksnn.ml.train.net;
