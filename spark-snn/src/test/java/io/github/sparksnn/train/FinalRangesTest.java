package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.model.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The backward pass's report of final gradient ranges ({@link GradientEngine#accumulateGradient(float[], int[], int,
 * int, long, float[], GradientEngine.FinalRanges)}): the same bits as the plain call, every index reported once, the
 * ranges descending and on layer boundaries, and each range already final when it is reported.
 */
class FinalRangesTest {
    static final String[] MODELS = {
        FusedCnnStepTest.MODELS[0],
        FusedCnnStepTest.MODELS[1],
        "flatten | linear(144, 12) | plif(init_tau=2.0) | dropout(p=0.2) | linear(12, 3) | lif(tau=2.0)",
    };

    /** One report: the range and a copy of {@code gradSum[from, to)} taken when it came. */
    private record Report(int from, int to, float[] values) {
    }

    @Test
    void rangesAreFinalDescendingOnLayerBoundariesAndCoverEveryIndexOnce() {
        for (String spec : MODELS) {
            for (String enc : new String[]{"direct", "poisson"}) {
                for (int maxChunk : new int[]{4, 64}) { // 9 samples: three chunks, or one
                    EngineConfig c = EngineConfig.builder().modelSpec(spec).inputShape(1, 12, 12).timeSteps(4)
                            .encoder(enc).loss("mse").seed(3).maxChunk(maxChunk).build();
                    check(c, 9, spec + " " + enc + " chunk " + maxChunk);
                }
            }
        }
    }

    /** Checks {@code c.create()}'s engine (one thread, or the parallel engine) on {@code n} samples. */
    private static void check(EngineConfig c, int n, String what) {
        float[] x = CpuGradientEngineTest.features(n, 144, 5);
        int[] y = CpuGradientEngineTest.labels(n, 3, 6);
        try (GradientEngine plain = c.create(); GradientEngine hooked = c.create();
             CpuGradientEngine layout = new CpuGradientEngine(c.withThreads(1))) {
            int m = plain.numParameters();
            // A non-zero start: a range reported before its addition would still hold the start's values.
            float[] expected = CpuGradientEngineTest.features(m, 1, 11);
            float[] got = expected.clone();
            for (int step = 0; step < 2; step++) {
                GradientEngine.StepStats s1 = plain.accumulateGradient(x, y, 0, n, step, expected);
                List<Report> reports = new ArrayList<>();
                float[] sum = got;
                GradientEngine.StepStats s2 = hooked.accumulateGradient(x, y, 0, n, step, got,
                        (from, to) -> reports.add(new Report(from, to, Arrays.copyOfRange(sum, from, to))));
                assertEquals(s1, s2, what);
                assertArrayEquals(expected, got, what + ": the bits of the plain call");
                int end = m;
                for (Report r : reports) {
                    assertEquals(end, r.to(), what + ": contiguous and descending");
                    assertTrue(r.from() < r.to(), what + ": no empty range");
                    assertArrayEquals(Arrays.copyOfRange(expected, r.from(), r.to()), r.values(),
                            what + ": [" + r.from() + ", " + r.to() + ") was final when reported");
                    end = r.from();
                }
                assertEquals(0, end, what + ": every index reported");
                TreeSet<Integer> boundaries = new TreeSet<>();
                Network net = layout.network();
                int paramLayers = 0;
                for (int i = 0; i < net.layers().size(); i++) {
                    if (net.layers().get(i).numParameters() > 0) {
                        boundaries.add(net.parameterOffset(i));
                        paramLayers++;
                    }
                }
                // The parallel engine's first replica reports; with no samples of its own it has no backward pass to
                // report from, and reports the whole vector once the others are done.
                boolean firstShareEmpty = c.threads() > 1 && n < c.threads();
                assertEquals(firstShareEmpty ? 1 : paramLayers, reports.size(), what + ": one range per layer");
                for (Report r : reports) {
                    assertTrue(boundaries.contains(r.from()), what + ": " + r.from() + " starts a layer");
                }
            }
        }
    }

    @Test
    void anEmptyCallReportsTheWholeVectorAndLeavesItAlone() {
        EngineConfig c = CpuGradientEngineTest.cfg("direct");
        try (CpuGradientEngine e = new CpuGradientEngine(c)) {
            float[] g = new float[e.numParameters()];
            g[0] = -0f;
            List<int[]> reports = new ArrayList<>();
            e.accumulateGradient(new float[16], new int[1], 0, 0, 1, g, (from, to) -> reports.add(new int[]{from, to}));
            assertEquals(1, reports.size());
            assertArrayEquals(new int[]{0, e.numParameters()}, reports.get(0));
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(g[0]), "-0.0 stays -0.0");
            assertThrows(IllegalArgumentException.class, () -> e.accumulateGradient(new float[16], new int[1], 0, 1, 1,
                    g, null));
        }
    }

    /**
     * The parallel engine (a Spark task with {@code spark.task.cpus > 1}) reports layer by layer too, with the plain
     * call's bits; 2 samples over 3 threads leave one replica without a share.
     */
    @Test
    void theParallelEngineReportsEachLayerOnceEveryReplicaHasFinishedIt() {
        for (int threads : new int[]{2, 3}) {
            for (int n : new int[]{9, 2}) {
                for (String spec : new String[]{MODELS[0], MODELS[2]}) {
                    EngineConfig c = EngineConfig.builder().modelSpec(spec).inputShape(1, 12, 12).timeSteps(4)
                            .encoder("poisson").loss("mse").seed(3).maxChunk(4).threads(threads).build();
                    try (GradientEngine e = c.create()) {
                        assertTrue(e instanceof ParallelGradientEngine);
                    }
                    check(c, n, spec + " threads " + threads + " samples " + n);
                }
            }
        }
    }
}
