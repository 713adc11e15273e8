package io.github.sparksnn.model;

/** Value types of layer-spec arguments. */
enum ParamType {
    INT, DOUBLE, BOOL, /** a number or {@code none} */ DOUBLE_OR_NONE, SURROGATE,
    /** one of a fixed set of names, e.g. {@code recurrent=dense} */ CHOICE
}
