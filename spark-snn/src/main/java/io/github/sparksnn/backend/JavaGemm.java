package io.github.sparksnn.backend;

import java.nio.FloatBuffer;

/** Pure-Java GEMM: the fallback when native OpenBLAS cannot be loaded (correct, but many times slower). */
final class JavaGemm implements Gemm {
    @Override
    public String describe() {
        return "pure-Java GEMM (slow fallback)";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      CpuTensor a, int aOff, int lda, CpuTensor b, int bOff, int ldb, float beta,
                      CpuTensor c, int cOff, int ldc) {
        FloatBuffer A = a.buf, B = b.buf, C = c.buf;
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                C.put(ci + j, beta == 0f ? 0f : beta * C.get(ci + j));
            }
            for (int p = 0; p < k; p++) {
                float av = alpha * (transA ? A.get(aOff + p * lda + i) : A.get(aOff + i * lda + p));
                if (av == 0f) {
                    continue;
                }
                if (!transB) {
                    int bp = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        C.put(ci + j, C.get(ci + j) + av * B.get(bp + j));
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        C.put(ci + j, C.get(ci + j) + av * B.get(bOff + j * ldb + p));
                    }
                }
            }
        }
    }
}
