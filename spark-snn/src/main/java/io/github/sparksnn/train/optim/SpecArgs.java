package io.github.sparksnn.train.optim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses the small call syntax shared by optimizer and schedule specs: {@code name} or
 * {@code name(key=value, key=value)}; names and keys are case-insensitive, values are numbers or booleans.
 * Each read removes the key, so {@link #finish()} can reject the ones nobody asked for.
 */
final class SpecArgs {

    private final String what;
    private final String spec;
    private final String name;
    private final Map<String, String> values = new LinkedHashMap<>();

    private SpecArgs(String what, String spec, String name) {
        this.what = what;
        this.spec = spec;
        this.name = name;
    }

    /** @param what what is being parsed, for messages ("optimizer", "learning-rate schedule") */
    static SpecArgs parse(String what, String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty " + what + " spec");
        }
        String s = spec.strip();
        int open = s.indexOf('(');
        String name;
        String body;
        if (open < 0) {
            name = s;
            body = "";
        } else {
            if (!s.endsWith(")")) {
                throw new IllegalArgumentException(what + " spec '" + spec + "' opens '(' at position " + open
                        + " but does not end with ')'");
            }
            name = s.substring(0, open).strip();
            body = s.substring(open + 1, s.length() - 1);
        }
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("bad " + what + " name '" + name + "' in '" + spec + "'");
        }
        SpecArgs a = new SpecArgs(what, spec, name.toLowerCase(Locale.ROOT));
        if (!body.isBlank()) {
            for (String part : body.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("expected key=value in " + what + " spec '" + spec
                            + "', got '" + part.strip() + "'");
                }
                String key = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                String value = part.substring(eq + 1).strip();
                if (key.isEmpty() || value.isEmpty()) {
                    throw new IllegalArgumentException("expected key=value in " + what + " spec '" + spec
                            + "', got '" + part.strip() + "'");
                }
                if (a.values.put(key, value) != null) {
                    throw new IllegalArgumentException("parameter '" + key + "' given twice in " + what + " spec '"
                            + spec + "'");
                }
            }
        }
        return a;
    }

    String name() {
        return name;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    double getDouble(String key, double defaultValue) {
        String v = values.remove(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw badValue(key, v, "a finite number");
        }
    }

    int getInt(String key, int defaultValue) {
        String v = values.remove(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw badValue(key, v, "an integer");
        }
    }

    boolean getBoolean(String key, boolean defaultValue) {
        String v = values.remove(key);
        if (v == null) {
            return defaultValue;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw badValue(key, v, "true or false");
    }

    private IllegalArgumentException badValue(String key, String v, String expected) {
        return new IllegalArgumentException(name + ": parameter '" + key + "' must be " + expected + ", got '" + v
                + "' in '" + spec + "'");
    }

    /** Rejects keys nobody read. */
    void finish(Set<String> known) {
        if (!values.isEmpty()) {
            throw new IllegalArgumentException("unknown parameter" + (values.size() > 1 ? "s " : " ")
                    + values.keySet() + " for " + what + " '" + name + "' in '" + spec + "'; known: " + known);
        }
    }
}
