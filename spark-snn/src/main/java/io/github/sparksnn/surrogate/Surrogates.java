package io.github.sparksnn.surrogate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The registry of surrogate functions: parse a spec such as {@code "ATan(alpha=2.0)"}, create by name, list, and
 * register user functions.
 *
 * <p>Names match case-insensitively and ignoring underscores, so {@code ATan}, {@code atan},
 * {@code PiecewiseLeakyReLU} and {@code piecewise_leaky_relu} are the same function. Parameter names are
 * upstream's ({@code alpha}, {@code beta}, {@code w}, {@code c}, {@code n}, {@code T_period}, {@code leak},
 * {@code k}) and match the same way; omitted parameters take their defaults. Every function also takes
 * {@code spiking=true|false} (default true). {@link SurrogateFunction#toString()} parses back to an equal function.
 *
 * <p>{@code Formula(primitive='...', gradient='...', name=value, ...)} is a user formula ({@link Formula}): its
 * texts are single-quoted (no quote inside), its parameter names are the formula's (case-sensitive, no defaults).
 *
 * <p>Grammar: {@code spec := name [ '(' [ param '=' value { ',' param '=' value } ] ')' ]}, whitespace anywhere
 * between tokens, {@code value := decimal number (e.g. 2, -0.5, 1.0E-4) | true | false | 'text'} (text for Formula only). Errors are
 * {@link IllegalArgumentException}s: an unknown name lists the valid names, an unknown parameter lists that
 * function's parameters, malformed syntax points at the column.
 */
public final class Surrogates {
    /** One registered function: its canonical name, its parameters with defaults (in order), and g'(x) in one line. */
    public record Descriptor(String name, Map<String, Double> defaults, String formula) {
        public Descriptor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(formula, "formula");
            defaults = Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
        }
    }

    private record Entry(Descriptor descriptor, Function<Map<String, Double>, SurrogateFunction> factory) {
    }

    /** The parameter every function accepts besides its own. */
    public static final String SPIKING = "spiking";

    private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

    static {
        builtin("PiecewiseQuadratic", m("alpha", 1.0), "g'(x) = alpha - alpha^2 |x| if |x| <= 1/alpha, else 0",
                p -> new PiecewiseQuadratic(p.get("alpha")));
        builtin("PiecewiseExp", m("alpha", 1.0), "g'(x) = alpha/2 exp(-alpha |x|)",
                p -> new PiecewiseExp(p.get("alpha")));
        builtin("Sigmoid", m("alpha", 4.0), "g'(x) = alpha s (1 - s), s = sigmoid(alpha x)",
                p -> new Sigmoid(p.get("alpha")));
        builtin("SoftSign", m("alpha", 2.0), "g'(x) = alpha / (2 (1 + |alpha x|)^2)",
                p -> new SoftSign(p.get("alpha")));
        builtin("SuperSpike", m("alpha", 1.0), "g'(x) = alpha / (1 + |x|)^2",
                p -> new SuperSpike(p.get("alpha")));
        builtin("ATan", m("alpha", 2.0), "g'(x) = alpha/2 / (1 + (pi/2 alpha x)^2)",
                p -> new ATan(p.get("alpha")));
        builtin("NonzeroSignLogAbs", m("alpha", 1.0), "g'(x) = 1 / (1/alpha + |x|)",
                p -> new NonzeroSignLogAbs(p.get("alpha")));
        builtin("Erf", m("alpha", 2.0), "g'(x) = alpha / sqrt(pi) exp(-(alpha x)^2)",
                p -> new Erf(p.get("alpha")));
        builtin("PiecewiseLeakyReLU", m("w", 1.0, "c", 0.01), "g'(x) = 1/(2w) if |x| < w, else c",
                p -> new PiecewiseLeakyReLU(p.get("w"), p.get("c")));
        builtin("SquarewaveFourierSeries", m("n", 2.0, "T_period", 8.0),
                "g'(x) = 4/T sum_{i=1}^{n-1} cos((2i-1) 2pi/T x)",
                p -> new SquarewaveFourierSeries(p.get("n"), p.get("T_period")));
        builtin("S2NN", m("alpha", 4.0, "beta", 1.0),
                "g'(x) = alpha s (1 - s), s = sigmoid(alpha x) if x < 0; beta / (x + 1) if x >= 0",
                p -> new S2NN(p.get("alpha"), p.get("beta")));
        builtin("QPseudoSpike", m("alpha", 2.0), "g'(x) = (1 + 2|x| / (alpha - 1))^(-alpha)",
                p -> new QPseudoSpike(p.get("alpha")));
        builtin("LeakyKReLU", m("leak", 0.0, "k", 1.0), "g'(x) = k if x >= 0, else leak",
                p -> new LeakyKReLU(p.get("leak"), p.get("k")));
        builtin("FakeNumericalGradient", m("alpha", 0.3), "g'(x) = min(1/|x|, alpha)",
                p -> new FakeNumericalGradient(p.get("alpha")));
        builtin("LogTailedReLU", m("alpha", 0.0), "g'(x) = alpha if x <= 0; 1 if 0 < x <= 1; 1/x if x > 1",
                p -> new LogTailedReLU(p.get("alpha")));
        builtin("DeterministicPass", m("alpha", 1.0), "g'(x) = 1",
                p -> new DeterministicPass(p.get("alpha")));
        builtin("Rect", m("alpha", 1.0), "g'(x) = alpha if |x| < 1/(2 alpha), else 0",
                p -> new Rect(p.get("alpha")));
    }

    private Surrogates() {
    }

    private static Map<String, Double> m(Object... kv) {
        return SurrogateFunction.params(kv);
    }

    private static void builtin(String name, Map<String, Double> defaults, String formula,
                                Function<Map<String, Double>, SurrogateFunction> factory) {
        REGISTRY.put(key(name), new Entry(new Descriptor(name, defaults, formula), factory));
    }

    /** Matching key: lower case, underscores removed. */
    static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replace("_", "");
    }

    /** Parses a spec such as {@code "ATan(alpha=2.0)"}, {@code "s2nn(alpha=4, beta=1)"} or {@code "atan"}. */
    public static SurrogateFunction parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("Surrogate spec must not be null");
        }
        return new Parser(spec).parse();
    }

    /**
     * Creates a function by name (any case, underscores ignored) with the given parameters (upstream's names, any
     * case; omitted ones at their defaults). The key {@code spiking} (1 = true, 0 = false) sets the mode.
     */
    public static SurrogateFunction create(String name, Map<String, Double> params) {
        if (name == null) {
            throw new IllegalArgumentException("Surrogate function name must not be null");
        }
        Entry e = entry(name);
        Descriptor d = e.descriptor();
        Map<String, Double> resolved = new LinkedHashMap<>(d.defaults());
        boolean spiking = true;
        if (params != null) {
            Map<String, String> seen = new LinkedHashMap<>();
            for (Map.Entry<String, Double> p : params.entrySet()) {
                String given = p.getKey();
                Double v = p.getValue();
                if (given != null) {
                    String previous = seen.put(key(given.trim()), given);
                    if (previous != null) {
                        throw new IllegalArgumentException(d.name() + ": parameter given twice, as '" + previous + "' and '" + given + "'");
                    }
                }
                if (given != null && key(given).equals(SPIKING)) {
                    if (v == null || !(v == 0.0 || v == 1.0)) {
                        throw new IllegalArgumentException(d.name() + ": parameter spiking must be true/false (1 or 0), got " + v);
                    }
                    spiking = v == 1.0;
                    continue;
                }
                String canonical = canonicalParameter(d, given);
                if (v == null || !Double.isFinite(v)) {
                    throw new IllegalArgumentException(d.name() + ": parameter " + canonical + " must be a finite number, got " + v);
                }
                resolved.put(canonical, v);
            }
        }
        SurrogateFunction f = e.factory().apply(Collections.unmodifiableMap(resolved));
        if (f == null) {
            throw new IllegalStateException("The factory of " + d.name() + " returned null");
        }
        return f.setSpikingMode(spiking);
    }

    /** All registered functions, built-ins first in upstream's order, then user functions in registration order. */
    public static synchronized List<Descriptor> list() {
        List<Descriptor> out = new ArrayList<>();
        for (Entry e : REGISTRY.values()) {
            out.add(e.descriptor());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The canonical names, for messages and completion: the registered functions, then {@code Formula} (which
     * takes its expressions as text, so it is created by {@link #parse} or {@link Formula#of}, not by {@link #create}).
     */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (Descriptor d : list()) {
            out.add(d.name());
        }
        out.add(Formula.NAME);
        return out;
    }

    /**
     * Registers a user function. The factory receives every parameter (defaults filled in) under the names of
     * {@code defaults}; {@code spiking} is applied by the registry afterwards. Rejected: a name (ignoring case and
     * underscores) that is already registered, a name that is not an identifier, non-finite defaults, a
     * parameter named {@code spiking}, and a factory whose function at the defaults does not report this name and
     * these parameter names (so that its {@code toString()} parses back).
     */
    public static void register(String name, Map<String, Double> defaults,
                                Function<Map<String, Double>, SurrogateFunction> factory) {
        register(name, defaults, "g'(x): user-defined", factory);
    }

    /** As {@link #register(String, Map, Function)}, with a one-line formula for {@link #list()}. */
    public static void register(String name, Map<String, Double> defaults, String formula,
                                Function<Map<String, Double>, SurrogateFunction> factory) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("Surrogate name must be an identifier, got '" + name + "'");
        }
        if (key(name).equals(key(Formula.NAME))) {
            throw new IllegalArgumentException("Surrogate name " + name + " is reserved for Formula");
        }
        Objects.requireNonNull(factory, "factory");
        Map<String, Double> defs = new LinkedHashMap<>();
        if (defaults != null) {
            for (Map.Entry<String, Double> p : defaults.entrySet()) {
                String pn = p.getKey();
                if (pn == null || !pn.matches("[A-Za-z_][A-Za-z0-9_]*") || key(pn).equals(SPIKING)) {
                    throw new IllegalArgumentException(name + ": invalid parameter name '" + pn + "'");
                }
                if (p.getValue() == null || !Double.isFinite(p.getValue())) {
                    throw new IllegalArgumentException(name + ": default of " + pn + " must be a finite number, got " + p.getValue());
                }
                for (String other : defs.keySet()) {
                    if (key(other).equals(key(pn))) {
                        throw new IllegalArgumentException(name + ": parameters " + other + " and " + pn + " collide");
                    }
                }
                defs.put(pn, p.getValue());
            }
        }
        SurrogateFunction probe = factory.apply(Collections.unmodifiableMap(new LinkedHashMap<>(defs)));
        if (probe == null || !key(probe.name()).equals(key(name)) || !probe.parameters().keySet().equals(defs.keySet())) {
            throw new IllegalArgumentException("Surrogate " + name + ": the factory's function at the defaults must have name() "
                    + name + " and parameters " + defs.keySet() + ", got " + (probe == null ? "null" : probe.name() + " " + probe.parameters().keySet()));
        }
        synchronized (Surrogates.class) {
            if (REGISTRY.containsKey(key(name))) {
                throw new IllegalArgumentException("Surrogate " + name + " is already registered (as "
                        + REGISTRY.get(key(name)).descriptor().name() + ")");
            }
            REGISTRY.put(key(name), new Entry(new Descriptor(name, defs, formula == null ? "g'(x): user-defined" : formula), factory));
        }
    }

    private static synchronized Entry entry(String name) {
        if (key(name.trim()).equals(key(Formula.NAME))) {
            throw new IllegalArgumentException("Formula takes its expressions as quoted text: parse a spec such as "
                    + "Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0), or call Formula.of");
        }
        Entry e = REGISTRY.get(key(name.trim()));
        if (e == null) {
            throw new IllegalArgumentException("Unknown surrogate function '" + name + "'; valid names: "
                    + String.join(", ", namesUnsynchronized()));
        }
        return e;
    }

    private static List<String> namesUnsynchronized() {
        List<String> out = new ArrayList<>();
        for (Entry e : REGISTRY.values()) {
            out.add(e.descriptor().name());
        }
        out.add(Formula.NAME);
        return out;
    }

    private static String canonicalParameter(Descriptor d, String given) {
        if (given != null) {
            for (String p : d.defaults().keySet()) {
                if (key(p).equals(key(given.trim()))) {
                    return p;
                }
            }
        }
        List<String> valid = new ArrayList<>(d.defaults().keySet());
        valid.add(SPIKING);
        throw new IllegalArgumentException(d.name() + " has no parameter '" + given + "'; its parameters: "
                + String.join(", ", valid));
    }

    /** Recursive-descent parser over one spec string; positions in messages are 1-based columns. */
    private static final class Parser extends TextCursor {
        private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
        private static final Pattern NUMBER = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");

        Parser(String s) {
            super(s);
        }

        SurrogateFunction parse() {
            ws();
            int nameAt = pos;
            String name = token(IDENT, "a function name");
            boolean formula = key(name).equals(key(Formula.NAME));
            ws();
            Map<String, Double> params = new LinkedHashMap<>();
            Map<String, Object> args = new LinkedHashMap<>();
            Map<String, Integer> textAt = new LinkedHashMap<>();
            Map<String, String> seen = new LinkedHashMap<>();
            if (pos < s.length()) {
                expect('(');
                ws();
                if (peek() == ')') {
                    pos++;
                } else {
                    while (true) {
                        ws();
                        int pAt = pos;
                        String p = token(IDENT, "a parameter name");
                        ws();
                        expect('=');
                        ws();
                        if (seen.put(formula ? p : key(p), p) != null) {
                            throw error(pAt, "parameter '" + p + "' is given twice");
                        }
                        if (peek() == '\'') {
                            if (!formula) {
                                throw error(pos, "quoted text is only for Formula(primitive='...', gradient='...'); "
                                        + name + "'s parameters are numbers");
                            }
                            int open = pos;
                            int close = s.indexOf('\'', open + 1);
                            if (close < 0) {
                                throw error(open, "the quoted text of " + p + " is not closed (a closing ' is missing)");
                            }
                            args.put(p, s.substring(open + 1, close));
                            textAt.put(p, open + 1);
                            pos = close + 1;
                        } else {
                            double v = value(p);
                            params.put(p, v);
                            args.put(p, v);
                        }
                        ws();
                        char c = peek();
                        if (c == ',') {
                            pos++;
                        } else if (c == ')') {
                            pos++;
                            break;
                        } else {
                            throw error(pos, "expected ',' or ')'");
                        }
                    }
                }
                ws();
                if (pos < s.length()) {
                    throw error(pos, "unexpected text after ')'");
                }
            }
            if (formula) {
                try {
                    return Formula.fromArguments(args);
                } catch (Formula.FormulaException ex) {
                    Integer at = textAt.get(ex.which);
                    throw new IllegalArgumentException(ex.getMessage() + (at == null ? "" : "\n(in '" + s + "' at column "
                            + (at + ex.position + 1) + ")"), ex);
                }
            }
            Entry e;
            try {
                e = entry(name);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(ex.getMessage() + " (in '" + s + "' at column " + (nameAt + 1) + ")", ex);
            }
            return create(e.descriptor().name(), params);
        }

        private double value(String param) {
            Matcher m = IDENT.matcher(s).region(pos, s.length());
            if (m.lookingAt()) {
                String word = m.group();
                if (word.equalsIgnoreCase("true")) {
                    pos = m.end();
                    return 1.0;
                }
                if (word.equalsIgnoreCase("false")) {
                    pos = m.end();
                    return 0.0;
                }
                throw error(pos, "expected a finite decimal number or true/false for " + param + ", found '" + word + "'");
            }
            String t = token(NUMBER, "a number for " + param);
            return Double.parseDouble(t);
        }

        private String token(Pattern p, String what) {
            Matcher m = p.matcher(s).region(pos, s.length());
            if (!m.lookingAt()) {
                throw error(pos, "expected " + what);
            }
            pos = m.end();
            return m.group();
        }

        @Override
        IllegalArgumentException error(int at, String message) {
            String found = at < s.length() ? "'" + s.charAt(at) + "'" : "end of input";
            return new IllegalArgumentException("Malformed surrogate spec at column " + (at + 1) + ": " + message
                    + ", found " + found + "\n  " + s + "\n  " + " ".repeat(at) + "^");
        }
    }
}
