/**
 * A network as text and as a built object. {@link io.github.sparksnn.model.ModelSpec} is the text spec
 * ({@code flatten | linear(784, 512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | ...}), parsed by a
 * recursive-descent parser into normalized {@link io.github.sparksnn.model.LayerSpec}s (defaults filled in, so two
 * spellings of one network are equal) whose kinds and arguments {@link io.github.sparksnn.model.LayerKind} lists;
 * errors are {@link io.github.sparksnn.model.ModelSpecException}s with a caret under the offending token.
 * {@link io.github.sparksnn.model.Network} is a spec built on one backend: its layers, one flat parameter tensor
 * and one flat gradient tensor (layer slices in spec order, PyTorch's order inside a layer), multi-step forward
 * and backward, single-step streaming.
 *
 * <p>Separate because the spec is what travels (in Params, saved models and task closures) while the network is
 * what computes; this is the one place that knows every layer and neuron kind. A surrogate in a spec is resolved
 * through the {@code surrogate} registry, so user-registered functions and {@code Formula}s work there too. It
 * imports {@code neuron}, {@code layer}, {@code backend} and {@code surrogate}, never {@code train} or Spark.
 */
package io.github.sparksnn.model;
