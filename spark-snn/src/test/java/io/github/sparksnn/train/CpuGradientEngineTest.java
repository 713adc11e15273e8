package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CpuGradientEngineTest {
    static final String MLP = "flatten | linear(16, 12) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(12, 3) | lif(tau=2.0)";

    static EngineConfig cfg(String encoder) {
        return EngineConfig.builder().modelSpec(MLP).inputShape(1, 4, 4).timeSteps(4).encoder(encoder).loss("mse")
                .seed(7).build();
    }

    static float[] features(int n, int f, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    static int[] labels(int n, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
        }
        return y;
    }

    @Test
    void shapesAndInitialParametersFollowTheSpecAndSeed() {
        EngineConfig c = cfg("direct");
        try (GradientEngine e = c.create()) {
            assertEquals(16 * 12 + 12 + 12 * 3 + 3, e.numParameters());
            assertEquals(16, e.featureSize());
            assertEquals(3, e.numClasses());
            float[] p = e.parameters();
            assertArrayEquals(c.initialParameters(), p);
            // Kaiming-uniform bound 1/sqrt(fan_in): 1/4 for the first layer, 1/sqrt(12) for the second
            for (int i = 0; i < 16 * 12 + 12; i++) {
                assertTrue(Math.abs(p[i]) <= 0.25f);
            }
            for (int i = 16 * 12 + 12; i < p.length; i++) {
                assertTrue(Math.abs(p[i]) <= 1 / Math.sqrt(12) + 1e-7);
            }
            assertNotEquals(p[0], c.withSeed(8).initialParameters()[0]);
        }
    }

    @Test
    void gradientIsDeterministicAndAdditiveOverSampleRanges() {
        for (String enc : new String[]{"direct", "poisson"}) {
            EngineConfig c = cfg(enc);
            float[] x = features(10, 16, 1);
            int[] y = labels(10, 3, 2);
            try (GradientEngine e = c.create(); GradientEngine e2 = c.withMaxChunk(3).create()) {
                float[] g1 = new float[e.numParameters()];
                GradientEngine.StepStats s1 = e.accumulateGradient(x, y, 0, 10, 99, g1);
                float[] g2 = new float[e.numParameters()];
                GradientEngine.StepStats s2 = e.accumulateGradient(x, y, 0, 10, 99, g2);
                assertArrayEquals(g1, g2, enc + ": same call, same bits");
                assertEquals(s1, s2);
                assertEquals(10, s1.count());
                assertTrue(s1.lossSum() > 0);
                double norm = 0;
                for (float v : g1) {
                    norm += v * v;
                }
                assertTrue(norm > 0, "non-zero gradient");
                // chunked (3 samples per pass) gives the same sum up to float rounding
                float[] g3 = new float[e.numParameters()];
                GradientEngine.StepStats s3 = e2.accumulateGradient(x, y, 0, 10, 99, g3);
                assertEquals(s1.lossSum(), s3.lossSum(), 1e-4);
                assertArrayEquals(g1, g3, 1e-4f);
            }
        }
    }

    @Test
    void badInputIsRejectedWithClearMessages() {
        try (GradientEngine e = cfg("direct").create()) {
            float[] x = features(2, 16, 1);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> e.accumulateGradient(x, new int[]{0, 5}, 0, 2, 1, new float[e.numParameters()]));
            assertTrue(ex.getMessage().contains("label 5"), ex.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> e.accumulateGradient(x, new int[]{0, 1}, 0, 3, 1, new float[e.numParameters()]));
            assertThrows(IllegalArgumentException.class,
                    () -> e.accumulateGradient(x, new int[]{0, 1}, 0, 2, 1, new float[3]));
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> cfg("direct").withInputShape(784));
        assertTrue(ex.getMessage().contains("layer 2"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cfg("rate"));
    }

    @Test
    void sgdOnTheEngineLearnsASeparableToyProblem() {
        // class = which quarter of the 4x4 image is bright; plain SGD on the mean gradient
        EngineConfig c = cfg("direct");
        int n = 60;
        float[] x = new float[n * 16];
        int[] y = new int[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int j = 0; j < 16; j++) {
                x[i * 16 + j] = (float) (0.1 * r.nextDouble() + (j / 4 == y[i] ? 0.9 : 0));
            }
        }
        try (GradientEngine e = c.create()) {
            float[] p = e.parameters();
            float[] g = new float[p.length];
            GradientEngine.StepStats first = null, last = null;
            for (int step = 0; step < 150; step++) {
                java.util.Arrays.fill(g, 0f);
                last = e.accumulateGradient(x, y, 0, n, step, g);
                if (first == null) {
                    first = last;
                }
                for (int i = 0; i < p.length; i++) {
                    p[i] -= 2.0f * g[i] / n;
                }
                e.setParameters(p);
            }
            assertTrue(last.lossSum() < 0.5 * first.lossSum(), first + " -> " + last);
            assertTrue(last.correct() >= 0.9 * n, "accuracy " + last);
            float[] rates = new float[n * 3];
            e.predictRates(x, 0, n, 0, rates);
            int correct = 0;
            for (int i = 0; i < n; i++) {
                if (Loss.argmax(rates, i * 3, 3) == y[i]) {
                    correct++;
                }
            }
            assertTrue(correct >= 0.9 * n, "predictRates accuracy " + correct);
        }
    }
}
