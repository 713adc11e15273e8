package io.github.sparksnn.layer;

import java.io.Serializable;

/**
 * Delta modulation, snnTorch's {@code spikegen.delta} with its ON and OFF spikes in separate channels: with
 * {@code x[t]} the input at step {@code t} and {@code d[t] = x[t] - x[t-1]} ({@code x[-1] = 0}, or {@code x[-1] = x[0]}
 * with {@code padding}, so that the first step never fires),
 * <pre>
 *   on[t][j]  = d[t][j] &gt;= threshold ? 1 : 0
 *   off[t][j] = d[t][j] &lt;= -threshold ? 1 : 0
 * </pre>
 * (snnTorch writes the OFF spike as -1 in the same channel when {@code off_spike=True}; two channels keep spikes
 * binary). The inputs are floats, as the network's are, and each difference is taken in {@code double}, so the same
 * two values give the same spikes wherever they are coded: the spec layer {@code delta(...)} ({@link DeltaEncoding})
 * and the Spark stage {@code DeltaEncoder} both call {@link #encode}. Deterministic: no random draw.
 *
 * <p>Immutable and serializable.
 */
public final class DeltaCode implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The spec layer's and the Spark stage's default threshold. */
    public static final double DEFAULT_THRESHOLD = 0.1;

    private final double threshold;
    private final boolean padding;

    /** @throws IllegalArgumentException unless {@code threshold} is finite and {@code > 0}, naming its value */
    public DeltaCode(double threshold, boolean padding) {
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("delta: threshold must be a finite number > 0, got " + threshold);
        }
        this.threshold = threshold;
        this.padding = padding;
    }

    public double threshold() {
        return threshold;
    }

    public boolean padding() {
        return padding;
    }

    /**
     * Codes {@code x [T, N, F]} (time-major) into {@code out [T, N, 2F]} (overwritten): sample {@code n}'s step
     * {@code t} holds its F ON spikes at {@code [(t*N + n)*2F + j]}, then its F OFF spikes at
     * {@code [(t*N + n)*2F + F + j]}. Read as a per-sample shape {@code [C, ...]} with {@code F = C * rest}, that is
     * the shape {@code [2C, ...]}: the ON channels, then the OFF channels.
     *
     * @throws IllegalArgumentException on a NaN or infinite input, naming its step, sample and feature
     */
    public void encode(float[] x, int timeSteps, int samples, int features, float[] out) {
        int nf = samples * features;
        for (int t = 0; t < timeSteps; t++) {
            for (int n = 0; n < samples; n++) {
                int in = t * nf + n * features;
                int o = 2 * in;
                for (int j = 0; j < features; j++) {
                    float v = x[in + j];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException("delta: the input holds " + v + " at step " + t
                                + ", sample " + n + ", feature " + j + "; values must be finite");
                    }
                    double prev = t > 0 ? x[in - nf + j] : padding ? v : 0.0;
                    double d = (double) v - prev;
                    out[o + j] = d >= threshold ? 1f : 0f;
                    out[o + features + j] = d <= -threshold ? 1f : 0f;
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeltaCode c && Double.compare(threshold, c.threshold) == 0 && padding == c.padding;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(threshold) * 31 + Boolean.hashCode(padding);
    }

    @Override
    public String toString() {
        return "delta(threshold=" + threshold + ", padding=" + padding + ")";
    }
}
