package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.Tensor;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Input encoders: the static input {@code [N, F]} becomes the multi-step input {@code [T, N, F]}. The encoder spec
 * (the {@code encoder} Param, {@code --encoder} on the command line) is one of
 * <ul>
 *   <li>{@code direct}: the same analog input at every step (SpikingJelly's tutorials: the first layer sees the
 *       image T times);</li>
 *   <li>{@code poisson}: Poisson rate coding (SpikingJelly's {@code PoissonEncoder}): at each step a spike with
 *       probability equal to the input value (clamped by construction: values {@code <= 0} never fire, {@code >= 1}
 *       always fire), drawn from a counter-based generator keyed by (seed, sample, step, feature);</li>
 *   <li>{@code latency(tau=1.0, threshold=0.01, epsilon=1e-7, normalize=false, linear=false, clip=false)}: time to
 *       first spike, snnTorch's {@code spikegen.latency} ({@link LatencyCode} has the formula); every argument is
 *       optional, named, case-insensitive, with snnTorch's defaults. No randomness. The input is read on the host
 *       (one download and one upload per batch on a GPU).</li>
 * </ul>
 * {@link #specName()} is canonical ({@code latency} with every argument) and parses back to an equal encoder.
 */
public final class Encoder implements Serializable {
    private static final long serialVersionUID = 2L;

    private enum Kind { DIRECT, POISSON, LATENCY }

    /** The analog input at every step. */
    public static final Encoder DIRECT = new Encoder(Kind.DIRECT, null);
    /** Poisson rate coding. */
    public static final Encoder POISSON = new Encoder(Kind.POISSON, null);

    private static final String EXPECTED = "expected direct, poisson or latency(tau=.., threshold=.., epsilon=.., "
            + "normalize=.., linear=.., clip=..)";

    private final Kind kind;
    private final LatencyCode latency;

    private Encoder(Kind kind, LatencyCode latency) {
        this.kind = kind;
        this.latency = latency;
    }

    /** The latency encoder with {@code code}'s parameters. */
    public static Encoder latency(LatencyCode code) {
        return new Encoder(Kind.LATENCY, java.util.Objects.requireNonNull(code, "code"));
    }

    /**
     * Parses an encoder spec (class comment); names and keys are case-insensitive.
     *
     * @throws IllegalArgumentException naming the spec and what is wrong in it
     */
    public static Encoder parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("encoder is null: " + EXPECTED);
        }
        String s = spec.strip();
        int open = s.indexOf('(');
        String name = (open < 0 ? s : s.substring(0, open)).strip().toLowerCase(Locale.ROOT);
        Map<String, String> args = new LinkedHashMap<>();
        if (open >= 0) {
            if (!s.endsWith(")")) {
                throw new IllegalArgumentException("encoder '" + spec + "' opens '(' but does not end with ')'");
            }
            String body = s.substring(open + 1, s.length() - 1);
            if (!body.isBlank()) {
                for (String part : body.split(",", -1)) {
                    int eq = part.indexOf('=');
                    String key = eq < 0 ? "" : part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                    String value = eq < 0 ? "" : part.substring(eq + 1).strip();
                    if (key.isEmpty() || value.isEmpty()) {
                        throw new IllegalArgumentException("encoder '" + spec + "': expected key=value, got '"
                                + part.strip() + "'");
                    }
                    if (args.put(key, value) != null) {
                        throw new IllegalArgumentException("encoder '" + spec + "': '" + key + "' is given twice");
                    }
                }
            }
        }
        switch (name) {
            case "direct", "poisson" -> {
                if (open >= 0) {
                    throw new IllegalArgumentException("encoder '" + spec + "': " + name + " takes no arguments");
                }
                return name.equals("direct") ? DIRECT : POISSON;
            }
            case "latency" -> {
                double tau = number(spec, args, "tau", LatencyCode.DEFAULT_TAU);
                double threshold = number(spec, args, "threshold", LatencyCode.DEFAULT_THRESHOLD);
                double epsilon = number(spec, args, "epsilon", LatencyCode.DEFAULT_EPSILON);
                boolean normalize = bool(spec, args, "normalize");
                boolean linear = bool(spec, args, "linear");
                boolean clip = bool(spec, args, "clip");
                if (!args.isEmpty()) {
                    throw new IllegalArgumentException("encoder '" + spec + "': unknown argument" + (args.size() > 1
                            ? "s " : " ") + args.keySet() + "; latency takes tau, threshold, epsilon, normalize, "
                            + "linear, clip");
                }
                return latency(new LatencyCode(tau, threshold, epsilon, normalize, linear, clip));
            }
            default -> throw new IllegalArgumentException("unknown encoder '" + spec + "': " + EXPECTED);
        }
    }

    private static double number(String spec, Map<String, String> args, String key, double dflt) {
        String v = args.remove(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("encoder '" + spec + "': " + key + " must be a number, got '" + v + "'");
        }
    }

    private static boolean bool(String spec, Map<String, String> args, String key) {
        String v = args.remove(key);
        if (v == null) {
            return false;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v.toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("encoder '" + spec + "': " + key + " must be true or false, got '" + v + "'");
    }

    /** The canonical spec: {@code direct}, {@code poisson} or {@code latency(...)} with every argument. */
    public String specName() {
        return switch (kind) {
            case DIRECT -> "direct";
            case POISSON -> "poisson";
            case LATENCY -> latency.toString();
        };
    }

    /** Whether this is {@code direct} (the one encoder whose steps are all the same input). */
    public boolean isDirect() {
        return kind == Kind.DIRECT;
    }

    /** The latency code's parameters, or null for another encoder. */
    public LatencyCode latencyCode() {
        return latency;
    }

    /** Encodes {@code samples} rows of {@code features} from {@code x} into {@code out [T, N, F]}. */
    public void encode(Backend be, Tensor x, int samples, int features, int timeSteps, long seed, long sampleBase,
                       Tensor out) {
        switch (kind) {
            case DIRECT -> be.repeat(x, samples * features, timeSteps, out);
            case POISSON -> be.poissonEncode(x, samples, features, timeSteps, seed,
                    sampleBase * timeSteps * features, out);
            case LATENCY -> {
                int nf = samples * features;
                float[] in = new float[nf];
                float[] spikes = new float[timeSteps * nf];
                be.download(x, 0, in, 0, nf);
                latency.encode(in, samples, features, timeSteps, spikes);
                be.upload(spikes, 0, out, 0, spikes.length);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoder e && kind == e.kind && java.util.Objects.equals(latency, e.latency);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + java.util.Objects.hashCode(latency);
    }

    @Override
    public String toString() {
        return specName();
    }

    private Object readResolve() {
        return kind == Kind.DIRECT ? DIRECT : kind == Kind.POISSON ? POISSON : this;
    }
}
