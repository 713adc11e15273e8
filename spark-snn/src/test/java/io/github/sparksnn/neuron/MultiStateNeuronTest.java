package io.github.sparksnn.neuron;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.backend.UnfusedBackend;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.model.LayerSpec;
import io.github.sparksnn.model.ModelSpec;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The multi-state neurons (recurrent, synaptic, adaptive) against {@link MultiStateTape}, their equations written
 * out on the double tape: in spiking mode the spikes, potentials, input and parameter gradients of the exact BPTT;
 * in smooth mode the layer's analytic gradient against central differences of the tape's double forward, for every
 * parameter and every input. The loss is {@code sum c[t, i] S[t, i]} with random {@code c}.
 */
class MultiStateNeuronTest {
    static final int T = 6;
    static final int N = 3;
    static final int F = 4;

    /** The layer's outputs and gradients for one pass. */
    record Run(float[] spikes, float[] volts, float[] dx, float[] grads) {
    }

    static Run runLayer(Backend be, String spec, float[] p, float[] x, float[] c) {
        Layer layer = ModelSpec.parse(spec).buildLayers(new int[]{F}).get(0);
        int np = layer.numParameters();
        try (Tensor params = be.alloc(Math.max(1, np)); Tensor grads = be.alloc(Math.max(1, np));
             Tensor xt = be.alloc(x.length); Tensor ct = be.alloc(c.length)) {
            be.upload(p, 0, params, 0, np);
            layer.bind(be, params, grads, 0);
            layer.allocate(T, N);
            ((SpikingNeuron) layer).setStoreVoltage(true);
            be.upload(x, 0, xt, 0, x.length);
            be.upload(c, 0, ct, 0, c.length);
            Pass pass = new Pass().set(T, N, true, 0, 0);
            float[] spikes = new float[T * N * F], dx = new float[T * N * F], g = new float[np];
            be.download(layer.forward(xt, pass), 0, spikes, 0, spikes.length);
            float[] volts = ((SpikingNeuron) layer).voltageSequence();
            be.download(layer.backward(ct, pass, true), 0, dx, 0, dx.length);
            be.download(grads, 0, g, 0, np);
            layer.close();
            return new Run(spikes, volts, dx, g);
        }
    }

    /** Random parameters (larger than the initial ones, so that recurrence and adaptation matter), inputs, loss. */
    static float[][] data(String spec, long seed) {
        Layer layer = ModelSpec.parse(spec).buildLayers(new int[]{F}).get(0);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] p = new float[layer.numParameters()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (rng.nextDouble() * 2.4 - 1.2);
        }
        float[] x = new float[T * N * F], c = new float[T * N * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble() * 3.5 - 0.8);
            c[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return new float[][]{p, x, c};
    }

    /** The tape's loss for parameters {@code p} and inputs {@code x}; its gradients land in {@code pv}, {@code xv}. */
    static double tapeLoss(Tape tape, LayerSpec ls, double[] p, double[] x, float[] c, Tape.Var[] pv, Tape.Var[] xv,
                           double[] volts, float[] spikesOut) {
        for (int i = 0; i < p.length; i++) {
            pv[i] = tape.constant(p[i]);
        }
        for (int i = 0; i < x.length; i++) {
            xv[i] = tape.constant(x[i]);
        }
        Tape.Var[] s = MultiStateTape.spikes(tape, ls, pv, xv, T, N, F, volts);
        Tape.Var loss = tape.constant(0);
        for (int i = 0; i < s.length; i++) {
            loss = tape.add(loss, tape.scale(s[i], c[i]));
            if (spikesOut != null) {
                spikesOut[i] = (float) s[i].value;
            }
        }
        tape.backward(loss);
        return loss.value;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "rlif",
            "rlif(recurrent=diagonal)",
            "rlif(tau=3.0, decay_input=false, v_reset=none, detach_reset=true)",
            "rlif(recurrent=diagonal, v_reset=-0.2, surrogate=ATan(alpha=3.0))",
            "synaptic",
            "synaptic(alpha=0.5, beta=0.7, learn_alpha=true, learn_beta=true)",
            "synaptic(learn_beta=true, v_reset=none, detach_reset=true)",
            "synaptic(alpha=0.8, learn_alpha=true, v_reset=none, surrogate=ATan(alpha=2.0))",
            "alif",
            "alif(tau=3.0, tau_a=5.0, beta_a=0.6, v_reset=none)",
            "alif(decay_input=false, beta_a=0.3, detach_reset=true)",
            "alif(tau_a=2.0, beta_a=1.0, v_reset=none, detach_reset=true, surrogate=ATan())",
    })
    void spikingBpttMatchesTheTape(String spec) {
        float[][] d = data(spec, spec.hashCode());
        float[] p = d[0], x = d[1], c = d[2];
        Run run;
        try (CpuBackend be = new CpuBackend()) {
            run = runLayer(be, spec, p, x, c);
            // the Backend interface's default (host copies: what the CUDA backend runs) gives the same bits
            Run unfused = runLayer(UnfusedBackend.wrap(be), spec, p, x, c);
            assertArrayEquals(run.spikes(), unfused.spikes(), spec);
            assertArrayEquals(run.dx(), unfused.dx(), spec);
            assertArrayEquals(run.grads(), unfused.grads(), spec);
        }
        LayerSpec ls = ModelSpec.parse(spec).layers().get(0);
        Tape tape = new Tape();
        Tape.Var[] pv = new Tape.Var[p.length], xv = new Tape.Var[x.length];
        double[] volts = new double[x.length];
        float[] spikes = new float[x.length];
        tapeLoss(tape, ls, toDouble(p), toDouble(x), c, pv, xv, volts, spikes);
        int count = 0;
        for (int i = 0; i < x.length; i++) {
            assertEquals(spikes[i], run.spikes()[i], spec + ": spike " + i);
            assertEquals(volts[i], run.volts()[i], 1e-5, spec + ": voltage " + i);
            count += (int) spikes[i];
        }
        assertTrue(count > 5 && count < x.length - 5, spec + ": some spikes, not all: " + count);
        double maxG = 0;
        for (Tape.Var v : xv) {
            maxG = Math.max(maxG, Math.abs(v.grad));
        }
        assertTrue(maxG > 1e-3, spec + ": the gradient reaches the input");
        for (int i = 0; i < x.length; i++) {
            assertEquals(xv[i].grad, run.dx()[i], 1e-4 * Math.max(1, maxG), spec + ": dX[" + i + "]");
        }
        double maxP = 0;
        for (Tape.Var v : pv) {
            maxP = Math.max(maxP, Math.abs(v.grad));
        }
        for (int i = 0; i < p.length; i++) {
            assertEquals(pv[i].grad, run.grads()[i], 1e-4 * Math.max(1, maxP), spec + ": dL/dp[" + i + "]");
        }
        if (p.length > 0) {
            assertTrue(maxP > 1e-3, spec + ": the parameters get a gradient");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "rlif",
            "rlif(recurrent=diagonal)",
            "rlif(tau=3.0, decay_input=false, v_reset=none)",
            "rlif(recurrent=diagonal, v_reset=-0.2, surrogate=ATan(alpha=3.0))",
            "synaptic",
            "synaptic(alpha=0.5, beta=0.7, learn_alpha=true, learn_beta=true)",
            "synaptic(learn_beta=true, v_reset=none)",
            "synaptic(alpha=0.8, learn_alpha=true, v_reset=none, surrogate=ATan(alpha=2.0))",
            "alif",
            "alif(tau=3.0, tau_a=5.0, beta_a=0.6, v_reset=none)",
            "alif(decay_input=false, beta_a=0.3)",
            "alif(tau_a=2.0, beta_a=1.0, v_reset=none, surrogate=ATan())",
    })
    void smoothGradientMatchesCentralDifferences(String spec) {
        ModelSpec smooth = ModelSpec.parse(spec).withSpikingMode(false);
        String text = smooth.toString();
        LayerSpec ls = smooth.layers().get(0);
        float[][] d = data(text, spec.hashCode() + 1);
        float[] p = d[0], x = d[1], c = d[2];
        Run run;
        try (CpuBackend be = new CpuBackend()) {
            run = runLayer(be, text, p, x, c);
        }
        double[] pd = toDouble(p), xd = toDouble(x);
        double h = 1e-5;
        double[] numP = new double[p.length], numX = new double[x.length];
        for (int i = 0; i < p.length + x.length; i++) {
            double[] a = i < p.length ? pd : xd;
            int j = i < p.length ? i : i - p.length;
            double keep = a[j];
            a[j] = keep + h;
            double up = tapeLoss(new Tape(), ls, pd, xd, c, new Tape.Var[p.length], new Tape.Var[x.length], null, null);
            a[j] = keep - h;
            double down = tapeLoss(new Tape(), ls, pd, xd, c, new Tape.Var[p.length], new Tape.Var[x.length], null,
                    null);
            a[j] = keep;
            (i < p.length ? numP : numX)[j] = (up - down) / (2 * h);
        }
        assertClose(spec + ": dL/dX", numX, run.dx());
        if (p.length > 0) {
            assertClose(spec + ": dL/dp", numP, run.grads());
        }
    }

    /** Every entry within 1e-3 of the largest numeric gradient (GradientCheck's tolerance). */
    static void assertClose(String what, double[] numeric, float[] analytic) {
        double max = 0;
        for (double v : numeric) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 1e-4, what + ": non-trivial gradient, max " + max);
        for (int i = 0; i < numeric.length; i++) {
            assertEquals(numeric[i], analytic[i], 1e-3 * max, what + "[" + i + "]");
        }
    }
}
