package io.github.sparksnn.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Optimizer#begin} and {@link Optimizer.Update#apply} in ranges, the form a multi-threaded engine uses: the
 * ranges, applied on several threads in any order, with the gradient sum and {@code 1 / batch} as the scale, give
 * the bits of {@link Optimizer#step} on the gradient divided first, step after step (the state carries over).
 */
class OptimizerUpdateRangesTest {

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "sgd(momentum=0.9, dampening=0.1, weight_decay=0.01)",
            "sgd(momentum=0.9, nesterov=true)", "adam", "adam(weight_decay=0.01)", "adamw(weight_decay=0.05)"})
    void rangesOnThreadsGiveTheBitsOfOneStepOnTheMean(String spec) throws Exception {
        int n = 1003;
        int batch = 7;
        Optimizer whole = Optimizers.parse(spec);
        Optimizer ranged = Optimizers.parse(spec);
        SplittableRandom r = new SplittableRandom(5);
        float[] p1 = new float[n];
        for (int i = 0; i < n; i++) {
            p1[i] = (float) r.nextGaussian();
        }
        float[] p2 = p1.clone();
        int[] cuts = {0, 1, 400, 401, 777, n};
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int step = 0; step < 4; step++) {
                float[] sum = new float[n];
                for (int i = 0; i < n; i++) {
                    sum[i] = (float) (r.nextGaussian() * batch);
                }
                float[] mean = sum.clone();
                float inv = 1f / batch;
                for (int i = 0; i < n; i++) {
                    mean[i] *= inv;
                }
                double lr = 0.01 * (step + 1);
                whole.step(p1, mean, lr);
                Optimizer.Update u = ranged.begin(n, lr);
                float[] sumCopy = sum.clone();
                Future<?>[] fs = new Future<?>[cuts.length - 1];
                for (int c = cuts.length - 2; c >= 0; c--) { // last range first
                    final int a = cuts[c], b = cuts[c + 1];
                    fs[c] = pool.submit(() -> u.apply(p2, sum, inv, a, b));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                assertArrayEquals(p1, p2, 0f, spec + ", step " + step);
                assertArrayEquals(sumCopy, sum, 0f, "the gradient is read, not changed");
                assertEquals(whole.steps(), ranged.steps());
            }
        } finally {
            pool.shutdownNow();
        }
        OptimizerState a = whole.state(), b = ranged.state();
        assertEquals(a.buffersUnsafe().length, b.buffersUnsafe().length);
        for (int k = 0; k < a.buffersUnsafe().length; k++) {
            assertArrayEquals(a.buffersUnsafe()[k], b.buffersUnsafe()[k], 0f, "state buffer " + k);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd(momentum=0.9)", "adam"})
    void beginChecksTheLearningRateAndTheStateLength(String spec) {
        Optimizer o = Optimizers.parse(spec);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.begin(5, Double.NaN));
        assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
        assertEquals(0, o.steps(), "a refused step is not counted");
        o.begin(5, 0.1).apply(new float[5], new float[5], 1f, 0, 5);
        e = assertThrows(IllegalArgumentException.class, () -> o.begin(6, 0.1));
        assertTrue(e.getMessage().contains("holds 5 parameters"), e.getMessage());
        assertEquals(1, o.steps());
    }
}
