package io.github.sparksnn.train;

/**
 * Mean squared error of the membrane at every step against the one-hot label (snnTorch's
 * {@code mse_membrane_loss} with {@code on_target=1, off_target=0}, averaged over time instead of summed so that
 * its scale does not grow with T): per sample {@code (1/(T K)) sum_t sum_c (U[t, c] - y_c)^2}, so
 * {@code dL/dU[t, c] = 2 (U[t, c] - y_c) / (T K)}. Predictions are the mean membrane's argmax. Meant for a
 * {@code readout} output layer, whose trace is a membrane potential.
 */
public final class MembraneMseLoss implements Loss {
    private static final long serialVersionUID = 1L;
    private static final DecodedLoss MEAN = new DecodedLoss(DecodedLoss.Decoding.MEAN, new MseRateLoss());

    @Override
    public String name() {
        return "mse_membrane";
    }

    @Override
    public void decode(float[] out, int tSteps, int n, int k, float[] scores) {
        MEAN.decode(out, tSteps, n, k, scores);
    }

    @Override
    public double lossAndGradient(float[] out, int tSteps, float[] scores, int[] labels, int labelOff, int n, int k,
                                  float[] dScores, float[] dOut) {
        double sum = 0;
        float scale = 2f / ((float) tSteps * k);
        for (int i = 0; i < n; i++) {
            int y = Loss.checkLabel(labels[labelOff + i], k, labelOff + i);
            double s = 0;
            for (int t = 0; t < tSteps; t++) {
                for (int c = 0; c < k; c++) {
                    int j = (t * n + i) * k + c;
                    float d = out[j] - (c == y ? 1f : 0f);
                    s += (double) d * d;
                    dOut[j] = scale * d;
                }
            }
            sum += s / ((double) tSteps * k);
        }
        return sum;
    }
}
