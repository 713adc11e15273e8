package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code --function NAME|SPEC [--param KEY=VALUE]...} options shared by the surrogate commands, and their
 * resolution into a {@link SurrogateFunction} through the {@link Surrogates} registry.
 *
 * <p>{@code --function} takes a registry name ({@code atan}, any case) or a full spec as printed by
 * {@code toString()} ({@code "ATan(alpha=3)"}); each {@code --param} then overrides one parameter of it.
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
        List<String> known = Surrogates.list().stream().map(Surrogates.Descriptor::name).collect(Collectors.toList());
        if (known.stream().noneMatch(k -> k.equalsIgnoreCase(name))) {
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
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String key = canonicalKey(merged, e.getKey());
            if (key == null) {
                throw Commands.usage(spec, "unknown parameter '" + e.getKey() + "' for " + f.name() + "; its parameters: "
                        + (merged.isEmpty() ? "(none)" : String.join(", ", merged.keySet())));
            }
            merged.put(key, parseValue(spec, key, e.getValue()));
        }
        try {
            return Surrogates.create(f.name(), merged).setSpikingMode(f.isSpiking());
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, OneLineErrors.oneLine(e));
        }
    }

    /** The name part of a spec: everything before the first '(' ("ATan(alpha=3)" -> "ATan"). */
    static String nameOf(String spec) {
        int paren = spec.indexOf('(');
        return (paren < 0 ? spec : spec.substring(0, paren)).trim();
    }

    /** Parameter names match case-insensitively ("t_period" finds "T_period"); null if none matches. */
    private static String canonicalKey(Map<String, Double> params, String key) {
        String k = key.trim();
        if (params.containsKey(k)) {
            return k;
        }
        for (String p : params.keySet()) {
            if (p.toLowerCase(Locale.ROOT).equals(k.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        return null;
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
