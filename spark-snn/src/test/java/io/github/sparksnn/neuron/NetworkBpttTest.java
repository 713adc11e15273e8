package io.github.sparksnn.neuron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.Sigmoid;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Spiking mode, whole network: the engine's gradient of a two-layer spiking MLP (linear, LIF with hard reset,
 * linear, LIF with soft reset and detach) under the MSE-on-rates loss equals the tape's, parameter by parameter.
 */
class NetworkBpttTest {
    @Test
    void engineGradientMatchesTheTapeForASpikingMlp() {
        int in = 6, hid = 5, k = 3, T = 4, n = 3;
        String spec = "linear(6, 5) | lif(surrogate=ATan(alpha=2.0)) | linear(5, 3) | lif(tau=3.0, v_reset=none, detach_reset=true)";
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(in).timeSteps(T).seed(3).build();
        SplittableRandom rng = new SplittableRandom(17);
        float[] x = new float[n * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        int[] y = {0, 2, 1};
        try (GradientEngine e = cfg.create()) {
            float[] p = e.parameters();
            for (int i = 0; i < p.length; i++) {
                p[i] *= 4f; // larger weights so that both layers spike
            }
            e.setParameters(p);
            float[] g = new float[p.length];
            GradientEngine.StepStats st = e.accumulateGradient(x, y, 0, n, 1, g);

            Tape tape = new Tape();
            Tape.Var[] pv = new Tape.Var[p.length];
            for (int i = 0; i < p.length; i++) {
                pv[i] = tape.constant(p[i]);
            }
            int w2 = hid * in + hid;
            SurrogateFunction sg1 = new ATan(2.0), sg2 = new Sigmoid(4.0);
            Tape.Var loss = tape.constant(0);
            int hiddenSpikes = 0, outSpikes = 0;
            for (int s = 0; s < n; s++) {
                Tape.Var[] v1 = new Tape.Var[hid];
                Tape.Var[] v2 = new Tape.Var[k];
                Tape.Var[] rate = new Tape.Var[k];
                for (int j = 0; j < hid; j++) {
                    v1[j] = tape.constant(0);
                }
                for (int c = 0; c < k; c++) {
                    v2[c] = tape.constant(0);
                    rate[c] = tape.constant(0);
                }
                for (int t = 0; t < T; t++) {
                    Tape.Var[] s1 = new Tape.Var[hid];
                    for (int j = 0; j < hid; j++) {
                        Tape.Var a = pv[hid * in + j];
                        for (int i = 0; i < in; i++) {
                            a = tape.add(a, tape.mul(pv[j * in + i], tape.constant(x[s * in + i])));
                        }
                        // lif tau 2, decay input, hard reset to 0
                        Tape.Var h = tape.add(v1[j], tape.scale(tape.sub(a, v1[j]), 0.5f));
                        s1[j] = tape.spike(tape.sub(h, tape.constant(1)), sg1);
                        v1[j] = tape.mul(tape.sub(tape.constant(1), s1[j]), h);
                        hiddenSpikes += (int) s1[j].value;
                    }
                    for (int c = 0; c < k; c++) {
                        Tape.Var a = pv[w2 + k * hid + c];
                        for (int j = 0; j < hid; j++) {
                            a = tape.add(a, tape.mul(pv[w2 + c * hid + j], s1[j]));
                        }
                        // lif tau 3, soft reset, detached
                        Tape.Var h = tape.add(v2[c], tape.scale(tape.sub(a, v2[c]), (float) (1 / 3.0)));
                        Tape.Var sp = tape.spike(tape.sub(h, tape.constant(1)), sg2);
                        v2[c] = tape.sub(h, tape.detach(sp));
                        rate[c] = tape.add(rate[c], tape.scale(sp, 1.0 / T));
                        outSpikes += (int) sp.value;
                    }
                }
                for (int c = 0; c < k; c++) {
                    Tape.Var d = tape.sub(rate[c], tape.constant(c == y[s] ? 1 : 0));
                    loss = tape.add(loss, tape.scale(tape.mul(d, d), 1.0 / k));
                }
            }
            tape.backward(loss);
            assertTrue(hiddenSpikes > 5 && outSpikes > 0, "spikes: hidden " + hiddenSpikes + ", out " + outSpikes);
            assertEquals(loss.value, st.lossSum(), 1e-5);
            double maxG = 0;
            for (Tape.Var v : pv) {
                maxG = Math.max(maxG, Math.abs(v.grad));
            }
            assertTrue(maxG > 1e-3);
            int nonZero = 0;
            for (int i = 0; i < p.length; i++) {
                assertEquals(pv[i].grad, g[i], 1e-5 * Math.max(1, maxG), "parameter " + i);
                if (Math.abs(pv[i].grad) > 1e-6) {
                    nonZero++;
                }
            }
            assertTrue(nonZero > p.length / 2, "most parameters get a gradient: " + nonZero + "/" + p.length);
        }
    }
}
