package io.github.sparksnn.backend;

import java.util.Arrays;

/**
 * The column loops of the CPU convolution on plain arrays: {@link #unfold} (im2col) lays the {@code kh x kw} windows
 * of one image {@code [C, H, W]} out as columns {@code [C*kh*kw, Ho*Wo]} (zero padding), {@link #fold} (col2im) is its
 * adjoint, adding the columns back into the image.
 *
 * <p>Row {@code (ch, ki, kj)} of the columns holds, at output pixel {@code (oi, oj)}, the input pixel
 * {@code (oi sh - ph + ki, oj sw - pw + kj)}. With stride 1 and as many output as input columns ({@code Wo = W}, the
 * "same" padding of a 3x3 kernel), that is one shift of the flattened plane: output index {@code p} reads input
 * index {@code p + d}, {@code d = (ki - ph) W + (kj - pw)}, except at the left or right edge, where the window
 * leaves the image and the flat shift wraps into the neighbouring row. There a row is one bulk copy (one add loop)
 * over the valid output rows, and the wrapped pixels are patched: set to 0 in {@code unfold}, and in {@code fold}
 * turned into {@code -0.0f} in the (scratch) columns before the add, since {@code x + (-0.0f) == x} for every float
 * {@code x}, so the result is bit for bit that of the general loop, which skips them.
 */
final class ConvColumns {
    private ConvColumns() {
    }

    private static final boolean VECTOR = io.github.sparksnn.surrogate.SurrogateMath.vectorized();

    static int outSize(int in, int k, int stride, int pad) {
        return (in + 2 * pad - k) / stride + 1;
    }

    /** im2col of {@code img [c, h, w]} into {@code cols [c*kh*kw, ho*wo]}. */
    static void unfold(float[] img, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       float[] cols) {
        int ho = outSize(h, kh, sh, ph), wo = outSize(w, kw, sw, pw), hw = ho * wo;
        boolean flat = flat(h, w, kh, kw, sh, sw, ph, pw);
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            for (int ki = 0; ki < kh; ki++) {
                // output rows oi whose input row ii = oi*sh - ph + ki lies inside [0, h)
                int oiLo = Math.max(0, -Math.floorDiv(ki - ph, sh));
                int oiHi = Math.min(ho, Math.floorDiv(h - 1 + ph - ki, sh) + 1);
                for (int kj = 0; kj < kw; kj++, row++) {
                    int cb = row * hw;
                    // output columns oj whose input column jj = oj*sw - pw + kj lies inside [0, w)
                    int ojLo = Math.max(0, -Math.floorDiv(kj - pw, sw));          // ceil((pw - kj) / sw)
                    int ojHi = Math.min(wo, Math.floorDiv(w - 1 + pw - kj, sw) + 1);
                    if (oiLo >= oiHi || ojLo >= ojHi) {
                        Arrays.fill(cols, cb, cb + hw, 0f);
                        continue;
                    }
                    if (flat) {
                        flatRow(img, ch, h, w, hw, ki, kj, ph, pw, oiLo, oiHi, ojLo, ojHi, cols, cb);
                        continue;
                    }
                    for (int oi = 0; oi < ho; oi++) {
                        int ii = oi * sh - ph + ki;
                        int ob = cb + oi * wo;
                        if (ii < 0 || ii >= h) {
                            Arrays.fill(cols, ob, ob + wo, 0f);
                            continue;
                        }
                        for (int oj = 0; oj < ojLo; oj++) {
                            cols[ob + oj] = 0f;
                        }
                        int xb = (ch * h + ii) * w - pw + kj;
                        if (sw == 1) {
                            System.arraycopy(img, xb + ojLo, cols, ob + ojLo, ojHi - ojLo);
                        } else {
                            for (int oj = ojLo; oj < ojHi; oj++) {
                                cols[ob + oj] = img[xb + oj * sw];
                            }
                        }
                        for (int oj = ojHi; oj < wo; oj++) {
                            cols[ob + oj] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Whether {@link #unfoldInto} takes this convolution: stride 1 and as many output as input columns. */
    static boolean flat(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        return sh == 1 && sw == 1 && outSize(w, kw, sw, pw) == w && outSize(h, kh, sh, ph) > 0;
    }

    /**
     * {@link #unfold} of a {@link #flat} convolution written straight into the (off-heap) columns at {@code colOff},
     * one row at a time: a row is laid out in {@code rowBuf} (at least {@code ho * wo} long, L1-sized) and copied over
     * in one piece, so the columns are not laid out whole in an array and then copied. Same values.
     */
    static void unfoldInto(float[] img, int c, int h, int w, int kh, int kw, int ph, int pw, java.nio.FloatBuffer cols,
                           int colOff, float[] rowBuf) {
        int ho = outSize(h, kh, 1, ph), wo = w, hw = ho * wo;
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            for (int ki = 0; ki < kh; ki++) {
                int oiLo = Math.max(0, ph - ki), oiHi = Math.min(ho, h + ph - ki);
                for (int kj = 0; kj < kw; kj++, row++) {
                    int ojLo = Math.max(0, pw - kj), ojHi = Math.min(wo, w + pw - kj);
                    if (oiLo >= oiHi || ojLo >= ojHi) {
                        Arrays.fill(rowBuf, 0, hw, 0f);
                    } else {
                        flatRow(img, ch, h, w, hw, ki, kj, ph, pw, oiLo, oiHi, ojLo, ojHi, rowBuf, 0);
                    }
                    cols.put(colOff + row * hw, rowBuf, 0, hw);
                }
            }
        }
    }

    /**
     * Row {@code (ch, ki, kj)} of a {@link #flat} convolution's columns ({@code hw = ho * w} values) into
     * {@code out[cb..]}: one shifted copy of the plane over the valid output rows {@code [oiLo, oiHi)}, zeros around
     * it, and zeros on the wrapped edge columns outside {@code [ojLo, ojHi)}.
     */
    private static void flatRow(float[] img, int ch, int h, int w, int hw, int ki, int kj, int ph, int pw, int oiLo,
                                int oiHi, int ojLo, int ojHi, float[] out, int cb) {
        int plane = ch * h * w, d = (ki - ph) * w + (kj - pw);
        int pLo = Math.max(oiLo * w, -d), pHi = Math.min(oiHi * w, h * w - d);
        Arrays.fill(out, cb, cb + pLo, 0f);
        System.arraycopy(img, plane + pLo + d, out, cb + pLo, pHi - pLo);
        Arrays.fill(out, cb + pHi, cb + hw, 0f);
        if (ojLo == 0 && ojHi == w) { // a middle kernel column wraps nowhere
            return;
        }
        if (ojLo + (w - ojHi) == 1) { // one wrapped column (a 3-wide kernel's edge columns): one store a row
            int oj = ojLo == 1 ? 0 : w - 1;
            for (int ob = cb + oiLo * w + oj, end = cb + oiHi * w; ob < end; ob += w) {
                out[ob] = 0f;
            }
            return;
        }
        for (int oi = oiLo; oi < oiHi; oi++) { // the wrapped edge pixels of the valid rows
            int ob = cb + oi * w;
            for (int oj = 0; oj < ojLo; oj++) {
                out[ob + oj] = 0f;
            }
            for (int oj = ojHi; oj < w; oj++) {
                out[ob + oj] = 0f;
            }
        }
    }

    /**
     * col2im: adds {@code cols [c*kh*kw, ho*wo]} into {@code img [c, h, w]}, row by row in row order. {@code cols} is
     * scratch: the flat path overwrites its wrapped entries with {@code -0.0f}.
     */
    static void fold(float[] cols, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, float[] img) {
        int ho = outSize(h, kh, sh, ph), wo = outSize(w, kw, sw, pw), hw = ho * wo;
        boolean flat = flat(h, w, kh, kw, sh, sw, ph, pw);
        int row = 0;
        for (int ch = 0; ch < c; ch++) {
            for (int ki = 0; ki < kh; ki++) {
                int oiLo = Math.max(0, -Math.floorDiv(ki - ph, sh));
                int oiHi = Math.min(ho, Math.floorDiv(h - 1 + ph - ki, sh) + 1);
                for (int kj = 0; kj < kw; kj++, row++) {
                    int cb = row * hw;
                    int ojLo = Math.max(0, -Math.floorDiv(kj - pw, sw));          // ceil((pw - kj) / sw)
                    int ojHi = Math.min(wo, Math.floorDiv(w - 1 + pw - kj, sw) + 1);
                    if (oiLo >= oiHi || ojLo >= ojHi) {
                        continue;
                    }
                    if (flat) {
                        if (ojLo + (wo - ojHi) == 1) { // one wrapped column (as in flatRow): one store a row
                            int oj = ojLo == 1 ? 0 : wo - 1;
                            for (int ob = cb + oiLo * wo + oj, end = cb + oiHi * wo; ob < end; ob += wo) {
                                cols[ob] = -0f;
                            }
                        } else if (ojLo > 0 || ojHi < wo) {
                            for (int oi = oiLo; oi < oiHi; oi++) { // the wrapped pixels add -0: no change
                                int ob = cb + oi * wo;
                                for (int oj = 0; oj < ojLo; oj++) {
                                    cols[ob + oj] = -0f;
                                }
                                for (int oj = ojHi; oj < wo; oj++) {
                                    cols[ob + oj] = -0f;
                                }
                            }
                        }
                        int plane = ch * h * w, d = (ki - ph) * w + (kj - pw);
                        int pLo = Math.max(oiLo * wo, -d), pHi = Math.min(oiHi * wo, h * w - d);
                        int xo = plane + d;
                        if (VECTOR) { // two offsets: C2 would leave the loop scalar
                            VectorArrays.addTo(img, xo + pLo, cols, cb + pLo, pHi - pLo);
                        } else {
                            for (int p = pLo; p < pHi; p++) {
                                img[xo + p] += cols[cb + p];
                            }
                        }
                        continue;
                    }
                    for (int oi = oiLo; oi < oiHi; oi++) {
                        int ii = oi * sh - ph + ki;
                        int xb = (ch * h + ii) * w - pw + kj;
                        int ob = cb + oi * wo;
                        for (int oj = ojLo; oj < ojHi; oj++) {
                            img[xb + oj * sw] += cols[ob + oj];
                        }
                    }
                }
            }
        }
    }
}
