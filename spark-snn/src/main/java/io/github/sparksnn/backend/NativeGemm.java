package io.github.sparksnn.backend;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/** cblas_sgemm from {@code org.bytedeco:openblas} on off-heap pointers (no JNI array copies). */
final class NativeGemm implements Gemm {
    /**
     * OpenBLAS's thread count is one setting for the whole process: the count the last engine asked for. Each call
     * sets this engine's count again when another engine changed it; otherwise a 1-thread engine created before a
     * 2-thread one would run its GEMMs on 2 threads, and data-parallel replicas (1 thread each, one per core) would
     * oversubscribe the cores (measured: `bench train --threads 2` ran its data-parallel engine at 0.89x of one
     * thread after the split-GEMM engine had set 2). Engines with different counts that run at the same time
     * still share one setting.
     */
    private static volatile int processThreads = -1;

    /**
     * Up to this many rows of A (untransposed), a product runs as one {@code cblas_sgemv} per row. For a few rows,
     * sgemm's cost is packing all of B, once per call: a stream steps one key's 1 to 5 events at a time, and at 1
     * (5) rows of the default MLP's 784 x 512 layer sgemm ran at 1/15 (1/5) of its rate on 256 rows, while sgemv
     * streams B once per row from cache without packing it. The choice depends only on the shape, so a given
     * shape always sums in the same order.
     */
    static final int GEMV_MAX_ROWS = Integer.getInteger("snn.gemvMaxRows", 8);

    private final int threads;
    private final String description;

    /** Loads the library and pins its thread count; throws if the native library cannot be loaded. */
    NativeGemm(int threads) {
        Loader.load(openblas_nolapack.class);
        this.threads = threads;
        useThreads();
        this.description = "native OpenBLAS via org.bytedeco:openblas, "
                + openblas_nolapack.blas_get_num_threads() + " thread(s)";
    }

    private void useThreads() {
        openblas_nolapack.blas_set_num_threads(threads);
        processThreads = threads;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      CpuTensor a, int aOff, int lda, CpuTensor b, int bOff, int ldb, float beta,
                      CpuTensor c, int cOff, int ldc) {
        if (processThreads != threads) {
            useThreads();
        }
        // k = 0 or n = 0 stays on sgemm: sgemv returns at once on an empty dimension, leaving C as it was, where
        // sgemm sets C = beta * C (with beta = 0, zeros whatever C held).
        if (!transA && m <= GEMV_MAX_ROWS && k > 0 && n > 0) {
            gemvRows(transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        FloatPointer pa = a.ptr.position(aOff);
        FloatPointer pb = b.ptr.position(bOff);
        FloatPointer pc = c.ptr.position(cOff);
        try {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                    transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        } finally {
            a.ptr.position(0);
            b.ptr.position(0);
            c.ptr.position(0);
        }
    }

    /** {@code C[i] = alpha * op(B)^T A[i] + beta * C[i]} for each row {@code i}: B is {@code [n, k]} when transposed. */
    private static void gemvRows(boolean transB, int m, int n, int k, float alpha, CpuTensor a, int aOff, int lda,
                                 CpuTensor b, int bOff, int ldb, float beta, CpuTensor c, int cOff, int ldc) {
        FloatPointer pb = b.ptr.position(bOff);
        try {
            for (int i = 0; i < m; i++) {
                FloatPointer pa = a.ptr.position(aOff + (long) i * lda);
                FloatPointer pc = c.ptr.position(cOff + (long) i * ldc);
                if (transB) {
                    openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                            n, k, alpha, pb, ldb, pa, 1, beta, pc, 1);
                } else {
                    openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans,
                            k, n, alpha, pb, ldb, pa, 1, beta, pc, 1);
                }
            }
        } finally {
            a.ptr.position(0);
            b.ptr.position(0);
            c.ptr.position(0);
        }
    }
}
