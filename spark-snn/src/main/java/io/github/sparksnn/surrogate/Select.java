package io.github.sparksnn.surrogate;

/**
 * Branch-free selects for the piecewise-constant gradients in the innermost loops. A data-dependent
 * {@code ?:} on random-signed membrane potentials mispredicts about half the time (10-20 ns per element
 * measured on this machine, against about 1 ns for a multiply); the sign-bit mask below costs about 1 ns.
 *
 * <p>Exactness: for finite floats, {@code a - b} is negative exactly when {@code a < b} (gradual underflow means
 * a difference of distinct floats never rounds to zero), and {@code x + 0f} turns {@code -0.0} into {@code +0.0},
 * so the masks reproduce the comparisons of the double reference bit for bit. For a NaN input the result is one
 * of the two values, chosen by the NaN's sign bit.
 */
final class Select {
    private Select() {
    }

    /** {@code d < 0 ? whenNegative : otherwise}, where the sign bit of {@code d} decides (so -0.0 counts as negative). */
    static float bySign(float d, float whenNegative, float otherwise) {
        int m = Float.floatToRawIntBits(d) >> 31; // -1 if the sign bit is set, else 0
        return Float.intBitsToFloat((Float.floatToRawIntBits(otherwise) & ~m) | (Float.floatToRawIntBits(whenNegative) & m));
    }

    /** {@code a < b ? whenLess : otherwise}. */
    static float less(float a, float b, float whenLess, float otherwise) {
        return bySign(a - b, whenLess, otherwise);
    }

    /** {@code x < 0 ? whenNegative : otherwise} ({@code -0.0} is not negative, as with {@code <}). */
    static float negative(float x, float whenNegative, float otherwise) {
        return bySign(x + 0f, whenNegative, otherwise);
    }

    private static final int ONE_BITS = Float.floatToRawIntBits(1f);

    /**
     * The Heaviside step {@code x >= 0 ? 1 : 0} with {@code H(NaN) = 0}, in integer operations only: {@code neg} is
     * the sign mask of {@code x + 0f} (which maps -0.0 to +0.0), {@code nan} is -1 exactly when the magnitude bits
     * exceed those of infinity.
     */
    static float heaviside(float x) {
        int b = Float.floatToRawIntBits(x + 0f);
        int neg = b >> 31;
        int nan = (0x7f800000 - (b & 0x7fffffff)) >> 31;
        return Float.intBitsToFloat(ONE_BITS & ~(neg | nan));
    }

    /** {@code x <= 0 ? whenNonPositive : otherwise}: {@code x - MIN_VALUE < 0} exactly when {@code x <= 0}. */
    static float nonPositive(float x, float whenNonPositive, float otherwise) {
        return bySign(x - Float.MIN_VALUE, whenNonPositive, otherwise);
    }
}
