package io.github.sparksnn.neuron;

import io.github.sparksnn.model.LayerKind;
import io.github.sparksnn.model.LayerSpec;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * The new neurons written out literally on the double {@link Tape}, one scalar at a time, from the equations in
 * their class comments (not from the kernel): the reference for {@link MultiStateNeuronTest}. Inputs and spikes are
 * {@code [T, N, f]}; {@code p} holds the layer's parameters in its flat order.
 */
final class MultiStateTape {
    private MultiStateTape() {
    }

    /** The spikes of every step, sample and neuron; {@code volts} (if non-null) receives the potentials after reset. */
    static Tape.Var[] spikes(Tape tape, LayerSpec ls, Tape.Var[] p, Tape.Var[] x, int T, int N, int f,
                             double[] volts) {
        SurrogateFunction sg = ls.getSurrogate("surrogate");
        double th = ls.getDouble("v_threshold");
        Double vReset = ls.getNullableDouble("v_reset");
        boolean hard = vReset != null, detach = ls.getBool("detach_reset");
        double vr = hard ? vReset : 0;
        LayerKind kind = ls.kind();
        boolean lifCharge = kind != LayerKind.SYNAPTIC;
        double k = lifCharge ? 1 / ls.getDouble("tau") : 0;
        boolean decayInput = lifCharge && ls.getBool("decay_input");
        Tape.Var alpha = null, beta = null;
        if (kind == LayerKind.SYNAPTIC) {
            int i = 0;
            alpha = ls.getBool("learn_alpha") ? tape.sigmoid(p[i++]) : tape.constant(ls.getDouble("alpha"));
            beta = ls.getBool("learn_beta") ? tape.sigmoid(p[i]) : tape.constant(ls.getDouble("beta"));
        }
        boolean dense = kind == LayerKind.RLIF && ls.getChoice("recurrent").equals("dense");
        double rho = kind == LayerKind.ALIF ? Math.exp(-1 / ls.getDouble("tau_a")) : 0;
        double betaA = kind == LayerKind.ALIF ? ls.getDouble("beta_a") : 0;
        Tape.Var[] out = new Tape.Var[T * N * f];
        for (int s = 0; s < N; s++) {
            Tape.Var[] v = new Tape.Var[f], cur = new Tape.Var[f], a = new Tape.Var[f], prev = new Tape.Var[f];
            for (int i = 0; i < f; i++) {
                v[i] = tape.constant(vr);
                cur[i] = tape.constant(0);
                a[i] = tape.constant(0);
                prev[i] = tape.constant(0);
            }
            for (int t = 0; t < T; t++) {
                Tape.Var[] now = new Tape.Var[f];
                for (int i = 0; i < f; i++) {
                    Tape.Var in = x[(t * N + s) * f + i];
                    if (kind == LayerKind.RLIF) {
                        for (int j = 0; j < f; j++) {
                            if (dense) {
                                in = tape.add(in, tape.mul(p[i * f + j], prev[j]));
                            } else if (j == i) {
                                in = tape.add(in, tape.mul(p[i], prev[i]));
                            }
                        }
                    }
                    Tape.Var h;
                    if (kind == LayerKind.SYNAPTIC) {
                        cur[i] = tape.add(tape.mul(alpha, cur[i]), in);
                        h = tape.add(tape.mul(beta, v[i]), cur[i]);
                    } else if (decayInput) { // H = V + (X - (V - v_r)) k
                        h = tape.add(v[i], tape.scale(tape.sub(in, tape.sub(v[i], tape.constant(vr))), k));
                    } else { // H = V - (V - v_r) k + X
                        h = tape.add(tape.sub(v[i], tape.scale(tape.sub(v[i], tape.constant(vr)), k)), in);
                    }
                    Tape.Var theta = kind == LayerKind.ALIF ? tape.add(tape.constant(th), tape.scale(a[i], betaA))
                            : tape.constant(th);
                    Tape.Var spike = tape.fire(tape.sub(h, theta), sg);
                    Tape.Var sd = detach ? tape.detach(spike) : spike;
                    if (hard) {
                        v[i] = tape.add(tape.mul(tape.sub(tape.constant(1), sd), h), tape.scale(sd, vr));
                    } else {
                        v[i] = tape.sub(h, tape.mul(theta, sd));
                    }
                    if (kind == LayerKind.ALIF) {
                        a[i] = tape.add(tape.scale(a[i], rho), spike);
                    }
                    now[i] = spike;
                    out[(t * N + s) * f + i] = spike;
                    if (volts != null) {
                        volts[(t * N + s) * f + i] = v[i].value;
                    }
                }
                prev = now;
            }
        }
        return out;
    }
}
