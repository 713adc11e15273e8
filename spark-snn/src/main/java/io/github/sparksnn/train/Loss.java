package io.github.sparksnn.train;

import java.io.Serializable;
import java.util.Locale;

/**
 * A loss on the network's output trace {@code out[(t * n + i) * k + c]} ({@code [T, n, K]}: spikes, or membrane
 * potentials from a {@code readout} layer), summed over samples. A loss also says how the trace is read as a
 * prediction ({@link #decode}: firing rates, a maximum, the last step, a count), so training and inference decode
 * alike. Implementations are stateless and allocate nothing per call.
 *
 * <p>Spec names ({@link #parse}): {@code mse} and {@code ce} on firing rates (the mean over T), {@code ce_count} on
 * spike counts, {@code ce_max} and {@code ce_last} on the maximum and the last membrane potential,
 * {@code mse_membrane} on the membrane at every step, {@code mse_target} (regression) on the mean output; any of
 * them followed by {@code +l1(weight)} adds the L1 firing-rate regulariser ({@link L1RateRegularizer}).
 */
public interface Loss extends Serializable {

    /** The canonical spec text, e.g. {@code ce}, {@code ce_max} or {@code ce_count+l1(0.01)}. */
    String name();

    /** Writes each sample's scores {@code scores[i * k + c]} decoded from the trace (predictions and accuracy). */
    void decode(float[] out, int tSteps, int n, int k, float[] scores);

    /**
     * Loss of {@code n} samples given their trace {@code out} and the {@code scores} {@link #decode} wrote from it;
     * labels {@code labels[labelOff + i]}. Overwrites {@code dOut} (the layout of {@code out}, not the same array) with
     * {@code d(sum of losses)/d out}, using {@code dScores} ({@code n * k}) as scratch, and returns the summed loss.
     */
    double lossAndGradient(float[] out, int tSteps, float[] scores, int[] labels, int labelOff, int n, int k,
                           float[] dScores, float[] dOut);

    /** Whether a sample's scores predict its label: the argmax for classes; never for a regression target. */
    default boolean correct(float[] scores, int off, int k, int label) {
        return argmax(scores, off, k) == label;
    }

    static Loss parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("loss is null: expected " + NAMES);
        }
        String s = spec.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        int plus = s.indexOf('+');
        if (plus >= 0) {
            return L1RateRegularizer.parse(parse(s.substring(0, plus)), s.substring(plus + 1), spec);
        }
        switch (s) {
            case "mse": return new DecodedLoss(DecodedLoss.Decoding.MEAN, new MseRateLoss());
            case "ce": case "cross_entropy": case "crossentropy":
                return new DecodedLoss(DecodedLoss.Decoding.MEAN, new CrossEntropyRateLoss());
            case "ce_count": return new DecodedLoss(DecodedLoss.Decoding.SUM, new CrossEntropyRateLoss());
            case "ce_max": return new DecodedLoss(DecodedLoss.Decoding.MAX, new CrossEntropyRateLoss());
            case "ce_last": return new DecodedLoss(DecodedLoss.Decoding.LAST, new CrossEntropyRateLoss());
            case "mse_membrane": return new MembraneMseLoss();
            case "mse_target": return new DecodedLoss(DecodedLoss.Decoding.MEAN, new TargetMseLoss());
            default: throw new IllegalArgumentException("unknown loss '" + spec + "': expected " + NAMES);
        }
    }

    /** The names {@link #parse} knows, for error messages and Param docs. */
    String NAMES = "mse, ce, ce_count, ce_max, ce_last, mse_membrane or mse_target, optionally followed by "
            + "+l1(weight)";

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
