package io.github.sparksnn.train.optim;

import java.util.Set;

/**
 * Builds optimizers from their specs. Grammar: {@code name} or {@code name(key=value, ...)}, case-insensitive,
 * unspecified keys taking PyTorch's defaults:
 * <ul>
 *   <li>{@code sgd(momentum=0, dampening=0, weight_decay=0, nesterov=false)}</li>
 *   <li>{@code adam(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0)}</li>
 *   <li>{@code adamw(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)}</li>
 * </ul>
 * The learning rate is not part of the spec: it comes from the {@link LearningRateSchedule} at each step.
 * {@code Optimizers.parse(o.toString())} equals {@code o}.
 */
public final class Optimizers {

    private static final Set<String> SGD_KEYS = Set.of("momentum", "dampening", "weight_decay", "nesterov");
    private static final Set<String> ADAM_KEYS = Set.of("beta1", "beta2", "eps", "weight_decay");

    private Optimizers() {
    }

    /** Parses a spec (see the class comment); errors name the offending parameter or the known kinds. */
    public static Optimizer parse(String spec) {
        SpecArgs a = SpecArgs.parse("optimizer", spec);
        if (a.has("lr")) {
            throw new IllegalArgumentException("optimizer spec '" + spec + "' sets 'lr': the learning rate is "
                    + "given separately (the trainer's lr and its schedule)");
        }
        return switch (a.name()) {
            case "sgd" -> {
                Sgd o = new Sgd(a.getDouble("momentum", 0), a.getDouble("dampening", 0),
                        a.getDouble("weight_decay", 0), a.getBoolean("nesterov", false));
                a.finish(SGD_KEYS);
                yield o;
            }
            case "adam" -> {
                Adam o = new Adam(a.getDouble("beta1", 0.9), a.getDouble("beta2", 0.999), a.getDouble("eps", 1e-8),
                        a.getDouble("weight_decay", 0));
                a.finish(ADAM_KEYS);
                yield o;
            }
            case "adamw" -> {
                AdamW o = new AdamW(a.getDouble("beta1", 0.9), a.getDouble("beta2", 0.999),
                        a.getDouble("eps", 1e-8), a.getDouble("weight_decay", 0.01));
                a.finish(ADAM_KEYS);
                yield o;
            }
            default -> throw new IllegalArgumentException(
                    "unknown optimizer '" + a.name() + "' in '" + spec + "'; known: sgd, adam, adamw");
        };
    }
}
