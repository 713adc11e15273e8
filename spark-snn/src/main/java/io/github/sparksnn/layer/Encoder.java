package io.github.sparksnn.layer;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.Tensor;
import java.util.Locale;

/** Input encoders: the static input {@code [N, F]} becomes the multi-step input {@code [T, N, F]}. */
public enum Encoder {
    /** The same analog input at every step (SpikingJelly's tutorials: the first layer sees the image T times). */
    DIRECT,
    /**
     * Poisson rate coding (SpikingJelly's {@code PoissonEncoder}): at each step a spike with probability equal to
     * the input value (clamped by construction: values {@code <= 0} never fire, {@code >= 1} always fire), drawn from a
     * counter-based generator keyed by (seed, sample, step, feature).
     */
    POISSON;

    public static Encoder parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("encoder is null: expected direct or poisson");
        }
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "direct": return DIRECT;
            case "poisson": return POISSON;
            default: throw new IllegalArgumentException("unknown encoder '" + name + "': expected direct or poisson");
        }
    }

    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Encodes {@code samples} rows of {@code features} from {@code x} into {@code out [T, N, F]}. */
    public void encode(Backend be, Tensor x, int samples, int features, int timeSteps, long seed, long sampleBase,
                       Tensor out) {
        if (this == DIRECT) {
            be.repeat(x, samples * features, timeSteps, out);
        } else {
            be.poissonEncode(x, samples, features, timeSteps, seed, sampleBase * timeSteps * features, out);
        }
    }
}
