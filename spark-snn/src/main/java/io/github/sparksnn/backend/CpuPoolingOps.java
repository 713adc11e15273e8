package io.github.sparksnn.backend;

import static io.github.sparksnn.backend.CpuScratch.b;

import java.nio.FloatBuffer;

/**
 * {@link CpuBackend}'s pooling: max pooling (first maximum wins ties; a branch-free 2x2 loop for spikes) and average
 * pooling, forward and backward, a batch of planes per bulk copy. The plane loops are shared with the fused neuron
 * kernels ({@link CpuNeuronForward}, {@link CpuNeuronBackward}), which pool chunks of planes while they are in L1.
 */
final class CpuPoolingOps {
    private final CpuScratch scratch;

    CpuPoolingOps(CpuScratch scratch) {
        this.scratch = scratch;
    }

    /** Planes per bulk copy in the pooling loops (amortizes the per-call cost of the buffer copies). */
    private static int planesPerBatch(int planeSize) {
        return Math.max(1, 16384 / Math.max(1, planeSize));
    }

    void maxPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y, Tensor argmax) {
        FloatBuffer X = b(x), Y = b(y), A = b(argmax);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        int per = planesPerBatch(hw);
        float[] xp = scratch.big1(per * hw), yp = scratch.big2(per * ohw), ap = scratch.big3(per * ohw);
        for (int p0 = 0; p0 < planes; p0 += per) {
            int np = Math.min(per, planes - p0);
            X.get(p0 * hw, xp, 0, np * hw);
            maxPoolPlanes(xp, np, h, w, k, s, yp, ap);
            Y.put(p0 * ohw, yp, 0, np * ohw);
            A.put(p0 * ohw, ap, 0, np * ohw);
        }
    }

    /** Max pooling of {@code np} planes at {@code xp[0..]} into {@code yp}, {@code ap} (see {@link #maxPoolForward}). */
    static void maxPoolPlanes(float[] xp, int np, int h, int w, int k, int s, float[] yp, float[] ap) {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        for (int q = 0; q < np; q++) {
            int xb = q * hw, yb = q * ohw;
            if (k == 2 && s == 2) {
                for (int oi = 0; oi < ho; oi++) {
                    int r0 = 2 * oi * w, r1 = r0 + w;
                    for (int oj = 0; oj < wo; oj++) {
                        int c0 = 2 * oj;
                        // first maximum in row-major window order wins ties
                        int bi = r0 + c0;
                        float best = xp[xb + bi];
                        if (xp[xb + r0 + c0 + 1] > best) {
                            best = xp[xb + r0 + c0 + 1];
                            bi = r0 + c0 + 1;
                        }
                        if (xp[xb + r1 + c0] > best) {
                            best = xp[xb + r1 + c0];
                            bi = r1 + c0;
                        }
                        if (xp[xb + r1 + c0 + 1] > best) {
                            best = xp[xb + r1 + c0 + 1];
                            bi = r1 + c0 + 1;
                        }
                        yp[yb + oi * wo + oj] = best;
                        ap[yb + oi * wo + oj] = bi;
                    }
                }
                continue;
            }
            for (int oi = 0; oi < ho; oi++) {
                for (int oj = 0; oj < wo; oj++) {
                    int bi = (oi * s) * w + oj * s;
                    float best = xp[xb + bi];
                    for (int ki = 0; ki < k; ki++) {
                        int rb = (oi * s + ki) * w + oj * s;
                        for (int kj = 0; kj < k; kj++) {
                            float v = xp[xb + rb + kj];
                            if (v > best) {
                                best = v;
                                bi = rb + kj;
                            }
                        }
                    }
                    yp[yb + oi * wo + oj] = best;
                    ap[yb + oi * wo + oj] = bi;
                }
            }
        }
    }

    /**
     * {@link #maxPoolPlanes} 2x2, stride 2, of spikes, which are exactly 0 or 1 ({@link CpuNeuronForward#step}): the
     * maximum is the OR of the window and the first maximum the first spike (the window's first pixel when none
     * fired), chosen with integer masks instead of branches that spikes make unpredictable. Same values and indices
     * as the general loop.
     */
    static void maxPoolSpikes2x2(float[] sp, int np, int h, int w, float[] yp, float[] ap) {
        int ho = h / 2, wo = w / 2, hw = h * w, ohw = ho * wo;
        for (int q = 0; q < np; q++) {
            for (int oi = 0; oi < ho; oi++) {
                int r0 = q * hw + 2 * oi * w, r1 = r0 + w, yb = q * ohw + oi * wo, ib = 2 * oi * w;
                for (int oj = 0; oj < wo; oj++) {
                    int a = (int) sp[r0 + 2 * oj], b = (int) sp[r0 + 2 * oj + 1];
                    int c = (int) sp[r1 + 2 * oj], d = (int) sp[r1 + 2 * oj + 1];
                    int na = 1 - a, nab = na & (1 - b), nabc = nab & (1 - c);
                    yp[yb + oj] = a | b | c | d;
                    ap[yb + oj] = ib + 2 * oj + (na & b) + (nab & c) * w + (nabc & d) * (w + 1);
                }
            }
        }
    }

    void maxPoolBackward(Tensor dy, Tensor argmax, int planes, int h, int w, int k, int s, Tensor dx) {
        FloatBuffer DY = b(dy), A = b(argmax), DX = b(dx);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        int per = planesPerBatch(hw);
        float[] dp = scratch.big1(per * hw), gp = scratch.big2(per * ohw), ap = scratch.big3(per * ohw);
        for (int p0 = 0; p0 < planes; p0 += per) {
            int np = Math.min(per, planes - p0);
            DY.get(p0 * ohw, gp, 0, np * ohw);
            A.get(p0 * ohw, ap, 0, np * ohw);
            maxPoolBackPlanes(gp, ap, np, h, w, k, s, dp);
            DX.put(p0 * hw, dp, 0, np * hw);
        }
    }

    /** {@code dp[0 .. np*h*w)} = the pooled gradients {@code gp} routed to the maxima {@code ap}, zero elsewhere. */
    static void maxPoolBackPlanes(float[] gp, float[] ap, int np, int h, int w, int k, int s, float[] dp) {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        java.util.Arrays.fill(dp, 0, np * hw, 0f);
        for (int q = 0; q < np; q++) {
            int xb = q * hw, yb = q * ohw;
            for (int i = 0; i < ohw; i++) {
                dp[xb + (int) ap[yb + i]] += gp[yb + i];
            }
        }
    }

    void avgPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y) {
        FloatBuffer X = b(x), Y = b(y);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        float inv = 1f / (k * k);
        float[] xp = scratch.big1(h * w), yp = scratch.big2(ho * wo);
        for (int p = 0; p < planes; p++) {
            X.get(p * h * w, xp, 0, h * w);
            for (int oi = 0; oi < ho; oi++) {
                for (int oj = 0; oj < wo; oj++) {
                    float sum = 0f;
                    for (int ki = 0; ki < k; ki++) {
                        int rb = (oi * s + ki) * w + oj * s;
                        for (int kj = 0; kj < k; kj++) {
                            sum += xp[rb + kj];
                        }
                    }
                    yp[oi * wo + oj] = sum * inv;
                }
            }
            Y.put(p * ho * wo, yp, 0, ho * wo);
        }
    }

    void avgPoolBackward(Tensor dy, int planes, int h, int w, int k, int s, Tensor dx) {
        FloatBuffer DY = b(dy), DX = b(dx);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        float inv = 1f / (k * k);
        float[] dp = scratch.big1(h * w), gp = scratch.big2(ho * wo);
        for (int p = 0; p < planes; p++) {
            java.util.Arrays.fill(dp, 0, h * w, 0f);
            DY.get(p * ho * wo, gp, 0, ho * wo);
            for (int oi = 0; oi < ho; oi++) {
                for (int oj = 0; oj < wo; oj++) {
                    float g = gp[oi * wo + oj] * inv;
                    for (int ki = 0; ki < k; ki++) {
                        int rb = (oi * s + ki) * w + oj * s;
                        for (int kj = 0; kj < k; kj++) {
                            dp[rb + kj] += g;
                        }
                    }
                }
            }
            DX.put(p * h * w, dp, 0, h * w);
        }
    }
}
