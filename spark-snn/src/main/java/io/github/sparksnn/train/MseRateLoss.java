package io.github.sparksnn.train;

/**
 * Mean squared error between firing rate and the one-hot label (SpikingJelly's tutorials,
 * {@code F.mse_loss(out_fr, label_onehot)}): per sample {@code (1/K) sum_c (r_c - y_c)^2}, so
 * {@code dL/dr_c = 2 (r_c - y_c) / K}.
 */
public final class MseRateLoss implements ScoreCriterion {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "mse";
    }

    @Override
    public double lossAndGradient(float[] rates, int[] labels, int labelOff, int n, int k, float[] dRates) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int y = Loss.checkLabel(labels[labelOff + i], k, labelOff + i);
            double s = 0;
            for (int c = 0; c < k; c++) {
                float d = rates[i * k + c] - (c == y ? 1f : 0f);
                s += (double) d * d;
                dRates[i * k + c] = 2f * d / k;
            }
            sum += s / k;
        }
        return sum;
    }
}
