package io.github.sparksnn.backend;

/** Row-major single-precision GEMM on CPU tensors (native OpenBLAS or the pure-Java fallback). */
interface Gemm {
    String describe();

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               CpuTensor a, int aOff, int lda, CpuTensor b, int bOff, int ldb, float beta, CpuTensor c, int cOff, int ldc);
}
