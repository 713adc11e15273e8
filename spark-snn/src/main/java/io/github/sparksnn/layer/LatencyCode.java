package io.github.sparksnn.layer;

import java.io.Serializable;
import java.util.Locale;

/**
 * Latency (time-to-first-spike) coding, after snnTorch's {@code spikegen.latency}/{@code latency_code}: each
 * intensity {@code x} in [0, 1] fires at most once, early when it is large, late (or never) when it is small.
 * The spike time of {@code x} over {@code T} steps, with {@code θ = threshold}, {@code ε = epsilon}:
 * <ul>
 *   <li><b>log</b> ({@code linear=false}, the RC charging time of a LIF neuron driven by {@code x}):
 *       {@code x' = max(x, θ + ε)}, {@code t = τ ln(x' / (x' - θ))}; with {@code normalize},
 *       {@code t = t (T - 1) / (τ ln((θ + ε) / ε))}, so the slowest possible input ({@code x <= θ + ε}) lands on
 *       the last step;</li>
 *   <li><b>linear</b> ({@code linear=true}): {@code t = min(τ' (1 - x), τ' (1 - θ))} with {@code τ' = T - 1} when
 *       {@code normalize}, else {@code τ' = τ}.</li>
 * </ul>
 * The spike goes to step {@code k = rint(t)} (round half to even, as {@code torch.round}); a {@code k > T - 1}
 * gives no spike, and with {@code clip} an input {@code x < θ} gives none either. Everything is computed in
 * {@code double} from the input value, so the same value gives the same step wherever it is encoded.
 *
 * <p>Two deliberate differences from snnTorch, both because snnTorch's result there depends on the rest of the
 * batch (a Spark row, or a sample of a training batch, must not): snnTorch's log {@code normalize} divides by the
 * largest spike time of the batch, this uses the largest possible one (snnTorch's own earlier formula, still in
 * its source as a comment); and where any spike time of a batch exceeds {@code T - 1}, snnTorch clamps them to
 * {@code T - 1} and then clears the whole last step, legitimate spikes included, while here only the late inputs
 * lose their spike. The {@code first_spike_time} shift is not offered; inputs outside [0, 1] are the caller's to
 * reject (snnTorch's linear code rescales them by the batch's range).
 *
 * <p>Immutable and serializable; {@link #toString()} is the encoder spec ({@code latency(tau=1.0, ...)}) that
 * {@link Encoder#parse(String)} reads back.
 */
public final class LatencyCode implements Serializable {
    private static final long serialVersionUID = 1L;

    /** snnTorch's defaults. */
    public static final double DEFAULT_TAU = 1.0;
    public static final double DEFAULT_THRESHOLD = 0.01;
    public static final double DEFAULT_EPSILON = 1e-7;

    private final double tau;
    private final double threshold;
    private final double epsilon;
    private final boolean normalize;
    private final boolean linear;
    private final boolean clip;

    /**
     * @throws IllegalArgumentException unless {@code tau > 0}, {@code 0 < threshold < 1} and {@code epsilon > 0}
     *         (all finite), naming the parameter and its value
     */
    public LatencyCode(double tau, double threshold, double epsilon, boolean normalize, boolean linear, boolean clip) {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("latency encoder: tau must be a finite number > 0, got " + tau);
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("latency encoder: threshold must lie in (0, 1), got " + threshold);
        }
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("latency encoder: epsilon must be a finite number > 0, got " + epsilon);
        }
        this.tau = tau;
        this.threshold = threshold;
        this.epsilon = epsilon;
        this.normalize = normalize;
        this.linear = linear;
        this.clip = clip;
    }

    /** The code with snnTorch's defaults: log, {@code tau=1}, {@code threshold=0.01}, not normalized, not clipped. */
    public static LatencyCode defaults() {
        return new LatencyCode(DEFAULT_TAU, DEFAULT_THRESHOLD, DEFAULT_EPSILON, false, false, false);
    }

    public double tau() {
        return tau;
    }

    public double threshold() {
        return threshold;
    }

    public double epsilon() {
        return epsilon;
    }

    public boolean normalize() {
        return normalize;
    }

    public boolean linear() {
        return linear;
    }

    public boolean clip() {
        return clip;
    }

    /** The real-valued spike time {@code t} of intensity {@code x} over {@code timeSteps} steps (class comment). */
    public double spikeTime(double x, int timeSteps) {
        if (linear) {
            double tl = normalize ? timeSteps - 1 : tau;
            return Math.min(tl * (1 - x), tl * (1 - threshold));
        }
        double xc = Math.max(x, threshold + epsilon);
        double t = tau * Math.log(xc / (xc - threshold));
        if (normalize) {
            t = t * (timeSteps - 1) / (tau * Math.log((threshold + epsilon) / epsilon));
        }
        return t;
    }

    /**
     * The step in {@code [0, timeSteps)} at which {@code x} spikes, or -1 when it does not. {@code x} is clamped to
     * [0, 1] first (as the Poisson encoder's probability is), and NaN never spikes.
     */
    public int spikeStep(double x, int timeSteps) {
        x = Math.min(Math.max(x, 0.0), 1.0);
        if (clip && x < threshold) {
            return -1;
        }
        double k = Math.rint(spikeTime(x, timeSteps));
        return k >= 0 && k <= timeSteps - 1 ? (int) k : -1;
    }

    /**
     * Encodes {@code samples} rows of {@code features} intensities {@code x [N, F]} into {@code out [T, N, F]}
     * (overwritten: one 1 per input at most, zeros elsewhere).
     */
    public void encode(float[] x, int samples, int features, int timeSteps, float[] out) {
        int nf = samples * features;
        java.util.Arrays.fill(out, 0, timeSteps * nf, 0f);
        for (int i = 0; i < nf; i++) {
            int k = spikeStep(x[i], timeSteps);
            if (k >= 0) {
                out[k * nf + i] = 1f;
            }
        }
    }

    /** The encoder spec, e.g. {@code latency(tau=1.0, threshold=0.01, epsilon=1.0E-7, normalize=false, ...)}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "latency(tau=%s, threshold=%s, epsilon=%s, normalize=%s, linear=%s, clip=%s)",
                tau, threshold, epsilon, normalize, linear, clip);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyCode c && Double.compare(tau, c.tau) == 0
                && Double.compare(threshold, c.threshold) == 0 && Double.compare(epsilon, c.epsilon) == 0
                && normalize == c.normalize && linear == c.linear && clip == c.clip;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(tau, threshold, epsilon, normalize, linear, clip);
    }
}
