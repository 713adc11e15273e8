package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Buffers (batch-norm running statistics) through the {@link GradientEngine} contract. */
class EngineBuffersTest {
    // a non-spiking readout, so that rates show small changes of the normalization
    static final String BN = "flatten | linear(16, 6) | batchnorm1d(6) | lif(v_threshold=0.2) | linear(6, 3)";

    static EngineConfig config(String spec) {
        return EngineConfig.builder().modelSpec(spec).inputShape(1, 4, 4).encoder("direct").seed(5).build();
    }

    @Test
    void buffersRoundTripAndDecideInference() {
        float[] x = CpuGradientEngineTest.features(20, 16, 1);
        for (int i = 0; i < x.length; i++) {
            x[i] = 4 * x[i] + 2; // far from BN's initial mean 0 / var 1
        }
        int[] y = CpuGradientEngineTest.labels(20, 3, 2);
        try (CpuGradientEngine a = new CpuGradientEngine(config(BN)); CpuGradientEngine b = new CpuGradientEngine(config(BN))) {
            float[] initial = a.buffers();
            assertArrayEquals(new float[]{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, initial);
            for (int step = 0; step < 30; step++) { // momentum 0.1: the running statistics approach the batch's
                a.accumulateGradient(x, y, 0, 20, step, new float[a.numParameters()]);
            }
            float[] trained = a.buffers();
            assertFalse(java.util.Arrays.equals(initial, trained), "training updates the running statistics");
            assertArrayEquals(a.runningStatistics(), trained);

            b.setParameters(a.parameters());
            float[] ra = new float[20 * 3], rb = new float[20 * 3];
            a.predictRates(x, 0, 20, 0, ra);
            b.predictRates(x, 0, 20, 0, rb);
            // the fresh replica normalizes with mean 0 / var 1: the inputs of this test make that differ
            assertFalse(java.util.Arrays.equals(ra, rb), "without the buffers a replica predicts differently");
            b.setBuffers(trained);
            assertArrayEquals(trained, b.buffers());
            b.predictRates(x, 0, 20, 0, rb);
            assertArrayEquals(ra, rb, "same params + buffers: same predictions");

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.setBuffers(new float[5]));
            assertTrue(e.getMessage().contains("expected 12") && e.getMessage().contains("got 5"), e.getMessage());
        }
    }

    @Test
    void anEngineWithoutBatchNormHasNoBuffers() {
        try (GradientEngine e = config("flatten | linear(16, 3) | lif").create()) {
            assertEquals(0, e.buffers().length);
            e.setBuffers(new float[0]);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.setBuffers(new float[2]));
            assertTrue(ex.getMessage().contains("expected 0") && ex.getMessage().contains("got 2"), ex.getMessage());
        }
    }

    @Test
    void parallelEngineBuffersAreTheShareWeightedMeanOfItsReplicas() {
        float[] x = CpuGradientEngineTest.features(23, 16, 7);
        int[] y = CpuGradientEngineTest.labels(23, 3, 8);
        int from = 2, to = 23, mid = from + (to - from) / 2; // ParallelGradientEngine's shares for 2 threads
        try (ParallelGradientEngine par = new ParallelGradientEngine(config(BN).withThreads(2));
             CpuGradientEngine s0 = new CpuGradientEngine(config(BN));
             CpuGradientEngine s1 = new CpuGradientEngine(config(BN))) {
            float[] g = new float[par.numParameters()];
            par.accumulateGradient(x, y, from, to, 9, g);
            s0.accumulateGradient(x, y, from, mid, 9, new float[g.length], 0);
            s1.accumulateGradient(x, y, mid, to, 9, new float[g.length], mid - from);
            float[] b0 = s0.buffers(), b1 = s1.buffers();
            float[] expected = new float[b0.length];
            for (int j = 0; j < b0.length; j++) {
                expected[j] = (float) (((double) (mid - from) * b0[j] + (double) (to - mid) * b1[j]) / (to - from));
            }
            assertArrayEquals(expected, par.buffers());
            assertFalse(java.util.Arrays.equals(b0, b1), "the shares' batch statistics differ");

            // every replica holds the mean: predictions equal one engine given the same params + buffers
            s0.setParameters(par.parameters());
            s0.setBuffers(par.buffers());
            float[] rp = new float[21 * 3], rs = new float[21 * 3];
            par.predictRates(x, from, to, 0, rp);
            s0.predictRates(x, from, to, 0, rs);
            assertArrayEquals(rs, rp);
        }
    }

    @Test
    void oneThreadParallelEngineKeepsTheSingleEngineBuffersBitExactly() {
        float[] x = CpuGradientEngineTest.features(16, 16, 3);
        int[] y = CpuGradientEngineTest.labels(16, 3, 4);
        try (ParallelGradientEngine par = new ParallelGradientEngine(config(BN).withThreads(1));
             CpuGradientEngine one = new CpuGradientEngine(config(BN))) {
            for (int step = 0; step < 3; step++) {
                par.accumulateGradient(x, y, 0, 16, step, new float[par.numParameters()]);
                one.accumulateGradient(x, y, 0, 16, step, new float[one.numParameters()]);
            }
            assertArrayEquals(one.buffers(), par.buffers());
        }
    }

    @Test
    void singleJvmTrainerEvaluatesWithTheTrainedStatistics() {
        float[] x = CpuGradientEngineTest.features(40, 16, 11);
        for (int i = 0; i < x.length; i++) {
            x[i] = 4 * x[i] + 2;
        }
        int[] y = CpuGradientEngineTest.labels(40, 3, 12);
        try (CpuGradientEngine e = new CpuGradientEngine(config(BN)); CpuGradientEngine fresh = new CpuGradientEngine(config(BN))) {
            float[] initial = e.buffers();
            Trainer t = new Trainer(e, new io.github.sparksnn.train.optim.Adam(), TrainerConfig.of(2, 10, 0.01, 3));
            t.fit(x, y, null, null, null);
            assertFalse(java.util.Arrays.equals(initial, e.buffers()), "training moved the running statistics");
            // The trainer predicts through its engine, whose replica holds the trained statistics: its rates are
            // a fresh replica's given the trained parameters + buffers.
            fresh.setParameters(t.parameters());
            fresh.setBuffers(e.buffers());
            float[] re = new float[40 * 3], rf = new float[40 * 3];
            e.predictRates(x, 0, 40, 0, re);
            fresh.predictRates(x, 0, 40, 0, rf);
            assertArrayEquals(rf, re);
            long correct = 0;
            for (int i = 0; i < 40; i++) {
                if (Loss.argmax(rf, i * 3, 3) == y[i]) {
                    correct++;
                }
            }
            assertEquals(correct / 40.0, t.evaluate(x, y), 0.0);
        }
    }
}
