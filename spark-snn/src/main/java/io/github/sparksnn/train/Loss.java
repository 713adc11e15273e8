package io.github.sparksnn.train;

import java.io.Serializable;
import java.util.Locale;

/**
 * A loss on firing rates {@code r[n, k] = mean_t out[t, n, k]} (the decoding), summed over samples.
 * Implementations are stateless.
 */
public interface Loss extends Serializable {

    /** Spec name: {@code mse} or {@code ce}. */
    String name();

    /**
     * Loss of {@code n} samples: rates {@code r[i * k + c]}, labels {@code labels[labelOff + i]}; writes
     * {@code dRates[i * k + c] = d(sum of losses)/d r[i, c]} and returns the summed loss.
     */
    double lossAndGradient(float[] rates, int[] labels, int labelOff, int n, int k, float[] dRates);

    static Loss parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("loss is null: expected mse or ce");
        }
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "mse": return new MseRateLoss();
            case "ce": case "cross_entropy": case "crossentropy": return new CrossEntropyRateLoss();
            default: throw new IllegalArgumentException("unknown loss '" + name + "': expected mse or ce");
        }
    }

    /** Checks a label is a class index in {@code [0, k)}. */
    static int checkLabel(int label, int k, int index) {
        if (label < 0 || label >= k) {
            throw new IllegalArgumentException("label " + label + " of sample " + index + " is outside [0, " + k + ")");
        }
        return label;
    }

    /** Predicted class: argmax of the rates, ties to the lowest index. */
    static int argmax(float[] rates, int off, int k) {
        int best = 0;
        float bv = rates[off];
        for (int c = 1; c < k; c++) {
            if (rates[off + c] > bv) {
                bv = rates[off + c];
                best = c;
            }
        }
        return best;
    }
}
