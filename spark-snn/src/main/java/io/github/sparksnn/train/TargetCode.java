package io.github.sparksnn.train;

/**
 * How a regression target travels where a class index does (packed {@code int} labels, the distributed trainer's
 * blocks): a target in [0, 1] (the estimator scales its label column there) as the integer
 * {@code round(y * 2^24)} in {@code [0, 2^24]}. Why 2^24: it is float's precision, so the code loses nothing the
 * float training arithmetic keeps.
 */
public final class TargetCode {
    /** Codes per unit: {@code 2^24}. */
    public static final int SCALE = 1 << 24;
    /** Codes are in {@code [0, LEVELS)}: the "number of classes" a label check must allow. */
    public static final int LEVELS = SCALE + 1;

    private TargetCode() {
    }

    /** The code of a target in [0, 1]; anything else (NaN included) is an error. */
    public static int encode(double y) {
        if (!(y >= 0 && y <= 1)) {
            throw new IllegalArgumentException("a scaled regression target must be in [0, 1], got " + y);
        }
        return (int) Math.round(y * SCALE);
    }

    /** The target a code stands for. */
    public static double decode(int code) {
        return (double) code / SCALE;
    }
}
