package io.github.sparksnn.train;

/**
 * A {@link ScoreCriterion} on scores decoded from the output trace by one of four readings (snnTorch's
 * {@code functional.loss} family):
 * <pre>
 * MEAN  r[i, c] = (1/T) sum_t out[t, i, c]    firing rate (mse, ce, mse_target)      dOut[t] = dr / T
 * SUM   r[i, c] = sum_t out[t, i, c]          spike count (ce_count)                  dOut[t] = dr
 * MAX   r[i, c] = max_t out[t, i, c]          maximum membrane (ce_max)               dOut[t*] = dr, t* the first argmax
 * LAST  r[i, c] = out[T - 1, i, c]            last membrane (ce_last)                 dOut[T - 1] = dr
 * </pre>
 * The maximum's gradient flows to one step, as PyTorch's {@code max} routes it (ties go to the first step).
 */
public final class DecodedLoss implements Loss {
    private static final long serialVersionUID = 1L;

    /** How a trace becomes scores. */
    public enum Decoding {
        MEAN(""), SUM("_count"), MAX("_max"), LAST("_last");

        private final String suffix;

        Decoding(String suffix) {
            this.suffix = suffix;
        }
    }

    private final Decoding decoding;
    private final ScoreCriterion criterion;

    public DecodedLoss(Decoding decoding, ScoreCriterion criterion) {
        this.decoding = decoding;
        this.criterion = criterion;
    }

    public Decoding decoding() {
        return decoding;
    }

    public ScoreCriterion criterion() {
        return criterion;
    }

    @Override
    public String name() {
        return criterion.name() + decoding.suffix;
    }

    @Override
    public void decode(float[] out, int tSteps, int n, int k, float[] scores) {
        int m = n * k;
        switch (decoding) {
            case LAST -> System.arraycopy(out, (tSteps - 1) * m, scores, 0, m);
            case MAX -> {
                System.arraycopy(out, 0, scores, 0, m);
                for (int t = 1; t < tSteps; t++) {
                    for (int j = 0; j < m; j++) {
                        scores[j] = Math.max(scores[j], out[t * m + j]);
                    }
                }
            }
            default -> {
                float inv = decoding == Decoding.MEAN ? 1f / tSteps : 1f;
                for (int j = 0; j < m; j++) {
                    float sum = 0f;
                    for (int t = 0; t < tSteps; t++) {
                        sum += out[t * m + j];
                    }
                    scores[j] = sum * inv;
                }
            }
        }
    }

    @Override
    public double lossAndGradient(float[] out, int tSteps, float[] scores, int[] labels, int labelOff, int n, int k,
                                  float[] dScores, float[] dOut) {
        double loss = criterion.lossAndGradient(scores, labels, labelOff, n, k, dScores);
        int m = n * k;
        switch (decoding) {
            case MEAN, SUM -> {
                float scale = decoding == Decoding.MEAN ? 1f / tSteps : 1f;
                for (int t = 0; t < tSteps; t++) {
                    for (int j = 0; j < m; j++) {
                        dOut[t * m + j] = dScores[j] * scale;
                    }
                }
            }
            case LAST -> {
                java.util.Arrays.fill(dOut, 0, tSteps * m, 0f);
                System.arraycopy(dScores, 0, dOut, (tSteps - 1) * m, m);
            }
            case MAX -> {
                java.util.Arrays.fill(dOut, 0, tSteps * m, 0f);
                for (int j = 0; j < m; j++) {
                    int t = 0;
                    while (t < tSteps - 1 && out[t * m + j] != scores[j]) {
                        t++;
                    }
                    dOut[t * m + j] = dScores[j];
                }
            }
            default -> throw new IllegalStateException(decoding.toString());
        }
        return loss;
    }

    @Override
    public boolean correct(float[] scores, int off, int k, int label) {
        return criterion.correct(scores, off, k, label);
    }
}
