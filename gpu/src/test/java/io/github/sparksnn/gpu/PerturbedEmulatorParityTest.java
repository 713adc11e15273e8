package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CudaParityContract} on a {@link HostEmulator} whose transcendentals ({@code expf}, {@code powf},
 * {@code cosf}, ...) are each moved by up to {@value #ULP} ulp, CUDA's documented worst case for {@code powf} (2 for
 * {@code expf}, {@code cosf}, {@code atanf}): the contract's tolerances hold for any device library, not only for
 * glibc's. {@link #thePerturbationIsReal()} shows the emulator really does move the results. Skips without g++.
 */
class PerturbedEmulatorParityTest extends CudaParityContract {
    static final int ULP = 4;
    private HostEmulator emu;
    private String why;

    @Override
    String unavailableReason() {
        if (emu == null && why == null) {
            why = HostEmulator.unavailableReason().orElse(null);
            if (why == null) {
                try {
                    emu = HostEmulator.start(HostEmulator.builtInSurrogates(), ULP);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot build the CUDA host emulator", e);
                }
            }
        }
        return why;
    }

    @Override
    CudaBackend newGpu() {
        return new CudaBackend(emu);
    }

    @Override
    int largeTransfer() {
        return 10_007;
    }

    @Override
    boolean fullSize() {
        return false;
    }

    @Test
    void thePerturbationIsReal() throws Exception {
        SurrogateFunction sigmoid = Surrogates.create("Sigmoid", Map.of());   // g' = s (1 - s), s from expf
        int n = 2001;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = -3f + 6f * i / (n - 1);
        }
        HostEmulator plain = HostEmulator.start(HostEmulator.builtInSurrogates(), 0);
        try (CudaBackend exact = new CudaBackend(plain); CudaBackend moved = new CudaBackend(emu)) {
            float[] a = gradient(exact, sigmoid, xs), b = gradient(moved, sigmoid, xs);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                if (a[i] != b[i]) {
                    differ++;
                }
            }
            // k = 0 for 1 in 2u+1 calls, and a moved s can round back: most, not all, results move
            assertTrue(differ > n / 2, differ + " of " + n + " results moved");
        } finally {
            plain.stop();
        }
    }

    private static float[] gradient(CudaBackend be, SurrogateFunction sg, float[] xs) {
        float[] out = new float[xs.length];
        try (Tensor x = be.alloc(xs.length); Tensor y = be.alloc(xs.length)) {
            be.upload(xs, 0, x, 0, xs.length);
            be.surrogateGradient(sg, x, y, xs.length);
            be.download(y, 0, out, 0, xs.length);
        }
        return out;
    }

    @AfterAll
    void stopEmulator() {
        if (emu != null) {
            emu.stop();
        }
    }
}
