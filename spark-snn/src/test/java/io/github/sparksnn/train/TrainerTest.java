package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.train.optim.Adam;
import io.github.sparksnn.train.optim.LearningRateSchedule;
import io.github.sparksnn.train.optim.Sgd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Trainer logic over an exact softmax-regression engine (no spiking network needed). */
class TrainerTest {

    private static final int D = 6;
    private static final int K = 4;

    private static final int N = 600;
    private static final int[] Y = new int[N];
    private static final float[] X = SoftmaxRegressionEngine.blobs(N, D, K, 11, Y)[0];
    private static final int[] TEST_Y = new int[200];
    private static final float[] TEST_X = SoftmaxRegressionEngine.blobs(200, D, K, 12, TEST_Y)[0];

    @Test
    void learnsSeparableBlobs() {
        SoftmaxRegressionEngine e = new SoftmaxRegressionEngine(D, K, 1);
        Trainer t = new Trainer(e, new Adam(), TrainerConfig.of(3, 32, 0.05, 5));
        List<EpochResult> seen = new ArrayList<>();
        TrainingHistory h = t.fit(X, Y, TEST_X, TEST_Y, new TrainingListener() {
            @Override
            public void onEpoch(EpochResult r) {
                seen.add(r);
            }
        });
        assertEquals(3, h.size());
        assertEquals(h.epochs(), seen);
        EpochResult first = h.epochs().get(0);
        EpochResult last = h.last();
        assertTrue(last.testAccuracy() > 0.9, h.toString());
        assertTrue(last.trainLoss() < first.trainLoss(), h.toString());
        assertTrue(first.trainLoss() < Math.log(K) + 0.1, "mean loss starts near log K: " + first);
        assertEquals(N, last.samples());
        assertEquals((N + 31) / 32, last.steps());
        assertEquals(h.bestTestAccuracy(), Math.max(Math.max(h.epochs().get(0).testAccuracy(),
                h.epochs().get(1).testAccuracy()), last.testAccuracy()));
        assertEquals(4, h.toCsv().split("\n").length);
    }

    @Test
    void sameSeedGivesBitIdenticalParametersAndOtherSeedsDiffer() {
        float[][] runs = new float[3][];
        long[] seeds = {7, 7, 8};
        for (int r = 0; r < 3; r++) {
            SoftmaxRegressionEngine e = new SoftmaxRegressionEngine(D, K, 1);
            Trainer t = new Trainer(e, new Adam(), TrainerConfig.of(2, 50, 0.01, seeds[r]));
            t.fit(X, Y, null, null, null);
            runs[r] = t.parameters();
            assertArrayEquals(runs[r], e.parameters(), "the engine holds the trained parameters");
        }
        assertArrayEquals(runs[0], runs[1]);
        assertFalse(Arrays.equals(runs[0], runs[2]), "another seed shuffles differently");
    }

    @Test
    void resumingFromParametersAndOptimizerStateIsBitIdentical() {
        TrainerConfig c = TrainerConfig.of(3, 40, 0.01, 21).withSchedule(LearningRateSchedule.cosine(0, 0));
        SoftmaxRegressionEngine straight = new SoftmaxRegressionEngine(D, K, 1);
        Trainer a = new Trainer(straight, new Adam(), c);
        a.fit(X, Y, null, null, null);

        SoftmaxRegressionEngine first = new SoftmaxRegressionEngine(D, K, 1);
        Trainer b = new Trainer(first, new Adam(), c);
        b.trainEpoch(0, X, Y, null);
        float[] checkpointParams = b.parameters();
        io.github.sparksnn.train.optim.OptimizerState checkpointState = b.optimizer().state();

        SoftmaxRegressionEngine resumed = new SoftmaxRegressionEngine(D, K, 99); // other init, overwritten
        resumed.setParameters(checkpointParams);
        Adam opt = new Adam();
        opt.restore(checkpointState);
        Trainer r = new Trainer(resumed, opt, c);
        r.trainEpoch(1, X, Y, null);
        r.trainEpoch(2, X, Y, null);
        assertArrayEquals(a.parameters(), r.parameters());
    }

    @Test
    void eachEpochVisitsEverySampleOnceInANewOrderWithPartialLastBatch() {
        int n = 10;
        int[] y = Arrays.copyOf(Y, n);
        float[] x = Arrays.copyOf(X, n * D);
        SoftmaxRegressionEngine e = new SoftmaxRegressionEngine(D, K, 1);
        List<int[]> batches = new ArrayList<>();
        Trainer t = new Trainer(e, new Sgd(), TrainerConfig.of(2, 4, 0.1, 3));
        t.fit(x, y, null, null, new TrainingListener() {
            @Override
            public void onBatch(int epoch, int batch, int total, GradientEngine.StepStats s) {
                batches.add(new int[] {epoch, batch, total, (int) s.count()});
            }
        });
        assertEquals(6, e.seenFirstFeature.size());
        assertArrayEquals(new int[] {4, 4, 2, 4, 4, 2},
                batches.stream().mapToInt(b -> b[3]).toArray());
        assertTrue(batches.stream().allMatch(b -> b[2] == 3));
        List<Integer> epoch0 = new ArrayList<>();
        List<Integer> epoch1 = new ArrayList<>();
        for (int call = 0; call < 6; call++) {
            float[] ids = e.seenFirstFeature.get(call);
            int[] labels = e.seenLabels.get(call);
            for (int j = 0; j < ids.length; j++) {
                int sample = Math.round(ids[j] / 1e-4f);
                assertEquals(SoftmaxRegressionEngine.id(sample), ids[j]);
                assertEquals(y[sample], labels[j], "features and labels travel together");
                (call < 3 ? epoch0 : epoch1).add(sample);
            }
        }
        Set<Integer> all = new HashSet<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        assertEquals(all, new HashSet<>(epoch0));
        assertEquals(all, new HashSet<>(epoch1));
        assertEquals(n, epoch0.size());
        assertNotEquals(epoch0, epoch1, "reshuffled each epoch");
        assertEquals(6, new HashSet<>(e.seeds).size(), "a distinct engine seed per step");
    }

    @Test
    void oneFullBatchEpochIsOneGradientDescentStepOnTheMean() {
        SoftmaxRegressionEngine ref = new SoftmaxRegressionEngine(D, K, 1);
        float[] p0 = ref.parameters();
        float[] sum = new float[p0.length];
        ref.accumulateGradient(X, Y, 0, N, 0, sum);
        SoftmaxRegressionEngine e = new SoftmaxRegressionEngine(D, K, 1);
        Trainer t = new Trainer(e, new Sgd(), TrainerConfig.of(1, N, 0.5, 3).withShuffle(false));
        EpochResult r = t.trainEpoch(0, X, Y, null);
        float[] p1 = t.parameters();
        for (int i = 0; i < p0.length; i++) {
            assertEquals(p0[i] - 0.5 * sum[i] / N, p1[i], 1e-5, "index " + i);
        }
        assertEquals(1, r.steps());
        assertEquals(Math.log(K), r.trainLoss(), 0.1);
    }

    @Test
    void scheduleSetsTheRatePerEpoch() {
        SoftmaxRegressionEngine e = new SoftmaxRegressionEngine(D, K, 1);
        TrainerConfig c = TrainerConfig.of(4, 100, 0.1, 3).withSchedule(LearningRateSchedule.cosine(0, 0.0));
        TrainingHistory h = new Trainer(e, new Adam(), c).fit(X, Y, null, null, null);
        double[] lrs = h.epochs().stream().mapToDouble(EpochResult::learningRate).toArray();
        double[] expected = new double[4];
        for (int t = 0; t < 4; t++) {
            expected[t] = 0.1 * (1 + Math.cos(Math.PI * t / 4)) / 2; // cosine over the run's 4 epochs
        }
        assertArrayEquals(expected, lrs, 1e-15);
        assertTrue(Double.isNaN(h.last().testAccuracy()));
    }

    @Test
    void evaluationCountsArgmaxMatches() {
        SoftmaxRegressionEngine e = new SoftmaxRegressionEngine(D, K, 1);
        Trainer t = new Trainer(e, new Adam(), TrainerConfig.of(1, 10, 0.1, 3).withEvalBatchSize(7));
        float[] rates = new float[TEST_Y.length * K];
        e.predictRates(TEST_X, 0, TEST_Y.length, 0, rates);
        int correct = 0;
        for (int i = 0; i < TEST_Y.length; i++) {
            if (Trainer.argmax(rates, i * K, K) == TEST_Y[i]) {
                correct++;
            }
        }
        assertEquals((double) correct / TEST_Y.length, t.evaluate(TEST_X, TEST_Y), 0.0);
        assertEquals(1, Trainer.argmax(new float[] {9, 0.25f, 0.75f, 0.75f, 0.5f}, 1, 4), "first maximum wins");
    }

    @Test
    void badInputIsRejectedWithReasons() {
        SoftmaxRegressionEngine e = new SoftmaxRegressionEngine(D, K, 1);
        Trainer t = new Trainer(e, new Adam(), TrainerConfig.of(1, 10, 0.1, 3));
        String m = assertThrows(IllegalArgumentException.class,
                () -> t.fit(new float[D * 3 - 1], new int[3], null, null, null)).getMessage();
        assertTrue(m.contains("17") && m.contains("6 floats per sample"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> t.fit(new float[D * 2], new int[] {0, K}, null, null, null)).getMessage();
        assertTrue(m.contains("label 4") && m.contains("index 1"), m);
        assertThrows(IllegalArgumentException.class, () -> t.fit(X, Y, TEST_X, null, null));
        assertThrows(IllegalArgumentException.class, () -> TrainerConfig.of(1, 0, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> TrainerConfig.of(-1, 1, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> TrainerConfig.of(1, 1, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> TrainerConfig.of(1, 1, 0.1, 1).withEvalBatchSize(0));
    }

    @Test
    void permutationIsSeededAndComplete() {
        int[] a = Trainer.permutation(1, 0, 1000);
        assertArrayEquals(a, Trainer.permutation(1, 0, 1000));
        assertFalse(Arrays.equals(a, Trainer.permutation(1, 1, 1000)));
        assertFalse(Arrays.equals(a, Trainer.permutation(2, 0, 1000)));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, sorted[i]);
        }
    }
}
