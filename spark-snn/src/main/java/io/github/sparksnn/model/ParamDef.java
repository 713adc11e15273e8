package io.github.sparksnn.model;

import java.util.List;

/**
 * One argument of a layer kind: name, type, default ({@code null} with {@code required}), for an argument
 * whose default is another argument's value (pooling stride = kernel_size) the name of that argument, and for a
 * {@link ParamType#CHOICE} the names it accepts (lower case).
 */
record ParamDef(String name, ParamType type, boolean required, Object defaultValue, String defaultFrom,
                List<String> choices) {
    static ParamDef req(String name, ParamType type) {
        return new ParamDef(name, type, true, null, null, List.of());
    }

    static ParamDef opt(String name, ParamType type, Object def) {
        return new ParamDef(name, type, false, def, null, List.of());
    }

    static ParamDef sameAs(String name, ParamType type, String other) {
        return new ParamDef(name, type, false, null, other, List.of());
    }

    /** An optional {@link ParamType#CHOICE}, its default first among the choices. */
    static ParamDef choice(String name, String def, String... others) {
        List<String> all = new java.util.ArrayList<>();
        all.add(def);
        all.addAll(List.of(others));
        return new ParamDef(name, ParamType.CHOICE, false, def, null, List.copyOf(all));
    }
}
