package io.github.sparksnn.train;

/**
 * Cross-entropy with the firing rates as logits ({@code F.cross_entropy(out_fr, label)}): per sample
 * {@code logsumexp(r) - r_y}, so {@code dL/dr_c = softmax(r)_c - [c = y]}.
 */
public final class CrossEntropyRateLoss implements ScoreCriterion {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "ce";
    }

    @Override
    public double lossAndGradient(float[] rates, int[] labels, int labelOff, int n, int k, float[] dRates) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int y = Loss.checkLabel(labels[labelOff + i], k, labelOff + i);
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                max = Math.max(max, rates[i * k + c]);
            }
            double z = 0;
            for (int c = 0; c < k; c++) {
                z += Math.exp(rates[i * k + c] - max);
            }
            double lse = max + Math.log(z);
            sum += lse - rates[i * k + y];
            for (int c = 0; c < k; c++) {
                dRates[i * k + c] = (float) (Math.exp(rates[i * k + c] - lse) - (c == y ? 1 : 0));
            }
        }
        return sum;
    }
}
