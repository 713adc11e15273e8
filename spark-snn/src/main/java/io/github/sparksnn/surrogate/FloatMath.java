package io.github.sparksnn.surrogate;

/**
 * A float {@code exp} for the surrogate gradients' inner loops (Sigmoid, PiecewiseExp, Erf, S2NN): about twice as
 * fast as {@code (float) Math.exp(x)} (measured on this machine) and within 1e-7 relative of it, i.e. about one
 * float ulp.
 *
 * <p>{@code exp(x) = 2^k * exp(r)}, {@code k = rint(x log2 e)}, {@code r = x - k ln 2} with {@code ln 2} split in a
 * head of 16 significant bits ({@code k * LN2_HI} is exact for {@code |k| <= 128}) and a tail, so
 * {@code |r| <= ln2/2}; {@code exp(r)} by its degree-7 Taylor polynomial (truncation below 5e-9 relative), and
 * {@code 2^k} built from the exponent bits. Arguments are clamped to {@code [-87.3, 88]}: results below the
 * smallest normal float ({@code 1.2e-38}) come out as about 1.2e-38 instead of a subnormal or 0, which the
 * gradients (scaled by at most a parameter) never notice; NaN propagates.
 */
final class FloatMath {
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187e-06f;

    private FloatMath() {
    }

    static float exp(float x) {
        x = Math.min(Math.max(x, -87.33654f), 88f);
        float k = (float) Math.rint(x * LOG2E);
        float r = (x - k * LN2_HI) - k * LN2_LO;
        float p = 1f + r * (1f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f + r * (8.333334e-3f
                + r * (1.3888889e-3f + r * 1.9841270e-4f))))));
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }
}
