package io.github.sparksnn.model;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One layer of a {@link ModelSpec}: its kind and all its arguments, normalized (defaults filled in), so two specs
 * that differ only in spelling (positional vs named, defaults omitted or given) are equal. Immutable.
 */
public final class LayerSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LayerKind kind;
    private final LinkedHashMap<String, Object> args;

    /**
     * @param kind the layer kind
     * @param given arguments by name (missing optional ones take their defaults); values: Integer, Double,
     *              Boolean, {@code null} (for {@code v_reset=none}), a SurrogateFunction or, for a choice such as
     *              {@code recurrent}, a String
     */
    public LayerSpec(LayerKind kind, Map<String, ?> given) {
        this.kind = Objects.requireNonNull(kind, "kind");
        LinkedHashMap<String, Object> a = new LinkedHashMap<>();
        for (String key : given.keySet()) {
            if (kind.params().stream().noneMatch(p -> p.name().equals(key))) {
                throw new IllegalArgumentException(kind.specName() + " has no argument '" + key + "'"
                        + (kind.params().isEmpty() ? " (it takes none)" : " (arguments: " + argNames(kind) + ")"));
            }
        }
        for (ParamDef p : kind.params()) {
            Object v;
            if (given.containsKey(p.name())) {
                v = coerce(kind, p, given.get(p.name()));
            } else if (p.required()) {
                throw new IllegalArgumentException(kind.specName() + ": missing required argument '" + p.name() + "'");
            } else if (p.defaultFrom() != null) {
                v = a.get(p.defaultFrom());
            } else {
                v = p.defaultValue();
            }
            if (v instanceof SurrogateFunction f) {
                v = f.copy(); // surrogate functions are mutable in their mode: keep our own
            }
            a.put(p.name(), v);
        }
        this.args = a;
        validate();
    }

    private static String argNames(LayerKind kind) {
        StringBuilder sb = new StringBuilder();
        for (ParamDef p : kind.params()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.name());
        }
        return sb.toString();
    }

    private static Object coerce(LayerKind kind, ParamDef p, Object v) {
        String where = kind.specName() + ": argument '" + p.name() + "' ";
        switch (p.type()) {
            case INT:
                if (v instanceof Integer) {
                    return v;
                }
                if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                        && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE && !(v instanceof Double)) {
                    return n.intValue();
                }
                throw new IllegalArgumentException(where + "must be an integer, got " + v);
            case DOUBLE:
                if (v instanceof Number n && !(v instanceof Boolean)) {
                    return n.doubleValue();
                }
                throw new IllegalArgumentException(where + "must be a number, got " + v);
            case DOUBLE_OR_NONE:
                if (v == null) {
                    return null;
                }
                if (v instanceof Number n) {
                    return n.doubleValue();
                }
                throw new IllegalArgumentException(where + "must be a number or none, got " + v);
            case BOOL:
                if (v instanceof Boolean) {
                    return v;
                }
                throw new IllegalArgumentException(where + "must be true or false, got " + v);
            case SURROGATE:
                if (v instanceof SurrogateFunction) {
                    return v;
                }
                throw new IllegalArgumentException(where + "must be a surrogate function like ATan(alpha=2.0), got " + v);
            case CHOICE:
                if (v instanceof String str && p.choices().contains(str.toLowerCase(java.util.Locale.ROOT))) {
                    return str.toLowerCase(java.util.Locale.ROOT);
                }
                throw new IllegalArgumentException(where + "must be one of " + String.join(", ", p.choices()) + ", got "
                        + v);
            default:
                throw new AssertionError(p.type());
        }
    }

    private void validate() {
        String k = kind.specName();
        for (Map.Entry<String, Object> e : args.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Double d && !Double.isFinite(d)) {
                throw new IllegalArgumentException(k + ": argument '" + e.getKey() + "' must be finite, got " + d);
            }
        }
        switch (kind) {
            case LINEAR -> {
                positive("in_features");
                positive("out_features");
            }
            case CONV2D -> {
                positive("in_channels");
                positive("out_channels");
                positive("kernel_size");
                positive("stride");
                if (getInt("padding") < 0) {
                    throw new IllegalArgumentException(k + ": padding must be >= 0, got " + getInt("padding"));
                }
            }
            case MAXPOOL2D, AVGPOOL2D -> {
                positive("kernel_size");
                positive("stride");
            }
            case BATCHNORM1D, BATCHNORM2D -> {
                positive("num_features");
                if (!(getDouble("eps") > 0)) {
                    throw new IllegalArgumentException(k + ": eps must be > 0, got " + getDouble("eps"));
                }
                double m = getDouble("momentum");
                if (!(m >= 0 && m <= 1)) {
                    throw new IllegalArgumentException(k + ": momentum must be in [0, 1], got " + m);
                }
            }
            case DROPOUT -> {
                double p = getDouble("p");
                if (!(p >= 0 && p < 1)) {
                    throw new IllegalArgumentException(k + ": p must be in [0, 1), got " + p);
                }
            }
            case DELTA -> code(() -> new io.github.sparksnn.layer.DeltaCode(getDouble("threshold"), getBool("padding")));
            case POPULATION -> code(() -> new io.github.sparksnn.layer.PopulationCode(getInt("num_neurons"),
                    getDouble("min"), getDouble("max"), getDouble("width")));
            case LIF -> {
                if (!(getDouble("tau") > 1)) {
                    throw new IllegalArgumentException(k + ": tau must be > 1, got " + getDouble("tau"));
                }
            }
            case PLIF -> {
                if (!(getDouble("init_tau") > 1)) {
                    throw new IllegalArgumentException(k + ": init_tau must be > 1, got " + getDouble("init_tau"));
                }
            }
            case RLIF -> {
                if (!(getDouble("tau") > 1)) {
                    throw new IllegalArgumentException(k + ": tau must be > 1, got " + getDouble("tau"));
                }
            }
            case SYNAPTIC -> {
                decay("alpha", getBool("learn_alpha"));
                decay("beta", getBool("learn_beta"));
            }
            case ALIF -> {
                if (!(getDouble("tau") > 1)) {
                    throw new IllegalArgumentException(k + ": tau must be > 1, got " + getDouble("tau"));
                }
                if (!(getDouble("tau_a") > 0)) {
                    throw new IllegalArgumentException(k + ": tau_a must be > 0, got " + getDouble("tau_a"));
                }
                if (!(getDouble("beta_a") >= 0)) {
                    throw new IllegalArgumentException(k + ": beta_a must be >= 0, got " + getDouble("beta_a"));
                }
            }
            default -> {
            }
        }
    }

    /** An encoder's arguments are checked by its code object, the one definition the Spark stage shares. */
    private static void code(java.util.function.Supplier<?> build) {
        build.get();
    }

    /** A decay in [0, 1], or in (0, 1) when learned (stored as its logit, which must be finite). */
    private void decay(String name, boolean learned) {
        double d = getDouble(name);
        if (learned ? !(d > 0 && d < 1) : !(d >= 0 && d <= 1)) {
            throw new IllegalArgumentException(kind.specName() + ": " + name + " must be in "
                    + (learned ? "(0, 1) with learn_" + name + "=true" : "[0, 1]") + ", got " + d);
        }
    }

    private void positive(String name) {
        if (getInt(name) <= 0) {
            throw new IllegalArgumentException(kind.specName() + ": " + name + " must be > 0, got " + getInt(name));
        }
    }

    public LayerKind kind() {
        return kind;
    }

    /** All arguments, normalized, in positional order (read-only). */
    public Map<String, Object> arguments() {
        return Collections.unmodifiableMap(args);
    }

    public int getInt(String name) {
        return (Integer) arg(name);
    }

    public double getDouble(String name) {
        return (Double) arg(name);
    }

    public boolean getBool(String name) {
        return (Boolean) arg(name);
    }

    /** A {@link ParamType#CHOICE} argument, lower case, e.g. {@code dense}. */
    public String getChoice(String name) {
        return (String) arg(name);
    }

    /** {@code v_reset}: a number, or null for a soft reset. */
    public Double getNullableDouble(String name) {
        return (Double) arg(name);
    }

    /** A fresh copy of the surrogate argument (functions are mutable in their spiking mode). */
    public SurrogateFunction getSurrogate(String name) {
        return ((SurrogateFunction) arg(name)).copy();
    }

    private Object arg(String name) {
        if (!args.containsKey(name)) {
            throw new IllegalArgumentException(kind.specName() + " has no argument '" + name + "'");
        }
        return args.get(name);
    }

    /** Canonical text: required arguments positional, optional ones named and only when not at their default. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind.specName());
        StringBuilder inner = new StringBuilder();
        for (ParamDef p : kind.params()) {
            Object v = args.get(p.name());
            if (p.required()) {
                append(inner, format(v));
                continue;
            }
            Object def = p.defaultFrom() != null ? args.get(p.defaultFrom()) : p.defaultValue();
            if (!Objects.equals(v, def)) {
                append(inner, p.name() + "=" + format(v));
            }
        }
        if (inner.length() > 0) {
            sb.append('(').append(inner).append(')');
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String s) {
        sb.append(sb.length() == 0 ? "" : ", ").append(s);
    }

    private static String format(Object v) {
        if (v == null) {
            return "none";
        }
        if (v instanceof SurrogateFunction f) {
            return SurrogateFactory.format(f);
        }
        return String.valueOf(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSpec other && kind == other.kind && args.equals(other.args);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, args);
    }
}
