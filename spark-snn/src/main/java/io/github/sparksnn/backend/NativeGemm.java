package io.github.sparksnn.backend;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/** cblas_sgemm from {@code org.bytedeco:openblas} on off-heap pointers (no JNI array copies). */
final class NativeGemm implements Gemm {
    private final String description;

    /** Loads the library and pins its thread count; throws if the native library cannot be loaded. */
    NativeGemm(int threads) {
        Loader.load(openblas_nolapack.class);
        openblas_nolapack.blas_set_num_threads(threads);
        this.description = "native OpenBLAS via org.bytedeco:openblas, "
                + openblas_nolapack.blas_get_num_threads() + " thread(s)";
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      CpuTensor a, int aOff, int lda, CpuTensor b, int bOff, int ldb, float beta,
                      CpuTensor c, int cOff, int ldc) {
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
}
