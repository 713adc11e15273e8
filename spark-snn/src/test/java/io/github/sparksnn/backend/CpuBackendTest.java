package io.github.sparksnn.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.Tag("native-kernels") // also run under other OpenBLAS/ATen/AVX kernel choices (pom.xml)
class CpuBackendTest {
    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Test
    void nativeAndJavaGemmAgreeWithADoubleReferenceForEveryTranspose() {
        try (CpuBackend nat = new CpuBackend(1); CpuBackend java = new CpuBackend(1, true)) {
            assertTrue(nat.nativeBlas(), "native OpenBLAS should load on this platform");
            // 1 and 7 rows go through sgemv row by row (NativeGemm.GEMV_MAX_ROWS), the last through sgemm
            for (int m : new int[]{1, 7, NativeGemm.GEMV_MAX_ROWS + 3}) {
                int n = 5, k = 9;
                for (boolean ta : new boolean[]{false, true}) {
                    for (boolean tb : new boolean[]{false, true}) {
                        float[] a = random(m * k + 3, 1), b = random(k * n + 2, 2), c0 = random(m * n + 1, 3);
                        int lda = ta ? m : k, ldb = tb ? k : n;
                        double[] ref = new double[m * n];
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double s = 0;
                                for (int p = 0; p < k; p++) {
                                    double av = ta ? a[3 + p * lda + i] : a[3 + i * lda + p];
                                    double bv = tb ? b[2 + j * ldb + p] : b[2 + p * ldb + j];
                                    s += av * bv;
                                }
                                ref[i * n + j] = 1.5 * s + 0.5 * c0[1 + i * n + j];
                            }
                        }
                        for (CpuBackend be : new CpuBackend[]{nat, java}) {
                            Tensor A = be.alloc(a.length), B = be.alloc(b.length), C = be.alloc(c0.length);
                            be.upload(a, 0, A, 0, a.length);
                            be.upload(b, 0, B, 0, b.length);
                            be.upload(c0, 0, C, 0, c0.length);
                            be.gemm(ta, tb, m, n, k, 1.5f, A, 3, lda, B, 2, ldb, 0.5f, C, 1, n);
                            float[] c = new float[c0.length];
                            be.download(C, 0, c, 0, c.length);
                            assertEquals(c0[0], c[0], "element before the offset untouched");
                            for (int i = 0; i < m * n; i++) {
                                assertEquals(ref[i], c[1 + i], 1e-5,
                                        be.describe() + " m=" + m + " ta=" + ta + " tb=" + tb + " i=" + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /** An empty inner dimension: C = beta * C on both GEMMs, also for the few-row products that take sgemv. */
    @Test
    void anEmptyInnerDimensionScalesCByBeta() {
        try (CpuBackend nat = new CpuBackend(1); CpuBackend portable = new CpuBackend(1, true)) {
            for (CpuBackend be : new CpuBackend[]{nat, portable}) {
                for (int m : new int[]{3, NativeGemm.GEMV_MAX_ROWS + 3}) {
                    int n = 4;
                    Tensor a = be.alloc(1), b = be.alloc(1), c = be.alloc(m * n);
                    float[] nan = new float[m * n];
                    java.util.Arrays.fill(nan, Float.NaN);
                    be.upload(nan, 0, c, 0, nan.length);
                    be.gemm(false, false, m, n, 0, 1f, a, 0, 1, b, 0, n, 0f, c, 0, n);
                    float[] out = new float[m * n];
                    be.download(c, 0, out, 0, out.length);
                    for (float v : out) {
                        assertEquals(0f, v, be.describe() + " m=" + m + ": beta = 0 overwrites C");
                    }
                    float[] twos = new float[m * n];
                    java.util.Arrays.fill(twos, 2f);
                    be.upload(twos, 0, c, 0, twos.length);
                    be.gemm(false, false, m, n, 0, 1f, a, 0, 1, b, 0, n, 0.5f, c, 0, n);
                    be.download(c, 0, out, 0, out.length);
                    for (float v : out) {
                        assertEquals(1f, v, be.describe() + " m=" + m + ": C = 0.5 * C");
                    }
                }
            }
        }
    }

    @Test
    void theCounterRngIsSplitMix64() {
        // SplitMix64's published first outputs for seed 0 are bits(0, 1), bits(0, 2), bits(0, 3).
        assertEquals(0xE220A8397B1DCDAFL, CounterRng.bits(0, 1));
        assertEquals(0x6E789E6AA1B965F4L, CounterRng.bits(0, 2));
        assertEquals(0x06C45D188009454FL, CounterRng.bits(0, 3));
        // A far counter (recomputed in Python's big integers), and the state-plus-offset form the loops use.
        assertEquals(0xC46C44AD2AD94C48L, CounterRng.bits(12345, 1_000_000_000_000L));
        long state = CounterRng.state(12345, 1_000_000_000_000L - 7);
        assertEquals(CounterRng.bits(12345, 1_000_000_000_000L), CounterRng.mix(state + 7 * CounterRng.GOLDEN));
    }

    @Test
    void eachNativeBackendRunsItsGemmsOnItsOwnThreadCountThoughOpenBlasHasOneSetting() {
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            assertEquals(2, org.bytedeco.openblas.global.openblas_nolapack.blas_get_num_threads(),
                    "the engine created last set the process-wide count");
            Tensor a = one.alloc(4);
            one.gemm(false, false, 2, 2, 1, 1f, a, 0, 1, a, 0, 2, 0f, a, 0, 2);
            assertEquals(1, org.bytedeco.openblas.global.openblas_nolapack.blas_get_num_threads(),
                    "a 1-thread engine's GEMM runs on 1 thread again");
            Tensor b = two.alloc(4);
            two.gemm(false, false, 2, 2, 1, 1f, b, 0, 1, b, 0, 2, 0f, b, 0, 2);
            assertEquals(2, org.bytedeco.openblas.global.openblas_nolapack.blas_get_num_threads());
        }
    }

    @Test
    void poissonEncodingFollowsTheCounterDefinitionForAnyAlignment() {
        try (CpuBackend be = new CpuBackend()) {
            for (int features : new int[]{7, 8, 37, 784}) { // short rows and an image's
                for (long base : new long[]{0, 3}) {
                    int n = features == 784 ? 21 : 5, T = 3;
                    float[] x = random(n * features, features);
                    x[0] = 0f;
                    x[1] = 1f;
                    x[2] = Float.NaN;
                    x[3] = 1.5f;
                    // every class of input in every lane position: signs, zeros, infinities, the 2^-24 grid, its
                    // neighbours, subnormals
                    float[] special = {-0f, -1f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0x1p-24f,
                        Math.nextUp(0x1p-24f), Math.nextDown(0x1p-24f), 0.5f, Math.nextUp(0.5f), Math.nextDown(1f),
                        Float.MIN_VALUE, 3e-39f, Float.MAX_VALUE, -Float.NaN, 0x1.000002p-1f, 0.999f};
                    for (int i = 4; i < x.length; i += 3) {
                        x[i] = special[(i / 3) % special.length];
                    }
                    Tensor X = be.alloc(x.length), O = be.alloc(T * n * features);
                    be.upload(x, 0, X, 0, x.length);
                    be.poissonEncode(X, n, features, T, 99, base, O);
                    float[] o = new float[T * n * features];
                    be.download(O, 0, o, 0, o.length);
                    for (int s = 0; s < n; s++) {
                        for (int t = 0; t < T; t++) {
                            for (int f = 0; f < features; f++) {
                                float u = CounterRng.uniform(99, base + ((long) s * T + t) * features + f);
                                float expect = u < x[s * features + f] ? 1f : 0f;
                                assertEquals(expect, o[(t * n + s) * features + f], "s=" + s + " t=" + t + " f=" + f);
                            }
                        }
                    }
                    for (int t = 0; t < T; t++) {
                        assertEquals(0f, o[t * n * features]);      // x = 0 never fires
                        assertEquals(1f, o[t * n * features + 1]);  // x = 1 always fires
                        assertEquals(0f, o[t * n * features + 2]);  // NaN never fires
                        assertEquals(1f, o[t * n * features + 3]);  // x > 1 always fires
                    }
                }
            }
            // the firing rate estimates the input value
            int n = 20000;
            float[] x = new float[n];
            java.util.Arrays.fill(x, 0.3f);
            Tensor X = be.alloc(n), O = be.alloc(n);
            be.upload(x, 0, X, 0, n);
            be.poissonEncode(X, 1, n, 1, 5, 0, O);
            float[] o = new float[n];
            be.download(O, 0, o, 0, n);
            double rate = 0;
            for (float v : o) {
                rate += v;
            }
            rate /= n;
            assertEquals(0.3, rate, 4 * Math.sqrt(0.3 * 0.7 / n));
        }
    }

    @Test
    void dropoutMaskIsScaledAndSharedOverTime() {
        try (CpuBackend be = new CpuBackend()) {
            int n = 4000, T = 3;
            Tensor M = be.alloc(n), X = be.alloc(T * n), Y = be.alloc(T * n);
            be.dropoutMask(M, 1, n, 0.25f, 7, 0);
            float[] m = new float[n];
            be.download(M, 0, m, 0, n);
            int kept = 0;
            for (float v : m) {
                assertTrue(v == 0f || v == 1f / 0.75f, "mask value " + v);
                kept += v > 0 ? 1 : 0;
            }
            assertEquals(0.75 * n, kept, 4 * Math.sqrt(n * 0.25 * 0.75));
            float[] x = random(T * n, 3);
            be.upload(x, 0, X, 0, x.length);
            be.multiplyShared(X, M, n, T, Y);
            float[] y = new float[T * n];
            be.download(Y, 0, y, 0, y.length);
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < n; i++) {
                    assertEquals(x[t * n + i] * m[i], y[t * n + i]);
                }
            }
        }
    }

    @Test
    void fillCopyAndReductionsAreExact() {
        try (CpuBackend be = new CpuBackend()) {
            Tensor t = be.alloc(3000);
            be.fill(t, 10, 2500, 2.5f);
            float[] a = new float[3000];
            be.download(t, 0, a, 0, 3000);
            for (int i = 0; i < 3000; i++) {
                assertEquals(i >= 10 && i < 2510 ? 2.5f : 0f, a[i]);
            }
            be.fill(t, 100, 50, 0f);
            be.download(t, 0, a, 0, 3000);
            assertEquals(0f, a[120]);
            assertEquals(2.5f, a[99]);
            // column sums and row bias on a 3 x 1500 matrix
            int rows = 3, cols = 1500;
            float[] m = random(rows * cols, 4);
            Tensor M = be.alloc(rows * cols), G = be.alloc(cols);
            be.upload(m, 0, M, 0, m.length);
            be.fill(G, 0, cols, 1f);
            be.accumulateColumnSums(M, 0, rows, cols, G, 0);
            float[] g = new float[cols];
            be.download(G, 0, g, 0, cols);
            for (int c = 0; c < cols; c++) {
                assertEquals(1f + m[c] + m[cols + c] + m[2 * cols + c], g[c], 1e-5f);
            }
            be.addRowBias(M, 0, rows, cols, G, 0);
            float[] m2 = new float[rows * cols];
            be.download(M, 0, m2, 0, m2.length);
            for (int i = 0; i < m2.length; i++) {
                assertEquals(m[i] + g[i % cols], m2[i], 1e-6f);
            }
            float[] back = new float[10];
            Tensor c = be.alloc(10);
            be.copy(M, 5, c, 0, 10);
            be.download(c, 0, back, 0, 10);
            assertArrayEquals(java.util.Arrays.copyOfRange(m2, 5, 15), back);
        }
    }
}
