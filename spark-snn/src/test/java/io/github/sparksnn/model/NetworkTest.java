package io.github.sparksnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.BatchNorm;
import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.layer.Pass;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NetworkTest {
    @Test
    void singleStepStreamingReproducesTheMultiStepPassAndResets() {
        ModelSpec spec = ModelSpec.parse("linear(6, 5) | lif(v_reset=none) | linear(5, 4) | plif | linear(4, 3) | if(v_threshold=0.2)");
        int T = 5, n = 3, f = 6;
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[T * n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 3);
        }
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(spec, new int[]{f}, be)) {
            float[] p = net.initialParameters(4);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 5;
            }
            for (int i = p.length - 3; i < p.length; i++) {
                p[i] = 3.5f; // the last linear's bias: make the output neurons fire sometimes
            }
            net.setParameters(p);
            net.allocate(T, n);
            Tensor in = be.alloc(T * n * f);
            be.upload(x, 0, in, 0, x.length);
            Tensor out = net.forward(in, new Pass().set(T, n, false, 0, 0));
            float[] multi = new float[T * n * 3];
            be.download(out, 0, multi, 0, multi.length);
            double spikes = 0;
            for (float v : multi) {
                spikes += v;
            }
            assertTrue(spikes > 0 && spikes < multi.length, "some output spikes: " + spikes);

            Tensor step = be.alloc(n * f);
            float[] streamed = new float[T * n * 3];
            net.resetState();
            for (int t = 0; t < T; t++) {
                be.copy(in, t * n * f, step, 0, n * f);
                Tensor o = net.stepForward(step, n);
                be.download(o, 0, streamed, t * n * 3, n * 3);
            }
            assertArrayEquals(multi, streamed, "T single steps = one multi-step pass");
            // without a reset the state carries on; after one the first step repeats
            be.copy(in, 0, step, 0, n * f);
            float[] again = new float[n * 3];
            net.resetState();
            be.download(net.stepForward(step, n), 0, again, 0, n * 3);
            assertArrayEquals(java.util.Arrays.copyOf(multi, n * 3), again);
        }
    }

    /**
     * A neuron that pools its own spikes starts a fresh pass from the initial potential by itself and leaves its
     * charges to the backward; a streamed pass (state carried on) and a pass that stores its voltages take the path
     * that reads and stores them. All three give the multi-step outputs, and the stored voltages match a plain
     * neuron's.
     */
    @Test
    void aPoolingNeuronStreamsAndStoresItsVoltagesLikeTheMultiStepPass() {
        ModelSpec spec = ModelSpec.parse("conv2d(1, 2, 3, padding=1) | if(v_threshold=0.3) | maxpool2d(2) | flatten"
                + " | linear(32, 3) | if(v_threshold=0.2)");
        int T = 4, n = 3, f = 64;
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[T * n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 0.5);
        }
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(spec, new int[]{1, 8, 8}, be)) {
            float[] p = net.initialParameters(7);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 3;
            }
            net.setParameters(p);
            net.allocate(T, n);
            Tensor in = be.alloc(T * n * f);
            be.upload(x, 0, in, 0, x.length);
            float[] multi = new float[T * n * 3];
            be.download(net.forward(in, new Pass().set(T, n, false, 0, 0)), 0, multi, 0, multi.length);
            // a second fresh pass over stale state gives the same: the kernel does not read the potential
            float[] again = new float[multi.length];
            be.download(net.forward(in, new Pass().set(T, n, false, 0, 0)), 0, again, 0, again.length);
            assertArrayEquals(multi, again);
            io.github.sparksnn.neuron.NeuronLayer pooling = (io.github.sparksnn.neuron.NeuronLayer) net.layers().get(1);
            float[] hidden = new float[T * n * 2 * 64];
            pooling.setStoreVoltage(true);
            float[] stored = new float[multi.length];
            be.download(net.forward(in, new Pass().set(T, n, false, 0, 0)), 0, stored, 0, stored.length);
            assertArrayEquals(multi, stored, "storing the voltages takes the stored path: same outputs");
            System.arraycopy(pooling.voltageSequence(), 0, hidden, 0, hidden.length);
            pooling.setStoreVoltage(false);
            boolean fired = false, reset = false;
            for (float v : hidden) {
                fired |= v > 0.3f;
                reset |= v == 0f;
            }
            assertTrue(reset && !fired, "voltages after reset stay below the threshold, and some were reset");
            Tensor step = be.alloc(n * f);
            float[] streamed = new float[T * n * 3];
            net.resetState();
            for (int t = 0; t < T; t++) {
                be.copy(in, t * n * f, step, 0, n * f);
                be.download(net.stepForward(step, n), 0, streamed, t * n * 3, n * 3);
            }
            assertArrayEquals(multi, streamed, "T single steps = one multi-step pass");
        }
    }

    @Test
    void aParameterRangeLoadsOnlyThatRange() {
        ModelSpec spec = ModelSpec.parse("linear(4, 3) | lif");
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(spec, new int[]{4}, be)) {
            float[] old = net.parameters();
            float[] p = new float[old.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = 100 + i;
            }
            net.setParameters(p, 2, 9);
            float[] want = old.clone();
            System.arraycopy(p, 2, want, 2, 7);
            assertArrayEquals(want, net.parameters(), 0f);
            float[] part = new float[5];
            net.copyGradientsTo(2, part, 1, 4);
            IllegalArgumentException g = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> net.copyGradientsTo(p.length - 2, part, 0, 3));
            assertTrue(g.getMessage().contains("does not fit " + p.length + " parameters"), g.getMessage());
            for (int[] bad : new int[][] {{-1, 3}, {5, 4}, {0, p.length + 1}}) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> net.setParameters(p, bad[0], bad[1]));
                assertTrue(e.getMessage().contains("does not fit " + p.length + " parameters"), e.getMessage());
            }
        }
    }

    @Test
    void namedParametersCoverTheFlatVectorInOrder() {
        ModelSpec spec = ModelSpec.parse("conv2d(1, 2, 3) | batchnorm2d(2) | plif | flatten | linear(8, 3, bias=false) | lif");
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(spec, new int[]{1, 4, 4}, be)) {
            List<Layer.ParameterTensor> ps = net.namedParameters();
            assertEquals(List.of("1.conv2d.weight", "1.conv2d.bias", "2.batchnorm2d.weight", "2.batchnorm2d.bias",
                    "3.plif.w", "5.linear.weight"), ps.stream().map(Layer.ParameterTensor::name).toList());
            int off = 0;
            for (Layer.ParameterTensor t : ps) {
                assertEquals(off, t.offset());
                off += t.length();
            }
            assertEquals(net.numParameters(), off);
            float[] p = net.initialParameters(1);
            assertEquals((float) -Math.log(2.0 - 1), p[ps.get(4).offset()]); // PLIF w0 = -ln(init_tau - 1)
            assertEquals(1f, p[ps.get(2).offset()]);                          // BN gamma 1, beta 0
            assertEquals(0f, p[ps.get(3).offset()]);
            assertNotEquals(p[0], net.initialParameters(2)[0]);
            assertArrayEquals(p, Network.initialParameters(spec, new int[]{1, 4, 4}, 1));
        }
    }

    @Test
    void batchNormRunningStatisticsFollowTrainingBatches() {
        ModelSpec spec = ModelSpec.parse("batchnorm1d(2, momentum=0.5)");
        try (CpuBackend be = new CpuBackend(); Network net = Network.build(spec, new int[]{2}, be)) {
            net.setParameters(net.initialParameters(0));
            net.allocate(2, 2);
            float[] x = {1, 10, 3, 20, 5, 30, 7, 40}; // [T=2, N=2, 2]: channel 0 = 1,3,5,7; channel 1 = 10..40
            Tensor in = be.alloc(8);
            be.upload(x, 0, in, 0, 8);
            net.forward(in, new Pass().set(2, 2, true, 0, 0));
            float[] stats = ((BatchNorm) net.layers().get(0)).runningStatistics();
            // mean 4 and 25; unbiased variance 20/3 and 500/3; momentum 0.5 from (0, 1)
            assertEquals(2f, stats[0], 1e-6f);
            assertEquals(12.5f, stats[1], 1e-5f);
            assertEquals(0.5f + 0.5f * 20f / 3f, stats[2], 1e-5f);
            assertEquals(0.5f + 0.5f * 500f / 3f, stats[3], 1e-3f);
            // inference uses the running statistics: (x - 2) / sqrt(var + eps)
            Tensor out = net.forward(in, new Pass().set(2, 2, false, 0, 0));
            float[] y = new float[8];
            be.download(out, 0, y, 0, 8);
            assertEquals((1 - 2) / Math.sqrt(stats[2] + 1e-5), y[0], 1e-5);
            // the statistics travel to another replica
            assertArrayEquals(stats, net.runningStatistics());
            try (Network other = Network.build(spec, new int[]{2}, be)) {
                assertArrayEquals(new float[]{0, 0, 1, 1}, other.runningStatistics());
                other.setRunningStatistics(stats);
                assertArrayEquals(stats, other.runningStatistics());
            }
        }
    }
}
