package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code --function NAME|SPEC [--param KEY=VALUE]...} options shared by the surrogate commands, and their
 * resolution into a {@link SurrogateFunction} through the {@link Surrogates} registry.
 *
 * <p>{@code --function} takes a registry name ({@code atan}, {@code piecewise_leaky_relu}: case and underscores are
 * ignored, as by the registry) or a full spec as printed by
 * {@code toString()} ({@code "ATan(alpha=3)"}, {@code "Formula(primitive='0.5 + atan(alpha*x)/pi', alpha=2)"}); each
 * {@code --param} then overrides one parameter of it.
 * An unknown function, an unknown parameter or a value that is not a finite number is a usage error naming it.
 */
public final class FunctionOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--function", required = true, paramLabel = "NAME|SPEC",
            description = "Surrogate function: a name (see 'snn surrogate list'), any case, or a spec like \"ATan(alpha=3)\".")
    String function;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "Overrides one parameter of the function (repeatable), e.g. --param alpha=3.")
    Map<String, String> params = new LinkedHashMap<>();

    /** Resolves the options into a function; every problem is a usage error of the command using this mixin. */
    public SurrogateFunction resolve() {
        return resolve(mixee, function, params);
    }

    static SurrogateFunction resolve(CommandSpec spec, String function, Map<String, String> overrides) {
        String name = nameOf(function);
        List<String> known = Surrogates.names();
        if (known.stream().noneMatch(k -> key(k).equals(key(name)))) {
            throw Commands.usage(spec, "unknown surrogate function '" + name + "'; known functions: " + String.join(", ", known));
        }
        SurrogateFunction f;
        try {
            f = Surrogates.parse(function);
        } catch (RuntimeException e) { // IllegalArgumentException by contract; anything else is still bad input here
            throw Commands.usage(spec, "invalid --function '" + function + "': " + OneLineErrors.oneLine(e));
        }
        if (overrides == null || overrides.isEmpty()) {
            return f;
        }
        Map<String, Double> merged = new LinkedHashMap<>(f.parameters());
        boolean spiking = f.isSpiking();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (key(e.getKey()).equals(Surrogates.SPIKING)) {
                spiking = parseBoolean(spec, e.getValue());
                continue;
            }
            String k = canonicalKey(merged, e.getKey());
            if (k == null) {
                throw Commands.usage(spec, "unknown parameter '" + e.getKey() + "' for " + f.name() + "; its parameters: "
                        + (merged.isEmpty() ? "" : String.join(", ", merged.keySet()) + ", ") + Surrogates.SPIKING);
            }
            merged.put(k, parseValue(spec, k, e.getValue()));
        }
        try {
            if (f instanceof Formula formula) { // a formula's parameters are its own, not a registry entry's
                return formula.withParameters(merged).setSpikingMode(spiking);
            }
            return Surrogates.create(f.name(), merged).setSpikingMode(spiking);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, OneLineErrors.oneLine(e));
        }
    }

    /** The registry's matching rule: case-insensitive, underscores ignored ("piecewise_leaky_relu"). */
    static String key(String name) {
        return name.trim().toLowerCase(Locale.ROOT).replace("_", "");
    }

    /** The name part of a spec: everything before the first '(' ("ATan(alpha=3)" -> "ATan"). */
    static String nameOf(String spec) {
        int paren = spec.indexOf('(');
        return (paren < 0 ? spec : spec.substring(0, paren)).trim();
    }

    /** Parameter names match as function names do ("t_period" and "tperiod" find "T_period"); null if none. */
    private static String canonicalKey(Map<String, Double> params, String given) {
        for (String p : params.keySet()) {
            if (key(p).equals(key(given))) {
                return p;
            }
        }
        return null;
    }

    private static boolean parseBoolean(CommandSpec spec, String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "1": return true;
            case "false": case "0": return false;
            default: throw Commands.usage(spec, "parameter spiking must be true or false, got '" + value + "'");
        }
    }

    private static double parseValue(CommandSpec spec, String key, String value) {
        double v;
        try {
            v = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw Commands.usage(spec, "parameter " + key + ": '" + value + "' is not a number");
        }
        if (!Double.isFinite(v)) {
            throw Commands.usage(spec, "parameter " + key + " must be a finite number, got '" + value + "'");
        }
        return v;
    }
}
