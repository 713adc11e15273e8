package io.github.sparksnn.neuron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.model.LayerKind;
import io.github.sparksnn.model.LayerSpec;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spiking mode: the fused BPTT kernel against the scalar tape running SpikingJelly's equations literally
 * (charge, fire with Heaviside forward / surrogate backward, reset with the spike detached or not).
 */
@org.junit.jupiter.api.Tag("native-kernels") // also run under other OpenBLAS/ATen/AVX kernel choices (pom.xml)
class NeuronBpttTest {
    static final int T = 6;
    static final int N = 7;

    @ParameterizedTest
    @ValueSource(strings = {
            "if",
            "if(v_reset=none)",
            "if(v_reset=none, detach_reset=true, surrogate=ATan(alpha=3.0))",
            "lif",
            "lif(tau=3.0, v_reset=-0.3, detach_reset=true)",
            "lif(decay_input=false, v_reset=none, v_threshold=0.8)",
            "lif(decay_input=false, detach_reset=true, surrogate=ATan())",
            "plif(init_tau=2.5)",
            "plif(init_tau=4.0, decay_input=false, v_reset=none)",
            "plif(detach_reset=true, v_reset=none)",
            "plif(decay_input=false, detach_reset=true)",
    })
    void fusedBpttMatchesTheTape(String spec) {
        LayerSpec ls = ModelSpec.parse(spec).layers().get(0);
        SplittableRandom rng = new SplittableRandom(spec.hashCode());
        double[] x = new double[T * N];
        double[] dS = new double[T * N];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextDouble() * 3.5 - 0.5;
            dS[i] = rng.nextDouble() * 2 - 1;
        }
        // engine
        try (Backend be = new CpuBackend()) {
            List<Layer> layers = ModelSpec.parse(spec).buildLayers(new int[]{N});
            NeuronLayer layer = (NeuronLayer) layers.get(0);
            float[] p0 = new float[layer.numParameters()];
            layer.initParameters(p0, 0, new SplittableRandom(1));
            Tensor params = be.alloc(Math.max(1, p0.length));
            Tensor grads = be.alloc(Math.max(1, p0.length));
            be.upload(p0, 0, params, 0, p0.length);
            layer.bind(be, params, grads, 0);
            layer.allocate(T, 1);
            layer.setStoreVoltage(true);
            Tensor xt = be.alloc(T * N);
            Tensor dst = be.alloc(T * N);
            be.upload(toFloat(x), 0, xt, 0, T * N);
            be.upload(toFloat(dS), 0, dst, 0, T * N);
            Pass pass = new Pass().set(T, 1, true, 0, 0);
            Tensor s = layer.forward(xt, pass);
            float[] spikes = new float[T * N];
            be.download(s, 0, spikes, 0, T * N);
            float[] volts = layer.voltageSequence();
            Tensor dx = layer.backward(dst, pass, true);
            float[] dxe = new float[T * N];
            be.download(dx, 0, dxe, 0, T * N);
            float[] ge = new float[Math.max(1, p0.length)];
            be.download(grads, 0, ge, 0, ge.length);

            // tape
            Tape tape = new Tape();
            boolean leaky = ls.kind() != LayerKind.IF;
            boolean decay = leaky && ls.getBool("decay_input");
            double th = ls.getDouble("v_threshold");
            Double vReset = ls.getNullableDouble("v_reset");
            boolean detach = ls.getBool("detach_reset");
            SurrogateFunction sg = ls.getSurrogate("surrogate");
            Tape.Var w = tape.constant(p0.length > 0 ? p0[0] : 0);
            Tape.Var k = ls.kind() == LayerKind.PLIF ? tape.sigmoid(w)
                    : tape.constant(leaky ? (float) (1 / ls.getDouble("tau")) : 0);
            Tape.Var[] xs = new Tape.Var[T * N];
            Tape.Var loss = tape.constant(0);
            int spikeCount = 0;
            for (int j = 0; j < N; j++) {
                Tape.Var v = tape.constant(vReset == null ? 0 : (float) vReset.doubleValue());
                Tape.Var vr = tape.constant(vReset == null ? 0 : (float) vReset.doubleValue());
                for (int t = 0; t < T; t++) {
                    Tape.Var xi = tape.constant((float) x[t * N + j]);
                    xs[t * N + j] = xi;
                    Tape.Var h;
                    if (!leaky) {
                        h = tape.add(v, xi);
                    } else if (decay) {
                        h = tape.add(v, tape.mul(tape.sub(xi, tape.sub(v, vr)), k));
                    } else {
                        h = tape.add(tape.sub(v, tape.mul(tape.sub(v, vr), k)), xi);
                    }
                    Tape.Var spike = tape.spike(tape.sub(h, tape.constant((float) th)), sg);
                    Tape.Var sd = detach ? tape.detach(spike) : spike;
                    if (vReset != null) {
                        v = tape.add(tape.mul(tape.sub(tape.constant(1), sd), h), tape.mul(sd, vr));
                    } else {
                        v = tape.sub(h, tape.scale(sd, (float) th));
                    }
                    assertEquals(spike.value, spikes[t * N + j], spec + " spike t=" + t + " j=" + j);
                    assertEquals(v.value, volts[t * N + j], 1e-5, spec + " voltage t=" + t + " j=" + j);
                    spikeCount += (int) spike.value;
                    loss = tape.add(loss, tape.scale(spike, (float) dS[t * N + j]));
                }
            }
            tape.backward(loss);
            assertTrue(spikeCount > 3 && spikeCount < T * N - 3, spec + ": input should make some spikes, got " + spikeCount);
            double maxG = 0;
            for (Tape.Var xi : xs) {
                maxG = Math.max(maxG, Math.abs(xi.grad));
            }
            assertTrue(maxG > 1e-3, spec + ": gradient reaches the input");
            for (int i = 0; i < T * N; i++) {
                assertEquals(xs[i].grad, dxe[i], 1e-4 * Math.max(1, maxG), spec + ": dX[" + i + "]");
            }
            if (ls.kind() == LayerKind.PLIF) {
                assertEquals(w.grad, ge[0], 1e-4 * Math.max(1, Math.abs(w.grad)), spec + ": dL/dw");
                assertTrue(Math.abs(w.grad) > 1e-4, spec + ": dL/dw non-trivial");
            }
            layer.close();
            xt.close();
            dst.close();
            params.close();
            grads.close();
        }
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
