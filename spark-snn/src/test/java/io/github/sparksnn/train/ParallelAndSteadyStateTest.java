package io.github.sparksnn.train;

import io.github.sparksnn.AllocationCheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class ParallelAndSteadyStateTest {
    static final String SPEC = "flatten | linear(16, 12) | plif(surrogate=ATan()) | dropout(0.2) | linear(12, 3) | lif";

    @Test
    void severalThreadsGiveTheSingleThreadGradientUpToSummationOrder() {
        EngineConfig one = EngineConfig.builder().modelSpec(SPEC).inputShape(1, 4, 4).encoder("poisson").seed(3).build();
        float[] x = CpuGradientEngineTest.features(37, 16, 5);
        int[] y = CpuGradientEngineTest.labels(37, 3, 6);
        try (GradientEngine a = one.create(); GradientEngine b = one.withThreads(3).create()) {
            assertTrue(b instanceof ParallelGradientEngine);
            float[] ga = new float[a.numParameters()], gb = new float[b.numParameters()];
            GradientEngine.StepStats sa = a.accumulateGradient(x, y, 2, 37, 11, ga);
            GradientEngine.StepStats sb = b.accumulateGradient(x, y, 2, 37, 11, gb);
            assertEquals(sa.count(), sb.count());
            assertEquals(sa.correct(), sb.correct());
            assertEquals(sa.lossSum(), sb.lossSum(), 1e-4);
            assertArrayEquals(ga, gb, 1e-4f);
            float[] gb2 = new float[gb.length];
            b.accumulateGradient(x, y, 2, 37, 11, gb2);
            assertArrayEquals(gb, gb2, "deterministic for a given thread count");
            // Exactly: each share computed alone (draws keyed by the sample's index in the whole call), the shares'
            // sums added to the caller's vector in share order, whichever thread ran which share.
            float[] expected = new float[gb.length];
            java.util.Arrays.fill(expected, 0.25f);
            float[] got = expected.clone();
            int[] starts = {2, 2 + 35 / 3, 2 + 2 * 35 / 3, 37};
            try (CpuGradientEngine single = new CpuGradientEngine(one)) {
                for (int r = 0; r < 3; r++) {
                    float[] share = new float[gb.length];
                    single.accumulateGradient(x, y, starts[r], starts[r + 1], 11, share, starts[r] - 2);
                    for (int j = 0; j < share.length; j++) {
                        expected[j] += share[j];
                    }
                }
            }
            b.accumulateGradient(x, y, 2, 37, 11, got);
            assertArrayEquals(expected, got, 0f, "the shares' sums in share order");
            float[] ra = new float[35 * 3], rb = new float[35 * 3];
            a.predictRates(x, 2, 37, 4, ra);
            b.predictRates(x, 2, 37, 4, rb);
            assertArrayEquals(ra, rb);
        }
    }

    /**
     * The fused step ({@link GradientEngine#trainStep}) gives the bits of the unfused one on one thread and on
     * several, where the sum, the update and the parameter copy run in per-thread ranges; the engine then holds the
     * new parameters. Batch norm is in the model, so the replicas' buffers are combined as after a gradient call.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3})
    void theFusedStepGivesTheBitsOfGradientThenUpdate(int threads) {
        String spec = "flatten | linear(16, 12) | batchnorm1d(12) | plif(surrogate=ATan()) | linear(12, 3) | lif";
        EngineConfig cfg = EngineConfig.builder().modelSpec(spec).inputShape(1, 4, 4).encoder("poisson").seed(3)
                .threads(threads).build();
        float[] x = CpuGradientEngineTest.features(40, 16, 5);
        int[] y = CpuGradientEngineTest.labels(40, 3, 6);
        try (GradientEngine fused = cfg.create(); GradientEngine plain = cfg.create()) {
            io.github.sparksnn.train.optim.Optimizer of = io.github.sparksnn.train.optim.Optimizers.parse("adam");
            io.github.sparksnn.train.optim.Optimizer op = io.github.sparksnn.train.optim.Optimizers.parse("adam");
            float[] pf = fused.parameters(), pp = plain.parameters();
            float[] gf = new float[pf.length], gp = new float[pp.length];
            java.util.Arrays.fill(gf, Float.NaN); // overwritten, not added to
            for (int step = 0; step < 3; step++) {
                int from = step * 11, to = from + 9 + step;
                GradientEngine.StepStats sf = fused.trainStep(x, y, from, to, 40 + step, gf, pf,
                        of.begin(pf.length, 0.01));
                java.util.Arrays.fill(gp, 0f);
                GradientEngine.StepStats sp = plain.accumulateGradient(x, y, from, to, 40 + step, gp);
                float[] sum = gp.clone();
                float inv = 1f / (to - from);
                for (int i = 0; i < gp.length; i++) {
                    gp[i] *= inv;
                }
                op.step(pp, gp, 0.01);
                plain.setParameters(pp);
                assertEquals(sp, sf);
                assertArrayEquals(sum, gf, 0f, "the gradient sum, step " + step);
                assertArrayEquals(pp, pf, 0f, "the updated parameters, step " + step);
                assertArrayEquals(pp, fused.parameters(), 0f, "loaded into the engine, step " + step);
                assertArrayEquals(plain.buffers(), fused.buffers(), 0f, "batch-norm buffers, step " + step);
            }
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> fused.trainStep(x, y, 3, 3, 1, new float[pf.length], pf, of.begin(pf.length, 0.01)));
            assertTrue(e.getMessage().contains("at least one sample"), e.getMessage());
        }
    }

    /**
     * A model with more parameters than one summation block per thread (2,048): the shares' gradients are read from
     * the replicas block by block and added in share order, onto what the caller's vector held, on 2 and 3 threads;
     * exactly the shares computed alone and added in that order.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3})
    void sharesAreAddedBlockByBlockInShareOrder(int threads) {
        String spec = "flatten | linear(16, 400) | lif | linear(400, 3) | lif";
        EngineConfig one = EngineConfig.builder().modelSpec(spec).inputShape(1, 4, 4).encoder("poisson").seed(4).build();
        float[] x = CpuGradientEngineTest.features(23, 16, 7);
        int[] y = CpuGradientEngineTest.labels(23, 3, 8);
        try (GradientEngine par = one.withThreads(threads).create(); CpuGradientEngine single = new CpuGradientEngine(one)) {
            assertTrue(par.numParameters() > 2048 * threads, "several blocks per thread: " + par.numParameters());
            float[] expected = new float[par.numParameters()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (i % 5) * 0.125f - 0.25f;
            }
            float[] got = expected.clone();
            for (int r = 0; r < threads; r++) {
                int a = 1 + 22 * r / threads, b = 1 + 22 * (r + 1) / threads;
                float[] share = new float[expected.length];
                single.accumulateGradient(x, y, a, b, 9, share, a - 1);
                for (int j = 0; j < share.length; j++) {
                    expected[j] += share[j];
                }
            }
            par.accumulateGradient(x, y, 1, 23, 9, got);
            assertArrayEquals(expected, got, 0f);
            // the fused step's sum from zero, block by block, then the update: as a zeroed sum and a plain step
            float[] zeroed = new float[expected.length];
            par.accumulateGradient(x, y, 1, 23, 9, zeroed);
            float[] params = par.parameters(), want = params.clone(), mean = zeroed.clone();
            for (int j = 0; j < mean.length; j++) {
                mean[j] *= 1f / 22;
            }
            io.github.sparksnn.train.optim.Optimizers.parse("adam").step(want, mean, 0.01);
            float[] grad = new float[expected.length];
            par.trainStep(x, y, 1, 23, 9, grad, params,
                    io.github.sparksnn.train.optim.Optimizers.parse("adam").begin(params.length, 0.01));
            assertArrayEquals(zeroed, grad, 0f);
            assertArrayEquals(want, params, 0f);
            assertArrayEquals(want, par.parameters(), 0f);
        }
    }

    /**
     * A share that fails (here the second, whose samples lie past the end of the features) leaves the caller's
     * parameters and the engine as they were, names the problem, and leaves no worker busy: the next step runs.
     */
    @Test
    void aFailedShareLeavesTheParametersAsTheyWere() {
        EngineConfig cfg = EngineConfig.builder().modelSpec(SPEC).inputShape(1, 4, 4).encoder("poisson").seed(3)
                .threads(2).build();
        float[] x = CpuGradientEngineTest.features(20, 16, 5);
        int[] y = CpuGradientEngineTest.labels(20, 3, 6);
        float[] shortX = java.util.Arrays.copyOf(x, 10 * 16 + 3);
        try (GradientEngine e = cfg.create()) {
            io.github.sparksnn.train.optim.Optimizer o = io.github.sparksnn.train.optim.Optimizers.parse("adam");
            float[] p = e.parameters(), before = p.clone(), g = new float[p.length];
            IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> e.trainStep(shortX, y, 0, 20, 1, g, p, o.begin(p.length, 0.01)));
            assertTrue(ex.getMessage().contains("does not fit"), ex.getMessage());
            assertArrayEquals(before, p, 0f);
            assertArrayEquals(before, e.parameters(), 0f);
            GradientEngine.StepStats s = e.trainStep(x, y, 0, 20, 1, g, p, o.begin(p.length, 0.01));
            assertEquals(20, s.count());
            assertArrayEquals(p, e.parameters(), 0f);
        }
    }

    /**
     * The parallel engine loads new parameters into its replicas lazily, each on its own thread at its next call: the
     * parameters still take effect at once for every replica, from a copy (the caller may reuse its array).
     */
    @Test
    void newParametersReachEveryReplicaFromACopy() {
        EngineConfig one = EngineConfig.builder().modelSpec(SPEC).inputShape(1, 4, 4).encoder("poisson").seed(3).build();
        float[] x = CpuGradientEngineTest.features(20, 16, 8);
        int[] y = CpuGradientEngineTest.labels(20, 3, 9);
        try (GradientEngine single = one.create(); GradientEngine par = one.withThreads(2).create()) {
            float[] p = single.parameters();
            for (int i = 0; i < p.length; i++) {
                p[i] = p[i] * 0.5f + 0.01f * (i % 7);
            }
            float[] want = p.clone();
            single.setParameters(p);
            par.setParameters(p);
            java.util.Arrays.fill(p, 123f); // the caller's array changes; the engine keeps what it was given
            assertArrayEquals(want, par.parameters());
            float[] rs = new float[20 * 3], rp = new float[20 * 3];
            single.predictRates(x, 0, 20, 4, rs);
            par.predictRates(x, 0, 20, 4, rp);
            assertArrayEquals(rs, rp, "both replicas predict with the new parameters");
            float[] gs = new float[want.length], gp = new float[want.length];
            single.accumulateGradient(x, y, 0, 20, 5, gs);
            par.accumulateGradient(x, y, 0, 20, 5, gp);
            assertArrayEquals(gs, gp, 1e-4f);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> par.setParameters(new float[3]));
            assertTrue(e.getMessage().contains("got 3"), e.getMessage());
        }
    }

    /** One training call (parameters in, gradient of 64 samples out) on {@link #SPEC}, Poisson input. */
    public static final class TrainingCallProbe implements AllocationCheck.Probe {
        @Override
        public AllocationCheck.Call open(String arg) {
            EngineConfig cfg = EngineConfig.builder().modelSpec(SPEC).inputShape(1, 4, 4).encoder("poisson").build();
            float[] x = CpuGradientEngineTest.features(64, 16, 5);
            int[] y = CpuGradientEngineTest.labels(64, 3, 6);
            GradientEngine e = cfg.create();
            float[] g = new float[e.numParameters()];
            float[] p = e.parameters();
            int[] step = {0};
            return new AllocationCheck.Call() {
                @Override
                public void run() {
                    e.setParameters(p);
                    e.accumulateGradient(x, y, 0, 64, step[0]++, g);
                }

                @Override
                public void close() {
                    e.close();
                }
            };
        }
    }

    @Test
    void theSteadyStateTrainingLoopAllocatesAlmostNothing() {
        // a few small objects per call (the StepStats result, PLIF's kernel constants); any workspace
        // (activations are 64 x 4 x 16 floats = 16 KiB) allocated per call would exceed this
        AllocationCheck.Result r = AllocationCheck.bytesPerCall(TrainingCallProbe.class, "", 50, 200, 1023);
        assertTrue(r.decisive() < 1024, "bytes allocated per training call: " + r);
    }
}
