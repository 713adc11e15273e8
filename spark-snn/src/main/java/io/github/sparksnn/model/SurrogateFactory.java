package io.github.sparksnn.model;

import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a surrogate function from its spec form {@code Name(param=value, ..., spiking=true)} through the
 * surrogate registry ({@link Surrogates}), so every registered function (the built-ins and user-registered ones)
 * can appear in a model spec, and {@code Formula(primitive='...', alpha=2.0)} with its texts single-quoted.
 */
final class SurrogateFactory {
    private SurrogateFactory() {
    }

    static SurrogateFunction create(String name, Map<String, Object> given) {
        if (name.trim().replace("_", "").equalsIgnoreCase(Formula.NAME)) {
            return Formula.fromArguments(given); // texts, parameters and spiking, each checked there
        }
        // the surrogate registry does the lookup (any case, underscores ignored), defaults and validation
        Map<String, Double> params = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : given.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Boolean b) {
                params.put(e.getKey(), b ? 1.0 : 0.0);
            } else if (v instanceof Number n) {
                params.put(e.getKey(), n.doubleValue());
            } else if (v instanceof String) {
                throw new IllegalArgumentException(name + ": parameter " + e.getKey() + " must be a number (quoted text is for "
                        + "Formula's primitive and gradient)");
            } else {
                throw new IllegalArgumentException(name + ": parameter " + e.getKey() + " must be a number or true/false");
            }
        }
        return Surrogates.create(name, params);
    }

    /** Spec form: {@code ATan(alpha=2.0)}, with {@code spiking=false} only when off. */
    static String format(SurrogateFunction f) {
        if (f instanceof Formula formula) {
            return formula.spec(false);
        }
        StringBuilder sb = new StringBuilder(f.name()).append('(');
        String sep = "";
        for (Map.Entry<String, Double> e : f.parameters().entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ", ";
        }
        if (!f.isSpiking()) {
            sb.append(sep).append("spiking=false");
        }
        return sb.append(')').toString();
    }
}
