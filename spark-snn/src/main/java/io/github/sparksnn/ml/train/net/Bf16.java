package io.github.sparksnn.ml.train.net;

/**
 * bfloat16: the upper 16 bits of a float (sign, the 8 exponent bits, 7 mantissa bits), rounded to nearest with ties
 * to even, so the range is float's and the relative rounding error at most 2^-8. The optional wire format of
 * barrier-mode training: half the bytes of float32, deterministic (pure functions of the bits).
 */
public final class Bf16 {
    private Bf16() {
    }

    /** {@code x} rounded to the nearest bfloat16 (ties to even); NaN stays a (quiet) NaN, infinities stay. */
    public static short encode(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7fffffff) > 0x7f800000) { // NaN: keep the sign, force a quiet-NaN mantissa bit
            return (short) ((b >>> 16) | 0x0040);
        }
        return (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
    }

    /** The float a bfloat16 stands for (exact). */
    public static float decode(short h) {
        return Float.intBitsToFloat(h << 16);
    }
}
