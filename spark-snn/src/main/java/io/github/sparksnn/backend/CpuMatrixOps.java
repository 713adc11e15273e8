package io.github.sparksnn.backend;

import static io.github.sparksnn.backend.CpuScratch.CHUNK;
import static io.github.sparksnn.backend.CpuScratch.b;

import java.nio.FloatBuffer;

/**
 * {@link CpuBackend}'s GEMM and the glue around it: the GEMM call (native OpenBLAS or the pure-Java fallback, with
 * optional timing), the dense layer's row bias and column sums, sums over time steps, and {@code addTransposed}.
 */
final class CpuMatrixOps {
    private final Gemm gemm;
    private final float[] stage1;
    private final float[] stage2;
    private float[] colAcc = new float[0];
    private boolean profiling;
    private long gemmNanos;
    private long gemmCalls;
    private double gemmFlops;

    CpuMatrixOps(Gemm gemm, CpuScratch scratch) {
        this.gemm = gemm;
        this.stage1 = scratch.stage1;
        this.stage2 = scratch.stage2;
    }

    Gemm gemmKernel() {
        return gemm;
    }

    /** Turns on GEMM timing (a {@code nanoTime} pair per GEMM call) and resets the counters. */
    void setProfiling(boolean on) {
        profiling = on;
        gemmNanos = 0;
        gemmCalls = 0;
        gemmFlops = 0;
    }

    long gemmNanos() {
        return gemmNanos;
    }

    long gemmCalls() {
        return gemmCalls;
    }

    double gemmFlops() {
        return gemmFlops;
    }

    private static CpuTensor t(Tensor t) {
        return (CpuTensor) t;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOff, int lda,
              Tensor b, int bOff, int ldb, float beta, Tensor c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (!profiling) {
            gemm.sgemm(transA, transB, m, n, k, alpha, t(a), aOff, lda, t(b), bOff, ldb, beta, t(c), cOff, ldc);
            return;
        }
        long t0 = System.nanoTime();
        gemm.sgemm(transA, transB, m, n, k, alpha, t(a), aOff, lda, t(b), bOff, ldb, beta, t(c), cOff, ldc);
        gemmNanos += System.nanoTime() - t0;
        gemmCalls++;
        gemmFlops += 2.0 * m * n * k;
    }

    void addRowBias(Tensor y, int yOff, int rows, int cols, Tensor bias, int bOff) {
        FloatBuffer Y = b(y), B = b(bias);
        final float[] bc = stage1, row = stage2;
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int len = Math.min(CHUNK, cols - c0);
            B.get(bOff + c0, bc, 0, len);
            for (int r = 0; r < rows; r++) {
                int at = yOff + r * cols + c0;
                Y.get(at, row, 0, len);
                for (int j = 0; j < len; j++) {
                    row[j] += bc[j];
                }
                Y.put(at, row, 0, len);
            }
        }
    }

    void accumulateColumnSums(Tensor dy, int dyOff, int rows, int cols, Tensor g, int gOff) {
        FloatBuffer D = b(dy), G = b(g);
        if (colAcc.length < cols) {
            colAcc = new float[cols];
        }
        final float[] acc = colAcc, row = stage1;
        java.util.Arrays.fill(acc, 0, cols, 0f);
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int len = Math.min(CHUNK, cols - c0);
            for (int r = 0; r < rows; r++) {   // row by row: contiguous reads
                D.get(dyOff + r * cols + c0, row, 0, len);
                for (int j = 0; j < len; j++) {
                    acc[c0 + j] += row[j];
                }
            }
        }
        for (int c = 0; c < cols; c++) {
            G.put(gOff + c, G.get(gOff + c) + acc[c]);
        }
    }

    void sumOverTime(Tensor x, int n, int times, Tensor out) {
        FloatBuffer X = b(x), O = b(out);
        final float[] acc = stage1, row = stage2;
        for (int c = 0; c < n; c += CHUNK) {
            int len = Math.min(CHUNK, n - c);
            X.get(c, acc, 0, len);
            for (int t = 1; t < times; t++) {
                X.get(t * n + c, row, 0, len);
                for (int j = 0; j < len; j++) {
                    acc[j] += row[j];
                }
            }
            O.put(c, acc, 0, len);
        }
    }

    void addTransposed(Tensor src, int rows, int cols, Tensor dst, int dOff) {
        FloatBuffer S = b(src), D = b(dst);
        for (int c = 0; c < cols; c++) {
            int db = dOff + c * rows;
            for (int r = 0; r < rows; r++) {
                D.put(db + r, D.get(db + r) + S.get(r * cols + c));
            }
        }
    }
}
