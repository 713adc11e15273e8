package io.github.sparksnn.train;

import io.github.sparksnn.model.LayerKind;
import io.github.sparksnn.model.LayerSpec;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * {@link ReferenceForward}'s recurrent, synaptic and adaptive neurons: their equations (in the classes
 * {@code RecurrentLIFNode}, {@code SynapticNode}, {@code AdaptiveLIFNode}) as plain double loops over
 * {@code [T, n, f]}, sharing no code with the backend's kernel. {@code detach_reset} does not change the forward.
 */
final class MultiStateReference {
    private MultiStateReference() {
    }

    /** The number of parameters the layer holds for {@code f} features per sample. */
    static int parameters(LayerSpec s, int f) {
        return switch (s.kind()) {
            case RLIF -> s.getChoice("recurrent").equals("dense") ? f * f : f;
            case SYNAPTIC -> (s.getBool("learn_alpha") ? 1 : 0) + (s.getBool("learn_beta") ? 1 : 0);
            default -> 0;
        };
    }

    /** The spikes {@code [T, n, f]} for the input currents {@code x}; the layer's parameters start at {@code p[off]}. */
    static double[] spikes(LayerSpec s, double[] p, int off, double[] x, int T, int n, int f, boolean spiking) {
        LayerKind kind = s.kind();
        SurrogateFunction sg = s.getSurrogate("surrogate");
        double th = s.getDouble("v_threshold");
        Double vReset = s.getNullableDouble("v_reset");
        boolean hard = vReset != null;
        double vr = hard ? vReset : 0;
        boolean synaptic = kind == LayerKind.SYNAPTIC;
        double alpha = 0, beta = 0, k = 0;
        boolean decayInput = false;
        if (synaptic) {
            int i = off;
            alpha = s.getBool("learn_alpha") ? sigmoid(p[i++]) : s.getDouble("alpha");
            beta = s.getBool("learn_beta") ? sigmoid(p[i]) : s.getDouble("beta");
        } else {
            k = 1 / s.getDouble("tau");
            decayInput = s.getBool("decay_input");
        }
        boolean recurrent = kind == LayerKind.RLIF;
        boolean dense = recurrent && s.getChoice("recurrent").equals("dense");
        boolean adaptive = kind == LayerKind.ALIF;
        double rho = adaptive ? Math.exp(-1 / s.getDouble("tau_a")) : 0;
        double betaA = adaptive ? s.getDouble("beta_a") : 0;
        double[] out = new double[x.length];
        for (int smp = 0; smp < n; smp++) {
            double[] v = new double[f], cur = new double[f], a = new double[f], prev = new double[f];
            java.util.Arrays.fill(v, vr);
            for (int t = 0; t < T; t++) {
                double[] now = new double[f];
                for (int i = 0; i < f; i++) {
                    double in = x[(t * n + smp) * f + i];
                    if (dense) {
                        for (int j = 0; j < f; j++) {
                            in += p[off + i * f + j] * prev[j];
                        }
                    } else if (recurrent) {
                        in += p[off + i] * prev[i];
                    }
                    double h;
                    if (synaptic) {
                        cur[i] = alpha * cur[i] + in;
                        h = beta * v[i] + cur[i];
                    } else if (decayInput) {
                        h = v[i] + (in - (v[i] - vr)) * k;
                    } else {
                        h = v[i] - (v[i] - vr) * k + in;
                    }
                    double theta = th + betaA * a[i];
                    double spike = spiking ? (h - theta >= 0 ? 1 : 0) : sg.primitive(h - theta);
                    v[i] = hard ? (1 - spike) * h + spike * vr : h - spike * theta;
                    a[i] = rho * a[i] + spike;
                    now[i] = spike;
                    out[(t * n + smp) * f + i] = spike;
                }
                prev = now;
            }
        }
        return out;
    }

    private static double sigmoid(double w) {
        return 1 / (1 + Math.exp(-w));
    }
}
