package io.github.sparksnn.train.optim;

import java.util.Set;

/**
 * Parses learning-rate schedule specs: {@code constant}, {@code cosine}, {@code cosine(t_max=64, eta_min=0)}
 * ({@code t_max} omitted or 0: the run's length, filled in by {@link LearningRateSchedule#resolve(long)}).
 */
public final class LearningRateSchedules {

    private LearningRateSchedules() {
    }

    public static LearningRateSchedule parse(String spec) {
        SpecArgs a = SpecArgs.parse("learning-rate schedule", spec);
        return switch (a.name()) {
            case "constant" -> {
                a.finish(Set.of());
                yield LearningRateSchedule.constant();
            }
            case "cosine" -> {
                LearningRateSchedule s = LearningRateSchedule.cosine(a.getInt("t_max", 0), a.getDouble("eta_min", 0));
                a.finish(Set.of("t_max", "eta_min"));
                yield s;
            }
            default -> throw new IllegalArgumentException("unknown learning-rate schedule '" + a.name() + "' in '"
                    + spec + "'; known: constant, cosine");
        };
    }
}
