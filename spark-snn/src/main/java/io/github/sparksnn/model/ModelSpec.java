package io.github.sparksnn.model;

import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network as text, e.g. {@code flatten | linear(784, 512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(512, 10) | lif}.
 * Layers are separated by {@code |}; each is a name with optional arguments, positional (in the layer's
 * argument order) then named. {@link #toString()} is canonical and parses back to an equal spec.
 *
 * <p>Layer kinds and arguments (defaults in brackets):
 * <ul>
 * <li>{@code flatten}</li>
 * <li>{@code linear(in_features, out_features, bias[true])}</li>
 * <li>{@code conv2d(in_channels, out_channels, kernel_size, stride[1], padding[0], bias[true])}</li>
 * <li>{@code maxpool2d(kernel_size, stride[kernel_size])}, {@code avgpool2d(kernel_size, stride[kernel_size])}</li>
 * <li>{@code batchnorm2d(num_features, eps[1e-5], momentum[0.1])}, {@code batchnorm1d(...)} (same)</li>
 * <li>{@code dropout(p[0.5])} (mask shared over time steps)</li>
 * <li>{@code delta(threshold[0.1], padding[false])}: encoder, delta modulation over time, {@code [C, ...]} to
 * {@code [2C, ...]} (ON then OFF channels)</li>
 * <li>{@code population(num_neurons, min[0.0], max[1.0], width[0.0])}: encoder, Gaussian receptive fields over every
 * value, {@code [C, ...]} to {@code [C * num_neurons, ...]}</li>
 * <li>{@code if(v_threshold[1.0], v_reset[0.0 | none], surrogate[Sigmoid(alpha=4.0)], detach_reset[false])}</li>
 * <li>{@code lif(tau[2.0], decay_input[true], v_threshold, v_reset, surrogate, detach_reset)}</li>
 * <li>{@code plif(init_tau[2.0], decay_input[true], v_threshold, v_reset, surrogate, detach_reset)}</li>
 * <li>{@code rlif(tau[2.0], decay_input[true], recurrent[dense | diagonal], v_threshold, v_reset, surrogate,
 * detach_reset)}: recurrent LIF, the previous step's spikes fed back through a learned matrix</li>
 * <li>{@code synaptic(alpha[0.9], beta[0.8], learn_alpha[false], learn_beta[false], v_threshold, v_reset, surrogate,
 * detach_reset)}: current-based synaptic LIF</li>
 * <li>{@code alif(tau[2.0], decay_input[true], tau_a[20.0], beta_a[1.8], v_threshold, v_reset, surrogate,
 * detach_reset)}: adaptive-threshold LIF</li>
 * </ul>
 * Encoders have no parameters and pass no gradient back, so they come before every layer with parameters
 * ({@link #buildLayers} checks). {@code v_reset=none} selects the soft reset. A surrogate is written {@code Name(param=value, ...)} with an
 * optional {@code spiking=false}. Immutable and serializable (it travels as a Spark Param).
 */
public final class ModelSpec implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<LayerSpec> layers;

    public ModelSpec(List<LayerSpec> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        this.layers = List.copyOf(layers);
    }

    /** Parses the text form; errors are {@link ModelSpecException}s pointing at the offending token. */
    public static ModelSpec parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("model spec is null");
        }
        return new ModelSpec(new ModelSpecParser(text).parse());
    }

    public List<LayerSpec> layers() {
        return layers;
    }

    /**
     * Builds the layers for a per-sample input shape, checking every shape; errors name the layer, e.g.
     * {@code layer 2 'linear(100, 10)': expects 100 input features (input shape [784])}.
     */
    public List<Layer> buildLayers(int[] inputShape) {
        checkShape(inputShape);
        List<Layer> out = new ArrayList<>();
        int[] shape = inputShape.clone();
        for (int i = 0; i < layers.size(); i++) {
            String label = "layer " + (i + 1) + " '" + layers.get(i) + "'";
            Layer l = LayerFactory.create(layers.get(i), label, shape, i);
            out.add(l);
            shape = l.outputShape();
        }
        checkEncodersFirst(out);
        return out;
    }

    /** An encoder below a layer with parameters would cut that layer off from the gradient: refuse the spec. */
    private void checkEncodersFirst(List<Layer> built) {
        for (int i = 0; i < built.size(); i++) {
            if (!layers.get(i).kind().isEncoder()) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                if (built.get(j).numParameters() > 0) {
                    for (Layer l : built) {
                        l.close();
                    }
                    throw new IllegalArgumentException(built.get(i).label() + ": an encoder layer passes no gradient to "
                            + "its input, so it must come before every layer with parameters, but "
                            + built.get(j).label() + " has " + built.get(j).numParameters());
                }
            }
        }
    }

    /**
     * The same model with every neuron's surrogate switched to spiking (Heaviside forward) or smooth (its primitive
     * forward, {@code spiking=false}) mode. In smooth mode the network is a smooth function of its inputs and
     * parameters: what finite differences check, and what two implementations can be compared on without a
     * rounding difference near a threshold flipping a spike.
     */
    public ModelSpec withSpikingMode(boolean spiking) {
        List<LayerSpec> out = new ArrayList<>(layers.size());
        for (LayerSpec l : layers) {
            Map<String, Object> args = new LinkedHashMap<>(l.arguments());
            boolean changed = false;
            for (Map.Entry<String, Object> e : args.entrySet()) {
                if (e.getValue() instanceof SurrogateFunction) {
                    e.setValue(l.getSurrogate(e.getKey()).setSpikingMode(spiking));
                    changed = true;
                }
            }
            out.add(changed ? new LayerSpec(l.kind(), args) : l);
        }
        return new ModelSpec(out);
    }

    /** The per-sample output shape for an input shape (checks every layer's shape). */
    public int[] outputShape(int[] inputShape) {
        List<Layer> ls = buildLayers(inputShape);
        return ls.get(ls.size() - 1).outputShape();
    }

    static void checkShape(int[] inputShape) {
        if (inputShape == null || inputShape.length == 0) {
            throw new IllegalArgumentException("input shape must have at least one dimension");
        }
        for (int d : inputShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("input shape dimensions must be > 0, got " + Arrays.toString(inputShape));
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (LayerSpec l : layers) {
            sb.append(sb.length() == 0 ? "" : " | ").append(l);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec m && layers.equals(m.layers);
    }

    @Override
    public int hashCode() {
        return layers.hashCode();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fluent construction: {@code ModelSpec.builder().flatten().linear(784, 10).lif(2.0).build()}. */
    public static final class Builder {
        private final List<LayerSpec> layers = new ArrayList<>();

        /** Any layer by spec name and named arguments. */
        public Builder layer(String name, Map<String, ?> args) {
            LayerKind k = LayerKind.byName(name);
            if (k == null) {
                throw new IllegalArgumentException("unknown layer '" + name + "' (known: " + LayerKind.names() + ")");
            }
            layers.add(new LayerSpec(k, args));
            return this;
        }

        private Builder add(String name, Object... kv) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                m.put((String) kv[i], kv[i + 1]);
            }
            return layer(name, m);
        }

        public Builder flatten() {
            return add("flatten");
        }

        public Builder linear(int in, int out) {
            return add("linear", "in_features", in, "out_features", out);
        }

        public Builder linear(int in, int out, boolean bias) {
            return add("linear", "in_features", in, "out_features", out, "bias", bias);
        }

        public Builder conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
            return add("conv2d", "in_channels", in, "out_channels", out, "kernel_size", kernel, "stride", stride,
                    "padding", padding, "bias", bias);
        }

        public Builder maxPool2d(int kernel) {
            return add("maxpool2d", "kernel_size", kernel);
        }

        public Builder avgPool2d(int kernel) {
            return add("avgpool2d", "kernel_size", kernel);
        }

        public Builder batchNorm2d(int channels) {
            return add("batchnorm2d", "num_features", channels);
        }

        public Builder batchNorm1d(int features) {
            return add("batchnorm1d", "num_features", features);
        }

        public Builder dropout(double p) {
            return add("dropout", "p", p);
        }

        /** The delta encoder layer (ON then OFF channels). */
        public Builder delta(double threshold, boolean padding) {
            return add("delta", "threshold", threshold, "padding", padding);
        }

        /** The population encoder layer: {@code numNeurons} Gaussian receptive fields over [min, max]. */
        public Builder population(int numNeurons, double min, double max) {
            return add("population", "num_neurons", numNeurons, "min", min, "max", max);
        }

        public Builder ifNode() {
            return add("if");
        }

        public Builder ifNode(SurrogateFunction surrogate) {
            return add("if", "surrogate", surrogate);
        }

        public Builder lif(double tau) {
            return add("lif", "tau", tau);
        }

        public Builder lif(double tau, SurrogateFunction surrogate) {
            return add("lif", "tau", tau, "surrogate", surrogate);
        }

        public Builder plif(double initTau) {
            return add("plif", "init_tau", initTau);
        }

        /** A recurrent LIF; {@code recurrent} is {@code dense} or {@code diagonal}. */
        public Builder rlif(double tau, String recurrent) {
            return add("rlif", "tau", tau, "recurrent", recurrent);
        }

        public Builder synaptic(double alpha, double beta) {
            return add("synaptic", "alpha", alpha, "beta", beta);
        }

        public Builder alif(double tau, double tauA, double betaA) {
            return add("alif", "tau", tau, "tau_a", tauA, "beta_a", betaA);
        }

        public ModelSpec build() {
            return new ModelSpec(layers);
        }
    }
}
