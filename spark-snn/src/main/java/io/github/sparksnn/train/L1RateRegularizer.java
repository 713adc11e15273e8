package io.github.sparksnn.train;

import java.util.Locale;

/**
 * A loss plus an L1 penalty on the output's firing rates (snnTorch's {@code functional.reg.l1_rate_sparsity}):
 * per sample {@code weight * sum_c |r_c|}, {@code r_c = (1/T) sum_t out[t, c]}, so
 * {@code dOut[t, c] += weight sign(r_c) / T}. On spikes {@code r_c >= 0}, so this is the weighted mean spike count
 * per step: it pushes the output to fire less. Written {@code <loss>+l1(weight)}, {@code weight >= 0} and finite;
 * the classifier's {@code rateRegularization} Param appends it. It acts on the network's output layer only.
 */
public final class L1RateRegularizer implements Loss {
    private static final long serialVersionUID = 1L;
    private final Loss base;
    private final double weight;

    public L1RateRegularizer(Loss base, double weight) {
        if (!(weight >= 0 && Double.isFinite(weight))) {
            throw new IllegalArgumentException("l1 rate regularization weight must be finite and >= 0, got " + weight);
        }
        if (base instanceof L1RateRegularizer) {
            throw new IllegalArgumentException("a loss takes one +l1(weight) term, got two");
        }
        this.base = base;
        this.weight = weight;
    }

    /** {@code term} is what follows the '+', e.g. {@code l1(0.01)}. */
    static Loss parse(Loss base, String term, String whole) {
        if (!term.startsWith("l1(") || !term.endsWith(")")) {
            throw new IllegalArgumentException("loss '" + whole + "': expected <loss>+l1(weight) after the '+', got '"
                    + term + "'");
        }
        double w;
        try {
            w = Double.parseDouble(term.substring(3, term.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loss '" + whole + "': the l1 weight is not a number: '" + term + "'");
        }
        return new L1RateRegularizer(base, w);
    }

    /** {@code loss} with the penalty appended when {@code weight > 0} (as text, for a config). */
    public static String withWeight(String loss, double weight) {
        Loss l = Loss.parse(loss);
        return weight == 0 ? l.name() : new L1RateRegularizer(l, weight).name();
    }

    public double weight() {
        return weight;
    }

    public Loss base() {
        return base;
    }

    @Override
    public String name() {
        return base.name() + "+l1(" + String.format(Locale.ROOT, "%s", weight) + ")";
    }

    @Override
    public void decode(float[] out, int tSteps, int n, int k, float[] scores) {
        base.decode(out, tSteps, n, k, scores);
    }

    @Override
    public double lossAndGradient(float[] out, int tSteps, float[] scores, int[] labels, int labelOff, int n, int k,
                                  float[] dScores, float[] dOut) {
        double sum = base.lossAndGradient(out, tSteps, scores, labels, labelOff, n, k, dScores, dOut);
        int m = n * k;
        float g = (float) (weight / tSteps);
        for (int j = 0; j < m; j++) {
            float r = 0f;
            for (int t = 0; t < tSteps; t++) {
                r += out[t * m + j];
            }
            r /= tSteps;
            sum += weight * Math.abs(r);
            float d = Math.signum(r) * g;
            for (int t = 0; t < tSteps; t++) {
                dOut[t * m + j] += d;
            }
        }
        return sum;
    }

    @Override
    public boolean correct(float[] scores, int off, int k, int label) {
        return base.correct(scores, off, k, label);
    }
}
