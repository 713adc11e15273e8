package io.github.sparksnn.backend;

import static io.github.sparksnn.backend.CpuScratch.b;

import java.nio.FloatBuffer;

/**
 * {@link CpuBackend}'s convolution glue: the channel bias and its gradient, and im2col / col2im (the column loops
 * themselves are {@link ConvColumns}'), through the shared heap scratch of {@link CpuScratch}.
 */
final class CpuConvolutionOps {
    private final CpuScratch scratch;
    /** One row of columns for {@link ConvColumns#unfoldInto}. */
    private float[] columnRow = new float[0];

    CpuConvolutionOps(CpuScratch scratch) {
        this.scratch = scratch;
    }

    void addChannelBias(Tensor y, int batch, int channels, int hw, Tensor bias, int bOff) {
        FloatBuffer Y = b(y), B = b(bias);
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                float v = B.get(bOff + c);
                int base = (n * channels + c) * hw;
                for (int i = 0; i < hw; i++) {
                    Y.put(base + i, Y.get(base + i) + v);
                }
            }
        }
    }

    void accumulateChannelSums(Tensor dy, int batch, int channels, int hw, Tensor g, int gOff) {
        FloatBuffer D = b(dy), G = b(g);
        for (int c = 0; c < channels; c++) {
            double s = 0;
            for (int n = 0; n < batch; n++) {
                int base = (n * channels + c) * hw;
                for (int i = 0; i < hw; i++) {
                    s += D.get(base + i);
                }
            }
            G.put(gOff + c, G.get(gOff + c) + (float) s);
        }
    }

    void im2col(Tensor x, int xOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                Tensor col, int colOff) {
        FloatBuffer X = b(x), C = b(col);
        int ho = (h + 2 * ph - kh) / sh + 1, wo = (w + 2 * pw - kw) / sw + 1, hw = ho * wo;
        if (ConvColumns.flat(h, w, kh, kw, sh, sw, ph, pw)) {
            float[] img = scratch.big1(c * h * w);
            X.get(xOff, img, 0, c * h * w);
            if (columnRow.length < hw) {
                columnRow = new float[hw];
            }
            ConvColumns.unfoldInto(img, c, h, w, kh, kw, ph, pw, C, colOff, columnRow);
            return;
        }
        float[] img = scratch.big1(c * h * w), cols = scratch.big2(c * kh * kw * hw);
        X.get(xOff, img, 0, c * h * w);
        ConvColumns.unfold(img, c, h, w, kh, kw, sh, sw, ph, pw, cols);
        C.put(colOff, cols, 0, c * kh * kw * hw);
    }

    void col2im(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                Tensor dx, int dxOff) {
        col2im(col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff, false);
    }

    /** The image starts as zeros in a heap array: no read of {@code dx}, and no zeroing pass over it before. */
    void col2imSet(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                   Tensor dx, int dxOff) {
        col2im(col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff, true);
    }

    private void col2im(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                        Tensor dx, int dxOff, boolean fromZero) {
        FloatBuffer C = b(col), D = b(dx);
        int ho = (h + 2 * ph - kh) / sh + 1, wo = (w + 2 * pw - kw) / sw + 1, hw = ho * wo;
        float[] img = scratch.big1(c * h * w), cols = scratch.big2(c * kh * kw * hw);
        if (fromZero) {
            java.util.Arrays.fill(img, 0, c * h * w, 0f);
        } else {
            D.get(dxOff, img, 0, c * h * w);
        }
        C.get(colOff, cols, 0, c * kh * kw * hw);
        ConvColumns.fold(cols, c, h, w, kh, kw, sh, sw, ph, pw, img);
        D.put(dxOff, img, 0, c * h * w);
    }
}
