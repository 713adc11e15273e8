package io.github.sparksnn.model;

/**
 * One argument of a layer kind: name, type, default ({@code null} with {@code required}), and for an argument
 * whose default is another argument's value (pooling stride = kernel_size) the name of that argument.
 */
record ParamDef(String name, ParamType type, boolean required, Object defaultValue, String defaultFrom) {
    static ParamDef req(String name, ParamType type) {
        return new ParamDef(name, type, true, null, null);
    }

    static ParamDef opt(String name, ParamType type, Object def) {
        return new ParamDef(name, type, false, def, null);
    }

    static ParamDef sameAs(String name, ParamType type, String other) {
        return new ParamDef(name, type, false, null, other);
    }
}
