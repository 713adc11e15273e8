package io.github.sparksnn.backend;

/**
 * Branch-free 2x2, stride-2 max pooling on plain arrays, for inputs whose maxima are unpredictable to a branch
 * predictor (spikes: 0 or 1 at random). Each float is mapped to an int key that orders as the float compares
 * ({@code -0.0f} and {@code 0.0f} share key 0), and the window's first maximum in row-major order is chosen by a
 * tournament of masks: pair (0,1), pair (2,3), then the second pair only where strictly greater, which is the same
 * element as the reference's sequential scan with {@code >}. NaN compares unlike any key, so a batch holding one is
 * reported and left to the general loop.
 */
final class PoolKernels {
    private PoolKernels() {
    }

    /** Order-preserving key of a non-NaN float: {@code -|bits|} for negatives, both zeros map to 0. */
    private static int key(float x) {
        int bits = Float.floatToRawIntBits(x);
        int sign = bits >> 31;
        return ((bits & 0x7fffffff) ^ sign) - sign;
    }

    /** -1 where {@code a > b}, else 0 (keys lie within +-0x7f800000, so the long difference cannot overflow). */
    private static int gt(int a, int b) {
        return (int) (((long) b - a) >> 63);
    }

    /**
     * Max pooling 2x2 stride 2 of {@code planes} planes {@code [h, w]} at {@code x[0..]} into {@code y} and the flat
     * in-plane index of each maximum (as a float) into {@code argmax}. Returns false, with the outputs incomplete,
     * when an input is NaN.
     */
    static boolean max2x2(float[] x, int planes, int h, int w, float[] y, float[] argmax) {
        int ho = h / 2, wo = w / 2, hw = h * w, ohw = ho * wo;
        int nan = 0;
        for (int q = 0; q < planes; q++) {
            int xb = q * hw, yb = q * ohw;
            for (int oi = 0; oi < ho; oi++) {
                int r0 = 2 * oi * w, r1 = r0 + w, yr = yb + oi * wo;
                for (int oj = 0; oj < wo; oj++) {
                    int i0 = r0 + 2 * oj, i2 = r1 + 2 * oj;
                    float a = x[xb + i0], b = x[xb + i0 + 1], c = x[xb + i2], d = x[xb + i2 + 1];
                    int ka = key(a), kb = key(b), kc = key(c), kd = key(d);
                    // a NaN's magnitude bits exceed infinity's: remember it
                    nan |= (0x7f800000 - (Float.floatToRawIntBits(a) & 0x7fffffff))
                            | (0x7f800000 - (Float.floatToRawIntBits(b) & 0x7fffffff))
                            | (0x7f800000 - (Float.floatToRawIntBits(c) & 0x7fffffff))
                            | (0x7f800000 - (Float.floatToRawIntBits(d) & 0x7fffffff));
                    int m01 = gt(kb, ka), m23 = gt(kd, kc);
                    int k01 = ka ^ ((ka ^ kb) & m01), i01 = i0 ^ ((i0 ^ (i0 + 1)) & m01);
                    int k23 = kc ^ ((kc ^ kd) & m23), i23 = i2 ^ ((i2 ^ (i2 + 1)) & m23);
                    int m = gt(k23, k01);
                    int bi = i01 ^ ((i01 ^ i23) & m);
                    y[yr + oj] = x[xb + bi];
                    argmax[yr + oj] = bi;
                }
            }
        }
        return nan >= 0;
    }
}
