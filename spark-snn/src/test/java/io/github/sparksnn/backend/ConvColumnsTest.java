package io.github.sparksnn.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * im2col / col2im ({@link ConvColumns}) against their definition written out pixel by pixel, bit for bit (signed
 * zeros and non-finite values included), for the flat stride-1 "same" path and the general loops.
 */
class ConvColumnsTest {
    // c, h, w, kh, kw, sh, sw, ph, pw
    static final int[][] SHAPES = {
        {1, 28, 28, 3, 3, 1, 1, 1, 1}, {3, 14, 14, 3, 3, 1, 1, 1, 1}, {2, 5, 7, 3, 3, 1, 1, 1, 1},
        {2, 6, 6, 5, 5, 1, 1, 2, 2}, {1, 4, 9, 3, 5, 1, 1, 0, 2}, {2, 1, 3, 3, 3, 1, 1, 1, 1},
        {2, 7, 6, 3, 3, 2, 2, 1, 1}, {3, 5, 5, 2, 2, 2, 1, 0, 0}, {1, 3, 3, 3, 3, 1, 1, 0, 0},
        {2, 1, 3, 3, 3, 2, 2, 2, 2}, {1, 4, 4, 3, 1, 1, 1, 1, 0},
        // wider planes, and widths around a vector's length
        {2, 9, 33, 3, 3, 1, 1, 1, 1}, {1, 3, 20, 5, 5, 1, 1, 2, 2}, {1, 2, 2, 3, 3, 1, 1, 1, 1},
        {1, 6, 17, 1, 1, 1, 1, 0, 0}, {2, 5, 16, 3, 5, 1, 1, 0, 2},
    };

    private static float[] values(int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(12);
            x[i] = k == 0 ? -0f : k == 1 ? 0f : k == 2 ? Float.NaN : k == 3 ? Float.NEGATIVE_INFINITY
                    : (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Test
    void unfoldAndFoldFollowTheirDefinitionBitForBit() {
        SplittableRandom r = new SplittableRandom(11);
        for (int pass = 0; pass < 2; pass++) {
            checkShapes(pass, r);
        }
    }

    /** The backend's im2col and col2im (off-heap tensors, past offsets) on the CNN's shapes. */
    @Test
    void theBackendsColumnsEqualTheDefinition() {
        SplittableRandom r = new SplittableRandom(12);
        try (CpuBackend be = new CpuBackend(1)) {
            for (int[] s : new int[][] {{1, 28, 28}, {32, 14, 14}, {3, 5, 7}}) {
                int c = s[0], h = s[1], w = s[2], rows = c * 9, hw = h * w, off = 3;
                float[] img = values(2 * c * hw, r);
                float[] want = new float[rows * hw];
                ConvColumns.unfold(java.util.Arrays.copyOfRange(img, c * hw, 2 * c * hw), c, h, w, 3, 3, 1, 1, 1, 1,
                        want);
                try (Tensor x = be.alloc(img.length); Tensor col = be.alloc(off + rows * hw);
                     Tensor dx = be.alloc(2 * c * hw)) {
                    be.upload(img, 0, x, 0, img.length);
                    be.im2col(x, c * hw, c, h, w, 3, 3, 1, 1, 1, 1, col, off);
                    float[] got = new float[rows * hw];
                    be.download(col, off, got, 0, rows * hw);
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                "im2col " + java.util.Arrays.toString(s) + " at " + i);
                    }
                    float[] colsIn = values(rows * hw, r), acc = values(2 * c * hw, r);
                    float[] sums = java.util.Arrays.copyOfRange(acc, c * hw, 2 * c * hw);
                    ConvColumns.fold(colsIn.clone(), c, h, w, 3, 3, 1, 1, 1, 1, sums);
                    be.upload(colsIn, 0, col, off, rows * hw);
                    be.upload(acc, 0, dx, 0, acc.length);
                    be.col2im(col, off, c, h, w, 3, 3, 1, 1, 1, 1, dx, c * hw);
                    float[] out = new float[acc.length];
                    be.download(dx, 0, out, 0, out.length);
                    for (int i = 0; i < out.length; i++) {
                        float expect = i < c * hw ? acc[i] : sums[i - c * hw];
                        assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(out[i]),
                                "col2im " + java.util.Arrays.toString(s) + " at " + i);
                    }
                }
            }
        }
    }

    private static void checkShapes(int pass, SplittableRandom r) {
        for (int[] s : SHAPES) {
            int c = s[0], h = s[1], w = s[2], kh = s[3], kw = s[4], sh = s[5], sw = s[6], ph = s[7], pw = s[8];
            int ho = ConvColumns.outSize(h, kh, sh, ph), wo = ConvColumns.outSize(w, kw, sw, pw);
            int rows = c * kh * kw, hw = ho * wo;
            String shape = java.util.Arrays.toString(s);
            float[] img = values(c * h * w, r);
            float[] cols = values(rows * hw, r);
            float[] got = cols.clone();
            ConvColumns.unfold(img, c, h, w, kh, kw, sh, sw, ph, pw, got);
            if (ConvColumns.flat(h, w, kh, kw, sh, sw, ph, pw)) {
                // the row-by-row path into an off-heap buffer (past an offset, over stale values) writes the same
                int off = 5;
                java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(4 * (off + rows * hw + 3))
                        .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
                float[] stale = values(off + rows * hw + 3, r);
                direct.put(0, stale);
                ConvColumns.unfoldInto(img, c, h, w, kh, kw, ph, pw, direct, off, new float[hw + 7]);
                for (int i = 0; i < off + rows * hw + 3; i++) {
                    float expect = i < off || i >= off + rows * hw ? stale[i] : got[i - off];
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(direct.get(i)),
                            "unfoldInto " + shape + " at " + i);
                }
            }
            // the second pass adds signed zeros to signed zeros, where a skipped pixel and one that adds +0 differ
            float[] colsIn = pass == 0 ? values(rows * hw, r) : new float[rows * hw];
            float[] acc = pass == 0 ? values(c * h * w, r) : new float[c * h * w];
            if (pass == 1) {
                java.util.Arrays.fill(colsIn, -0f);
                java.util.Arrays.fill(acc, -0f);
            }
            float[] want = acc.clone();
            float[] folded = acc.clone();
            ConvColumns.fold(colsIn.clone(), c, h, w, kh, kw, sh, sw, ph, pw, folded);
            for (int ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < kh; ki++) {
                    for (int kj = 0; kj < kw; kj++) {
                        int row = (ch * kh + ki) * kw + kj;
                        for (int oi = 0; oi < ho; oi++) {
                            for (int oj = 0; oj < wo; oj++) {
                                int ii = oi * sh - ph + ki, jj = oj * sw - pw + kj;
                                boolean in = ii >= 0 && ii < h && jj >= 0 && jj < w;
                                int at = row * hw + oi * wo + oj;
                                float def = in ? img[(ch * h + ii) * w + jj] : 0f;
                                assertEquals(Float.floatToRawIntBits(def), Float.floatToRawIntBits(got[at]),
                                        "unfold " + shape + " at " + at);
                                if (in) {
                                    want[(ch * h + ii) * w + jj] += colsIn[at];
                                }
                            }
                        }
                    }
                }
            }
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(folded[i]), "fold " + shape + " at " + i);
            }

        }
    }
}
