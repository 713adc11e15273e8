package io.github.sparksnn.train;

import io.github.sparksnn.FreshJvm;
import io.github.sparksnn.backend.CpuBackend;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which bits depend on the CPU. Native GEMM kernels do: OpenBLAS picks them by core type (with or without FMA,
 * each in its own summation order). Nothing else in the CPU engine may: the Vector API kernels must give the scalar
 * loops' floats whatever the lane width, so {@code backend=cpu-portable} (the pure-Java GEMM) trains to the same
 * bits on every x86-64 CPU. Checked by training the same steps here and in a fresh JVM under other kernel choices:
 * OpenBLAS's Sandybridge kernels and C2 limited to AVX2 (256-bit lanes where this CPU may have 512).
 */
class PortableBitsTest {
    /** A convolution (im2col GEMMs), batch norm and LIF layers past the Vector API's 16,384-neuron threshold. */
    static final String SPEC = "conv2d(1, 4, 3, padding=1) | batchnorm2d(4) | lif(surrogate=ATan()) | maxpool2d(2) "
            + "| flatten | linear(144, 10) | lif(surrogate=Sigmoid())";

    /** Trains three SGD steps of 64 Poisson-coded images on {@code backend}; prints the SHA-256 of the bits. */
    public static void main(String[] args) {
        System.out.println("bits=" + trainedBits(args[0]));
    }

    static String trainedBits(String backend) {
        EngineConfig cfg = EngineConfig.builder().modelSpec(SPEC).inputShape(1, 12, 12).timeSteps(4)
                .encoder("poisson").loss("mse").seed(5).backend(backend).build();
        int n = 64;
        float[] x = CpuGradientEngineTest.features(n, 144, 7);
        int[] y = CpuGradientEngineTest.labels(n, 10, 8);
        try (GradientEngine e = cfg.create()) {
            float[] p = e.parameters();
            float[] g = new float[p.length];
            ByteBuffer bits = ByteBuffer.allocate(4 * p.length * 4);
            for (int step = 0; step < 3; step++) {
                java.util.Arrays.fill(g, 0f);
                e.accumulateGradient(x, y, 0, n, step, g);
                for (int i = 0; i < p.length; i++) {
                    p[i] -= 0.5f * g[i] / n;
                    bits.putFloat(g[i]);
                }
                e.setParameters(p);
            }
            for (float v : p) {
                bits.putFloat(v);
            }
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bits.array()));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void thePortableBackendTrainsToTheSameBitsUnderOtherKernels() {
        String here = trainedBits(CpuBackend.PORTABLE);
        String other = FreshJvm.value(FreshJvm.run(PortableBitsTest.class, List.of("-XX:UseAVX=2"),
                Map.of("OPENBLAS_CORETYPE", "Sandybridge", "ATEN_CPU_CAPABILITY", "default"), 300,
                CpuBackend.PORTABLE), "bits");
        assertEquals(here, other, "cpu-portable: the same gradients and parameters under AVX2 and Sandybridge kernels");
        // The Vector API's lanes alone (scalar loops forced): the same bits again.
        String scalar = FreshJvm.value(FreshJvm.run(PortableBitsTest.class, List.of("-Dsnn.vector=false"), Map.of(),
                300, CpuBackend.PORTABLE), "bits");
        assertEquals(here, scalar, "cpu-portable: the Vector API kernels give the scalar loops' bits");
    }
}
