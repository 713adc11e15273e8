package io.github.sparksnn.model;

import io.github.sparksnn.layer.AvgPool2d;
import io.github.sparksnn.layer.BatchNorm;
import io.github.sparksnn.layer.Conv2d;
import io.github.sparksnn.layer.DeltaCode;
import io.github.sparksnn.layer.DeltaEncoding;
import io.github.sparksnn.layer.Dropout;
import io.github.sparksnn.layer.Flatten;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.layer.LeakyReadout;
import io.github.sparksnn.layer.Linear;
import io.github.sparksnn.layer.MaxPool2d;
import io.github.sparksnn.layer.PopulationCode;
import io.github.sparksnn.layer.PopulationEncoding;
import io.github.sparksnn.neuron.AdaptiveLIFNode;
import io.github.sparksnn.neuron.IFNode;
import io.github.sparksnn.neuron.LIFNode;
import io.github.sparksnn.neuron.ParametricLIFNode;
import io.github.sparksnn.neuron.RecurrentLIFNode;
import io.github.sparksnn.neuron.SynapticNode;

/** Turns a {@link LayerSpec} into a {@link Layer} for a given input shape (which the layer checks). */
final class LayerFactory {
    private LayerFactory() {
    }

    static Layer create(LayerSpec s, String label, int[] in, int index) {
        return switch (s.kind()) {
            case FLATTEN -> new Flatten(label, in);
            case LINEAR -> new Linear(label, in, s.getInt("in_features"), s.getInt("out_features"), s.getBool("bias"));
            case CONV2D -> new Conv2d(label, in, s.getInt("in_channels"), s.getInt("out_channels"),
                    s.getInt("kernel_size"), s.getInt("stride"), s.getInt("padding"), s.getBool("bias"));
            case MAXPOOL2D -> new MaxPool2d(label, in, s.getInt("kernel_size"), s.getInt("stride"));
            case AVGPOOL2D -> new AvgPool2d(label, in, s.getInt("kernel_size"), s.getInt("stride"));
            case BATCHNORM1D -> new BatchNorm(label, in, s.getInt("num_features"), false, s.getDouble("eps"),
                    s.getDouble("momentum"));
            case BATCHNORM2D -> new BatchNorm(label, in, s.getInt("num_features"), true, s.getDouble("eps"),
                    s.getDouble("momentum"));
            case DROPOUT -> new Dropout(label, in, s.getDouble("p"), index);
            case DELTA -> new DeltaEncoding(label, in, new DeltaCode(s.getDouble("threshold"), s.getBool("padding")));
            case POPULATION -> new PopulationEncoding(label, in, new PopulationCode(s.getInt("num_neurons"),
                    s.getDouble("min"), s.getDouble("max"), s.getDouble("width")));
            case IF -> new IFNode(label, in, s.getDouble("v_threshold"), s.getNullableDouble("v_reset"),
                    s.getSurrogate("surrogate"), s.getBool("detach_reset"));
            case LIF -> new LIFNode(label, in, s.getDouble("tau"), s.getBool("decay_input"), s.getDouble("v_threshold"),
                    s.getNullableDouble("v_reset"), s.getSurrogate("surrogate"), s.getBool("detach_reset"));
            case PLIF -> new ParametricLIFNode(label, in, s.getDouble("init_tau"), s.getBool("decay_input"),
                    s.getDouble("v_threshold"), s.getNullableDouble("v_reset"), s.getSurrogate("surrogate"),
                    s.getBool("detach_reset"));
            case RLIF -> new RecurrentLIFNode(label, in, s.getDouble("tau"), s.getBool("decay_input"),
                    s.getChoice("recurrent").equals("dense"), s.getDouble("v_threshold"), s.getNullableDouble("v_reset"),
                    s.getSurrogate("surrogate"), s.getBool("detach_reset"));
            case SYNAPTIC -> new SynapticNode(label, in, s.getDouble("alpha"), s.getDouble("beta"),
                    s.getBool("learn_alpha"), s.getBool("learn_beta"), s.getDouble("v_threshold"),
                    s.getNullableDouble("v_reset"), s.getSurrogate("surrogate"), s.getBool("detach_reset"));
            case ALIF -> new AdaptiveLIFNode(label, in, s.getDouble("tau"), s.getBool("decay_input"),
                    s.getDouble("tau_a"), s.getDouble("beta_a"), s.getDouble("v_threshold"),
                    s.getNullableDouble("v_reset"), s.getSurrogate("surrogate"), s.getBool("detach_reset"));
            case READOUT -> new LeakyReadout(label, in, s.getDouble("tau"), s.getBool("decay_input"));
        };
    }
}
