package io.github.sparksnn.train;

import java.io.Serializable;

/**
 * A criterion on per-sample scores (firing rates, spike counts, a membrane maximum): the part of a
 * {@link DecodedLoss} that compares a decoded output with the label.
 */
public interface ScoreCriterion extends Serializable {

    /** Spec name of the criterion: {@code mse}, {@code ce} or {@code mse_target}. */
    String name();

    /**
     * Loss of {@code n} samples: scores {@code r[i * k + c]}, labels {@code labels[labelOff + i]}; writes
     * {@code dRates[i * k + c] = d(sum of losses)/d r[i, c]} and returns the summed loss.
     */
    double lossAndGradient(float[] rates, int[] labels, int labelOff, int n, int k, float[] dRates);

    /** Whether a sample's scores predict its label (argmax for classes). */
    default boolean correct(float[] scores, int off, int k, int label) {
        return Loss.argmax(scores, off, k) == label;
    }
}
