package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import io.github.sparksnn.ml.train.sum.OrderedSum;
import java.util.Arrays;
import java.util.Random;

/** The driver's state and the tasks' leaves that the round tests ({@code StreamedRoundTest}, {@code SharedRoundTest}) feed. */
final class RoundFixtures {
    private RoundFixtures() {
    }

    /** The driver's state: {@code params0} (copied), {@code buffers} batch-norm values of 0.5, a fresh rule. */
    static DistributedTrainer.State state(String optimizer, float[] params0, int buffers) {
        float[] b = new float[buffers];
        Arrays.fill(b, 0.5f);
        return new DistributedTrainer.State(params0.clone(), b,
                new OptimizerUpdateRule.Factory(optimizer).create(params0.length), params0.length);
    }

    /**
     * {@code p} leaves of {@code dim} values over many magnitudes, with some -0.0; with {@code p > 1} about one in
     * {@code emptyOneIn} is an empty share (null: no vector).
     */
    static float[][] leaves(Random rnd, int p, int dim, int emptyOneIn) {
        float[][] leaves = new float[p][];
        for (int q = 0; q < p; q++) {
            if (p > 1 && rnd.nextInt(emptyOneIn) == 0) {
                continue;
            }
            leaves[q] = new float[dim];
            for (int i = 0; i < dim; i++) {
                leaves[q][i] = rnd.nextInt(50) == 0 ? -0.0f
                        : (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian() * 3));
            }
        }
        return leaves;
    }

    /** Leaf {@code q} (a copy: {@code OrderedSum} adds into its left nodes' vectors). */
    static OrderedSum.Node leaf(float[] v, int q) {
        return new OrderedSum.Node(v == null ? null : v.clone(), q * 0.25, q, v == null ? 0 : 10 + q, 1000L * q);
    }
}
