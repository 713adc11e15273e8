package io.github.sparksnn.model;

import static io.github.sparksnn.model.ParamDef.choice;
import static io.github.sparksnn.model.ParamDef.opt;
import static io.github.sparksnn.model.ParamDef.req;
import static io.github.sparksnn.model.ParamDef.sameAs;
import static io.github.sparksnn.model.ParamType.BOOL;
import static io.github.sparksnn.model.ParamType.DOUBLE;
import static io.github.sparksnn.model.ParamType.DOUBLE_OR_NONE;
import static io.github.sparksnn.model.ParamType.INT;
import static io.github.sparksnn.model.ParamType.SURROGATE;

import io.github.sparksnn.surrogate.Sigmoid;
import java.util.List;
import java.util.Locale;

/** The layer and neuron kinds of the model spec, with their arguments in positional order and defaults. */
public enum LayerKind {
    FLATTEN("flatten"),
    LINEAR("linear", req("in_features", INT), req("out_features", INT), opt("bias", BOOL, true)),
    CONV2D("conv2d", req("in_channels", INT), req("out_channels", INT), req("kernel_size", INT),
            opt("stride", INT, 1), opt("padding", INT, 0), opt("bias", BOOL, true)),
    MAXPOOL2D("maxpool2d", req("kernel_size", INT), sameAs("stride", INT, "kernel_size")),
    AVGPOOL2D("avgpool2d", req("kernel_size", INT), sameAs("stride", INT, "kernel_size")),
    BATCHNORM1D("batchnorm1d", req("num_features", INT), opt("eps", DOUBLE, 1e-5), opt("momentum", DOUBLE, 0.1)),
    BATCHNORM2D("batchnorm2d", req("num_features", INT), opt("eps", DOUBLE, 1e-5), opt("momentum", DOUBLE, 0.1)),
    DROPOUT("dropout", opt("p", DOUBLE, 0.5)),
    /** Encoder layer: delta modulation over time, ON then OFF channels ({@code layer.DeltaCode}). */
    DELTA("delta", opt("threshold", DOUBLE, 0.1), opt("padding", BOOL, false)),
    /** Encoder layer: Gaussian receptive fields over every value ({@code layer.PopulationCode}). */
    POPULATION("population", req("num_neurons", INT), opt("min", DOUBLE, 0.0), opt("max", DOUBLE, 1.0),
            opt("width", DOUBLE, 0.0)),
    IF("if", neuronTail()),
    LIF("lif", prepend(opt("tau", DOUBLE, 2.0), opt("decay_input", BOOL, true))),
    PLIF("plif", prepend(opt("init_tau", DOUBLE, 2.0), opt("decay_input", BOOL, true))),
    RLIF("rlif", prepend(opt("tau", DOUBLE, 2.0), opt("decay_input", BOOL, true), choice("recurrent", "dense",
            "diagonal"))),
    SYNAPTIC("synaptic", prepend(opt("alpha", DOUBLE, 0.9), opt("beta", DOUBLE, 0.8), opt("learn_alpha", BOOL, false),
            opt("learn_beta", BOOL, false))),
    ALIF("alif", prepend(opt("tau", DOUBLE, 2.0), opt("decay_input", BOOL, true), opt("tau_a", DOUBLE, 20.0),
            opt("beta_a", DOUBLE, 1.8))),
    /** The non-spiking leaky-integrator output layer (membrane readout), not a neuron: it never fires. */
    READOUT("readout", opt("tau", DOUBLE, 2.0), opt("decay_input", BOOL, true));

    private final String specName;
    private final List<ParamDef> params;

    LayerKind(String specName, ParamDef... params) {
        this.specName = specName;
        this.params = List.of(params);
    }

    private static ParamDef[] neuronTail() {
        return new ParamDef[]{opt("v_threshold", DOUBLE, 1.0), opt("v_reset", DOUBLE_OR_NONE, 0.0),
                opt("surrogate", SURROGATE, new Sigmoid()), opt("detach_reset", BOOL, false)};
    }

    /** A neuron's own arguments, then the common tail (threshold, reset, surrogate, detach). */
    private static ParamDef[] prepend(ParamDef... own) {
        ParamDef[] tail = neuronTail();
        ParamDef[] all = new ParamDef[tail.length + own.length];
        System.arraycopy(own, 0, all, 0, own.length);
        System.arraycopy(tail, 0, all, own.length, tail.length);
        return all;
    }

    /** The name in the spec text, e.g. {@code lif}. */
    public String specName() {
        return specName;
    }

    List<ParamDef> params() {
        return params;
    }

    public boolean isNeuron() {
        return this == IF || this == LIF || this == PLIF || this == RLIF || this == SYNAPTIC || this == ALIF;
    }

    /**
     * An encoder layer: a fixed code with no parameters that passes no gradient back (so it precedes every layer with
     * parameters).
     */
    public boolean isEncoder() {
        return this == DELTA || this == POPULATION;
    }

    /** The kind for a spec name (case-insensitive), or null. */
    static LayerKind byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (LayerKind k : values()) {
            if (k.specName.equals(n)) {
                return k;
            }
        }
        return null;
    }

    static String names() {
        StringBuilder sb = new StringBuilder();
        for (LayerKind k : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(k.specName);
        }
        return sb.toString();
    }
}
