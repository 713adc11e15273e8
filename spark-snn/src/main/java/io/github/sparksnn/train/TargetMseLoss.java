package io.github.sparksnn.train;

/**
 * Squared error of a single-output network's score against a regression target (labels are {@link TargetCode}s):
 * per sample {@code (r - y)^2}, {@code dL/dr = 2 (r - y)}. Under {@code mse_target} the score is the mean output over
 * T: with a {@code readout} layer, the mean membrane potential (snnTorch's regression tutorials read the membrane).
 */
public final class TargetMseLoss implements ScoreCriterion {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "mse_target";
    }

    @Override
    public double lossAndGradient(float[] rates, int[] labels, int labelOff, int n, int k, float[] dRates) {
        if (k != 1) {
            throw new IllegalArgumentException("mse_target needs a network with one output, got " + k);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int code = Loss.checkLabel(labels[labelOff + i], TargetCode.LEVELS, labelOff + i);
            double d = rates[i] - TargetCode.decode(code);
            sum += d * d;
            dRates[i] = (float) (2 * d);
        }
        return sum;
    }

    /** A regression has no correct class: accuracy stays 0 and the loss is the measure. */
    @Override
    public boolean correct(float[] scores, int off, int k, int label) {
        return false;
    }
}
