/**
 * The wire of barrier-mode training: who talks to whom ({@link io.github.sparksnn.ml.train.net.AggregationTree}),
 * one authenticated framed connection ({@link io.github.sparksnn.ml.train.net.PeerLink}, 40-byte
 * {@link io.github.sparksnn.ml.train.net.Frame} headers, raw little-endian payloads, HMAC challenge-response) and the
 * driver's listening end ({@link io.github.sparksnn.ml.train.net.AggregationServer}). Plain JDK sockets: the
 * conversation is a fixed tree of long-lived connections in lock step, so blocking I/O with read timeouts is the
 * simplest correct transport and needs no dependency that would have to match the Spark it runs in. Over those links
 * {@link io.github.sparksnn.ml.train.net.PartialReceiver} receives a step's partial sums on one thread per link and
 * {@link io.github.sparksnn.ml.train.net.CutThrough} streams a task's sum up the tree piece by piece, in
 * {@code OrderedSum}'s order; under a local master {@link io.github.sparksnn.ml.train.net.InProcessHub} stands in
 * for the sockets, handing the same messages between threads by reference. What travels is decided in
 * {@code ml.train} ({@code BarrierEpochTask}, {@code BarrierLoop}); nothing here knows about engines or optimizers.
 * It imports {@code ml.train.sum} (a partial sum is an {@code OrderedSum} node) and the JDK; never {@code ml.train}
 * above it.
 */
package io.github.sparksnn.ml.train.net;
