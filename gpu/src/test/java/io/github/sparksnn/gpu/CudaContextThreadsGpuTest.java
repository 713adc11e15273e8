package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * On the device, what Spark does to an executor's engine: a backend created (and its static module loaded) on one
 * thread, then used from a fresh thread that never made the context current, for a kernel of the loaded module
 * not yet fetched ({@code column_sums}) and a kernel of a module not yet loaded (the half-precision surrogate).
 * Ordered first in the device script's JUnit run ({@code @Order(1)}), so no other class has fetched them.
 * Skips, visibly, without CUDA; {@code CudaContextThreadingTest} proves the same without a GPU.
 */
@Order(1)
class CudaContextThreadsGpuTest {

    @Test
    void aBackendMadeOnOneThreadRunsNotYetLoadedKernelsOnAnother() throws Exception {
        Assumptions.assumeTrue(CudaBackends.isAvailable(), () -> "SKIPPED (visible): no GPU: " + CudaBackends.unavailableReason());
        AtomicReference<CudaBackend> made = new AtomicReference<>();
        Thread a = new Thread(() -> {
            CudaBackend be = CudaBackends.create(0);
            try (Tensor x = be.alloc(4); Tensor y = be.alloc(4)) {
                be.gemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, y, 0, 2);   // loads kernels.cu
                be.synchronize();
            }
            made.set(be);
        }, "task-1");
        a.start();
        a.join();
        CudaBackend be = made.get();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        float[][] result = new float[2][];
        Thread b = new Thread(() -> {
            try (Tensor dy = be.alloc(6); Tensor g = be.alloc(3); Tensor x = be.alloc(4); Tensor y = be.alloc(4)) {
                be.upload(new float[] {1, 2, 3, 4, 5, 6}, 0, dy, 0, 6);
                be.accumulateColumnSums(dy, 0, 2, 3, g, 0);   // g starts at zero (alloc)
                result[0] = new float[3];
                be.download(g, 0, result[0], 0, 3);
                SurrogateFunction sg = Surrogates.create("Rect", Map.of());
                be.upload(new float[] {-1f, -0.25f, 0.25f, 1f}, 0, x, 0, 4);
                be.surrogateGradientHalf(sg, x, y, 4);
                result[1] = new float[4];
                be.download(y, 0, result[1], 0, 4);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "task-2");
        b.start();
        b.join();
        be.close();
        if (failure.get() != null) {
            throw new AssertionError("the second thread failed: " + failure.get(), failure.get());
        }
        assertArrayEquals(new float[] {5, 7, 9}, result[0]);
        // Rect(alpha=1)'s gradient at -1, -0.25, 0.25, 1 is 0, 1, 1, 0: exact in half precision.
        SurrogateFunction rect = Surrogates.create("Rect", Map.of());
        float[] want = new float[4];
        float[] xs = {-1f, -0.25f, 0.25f, 1f};
        for (int i = 0; i < 4; i++) {
            want[i] = (float) rect.gradient(xs[i]);
        }
        assertArrayEquals(new float[] {0, 1, 1, 0}, want, "the reference itself");
        assertArrayEquals(want, result[1], "the half2 surrogate kernel ran on the second thread");
    }
}
