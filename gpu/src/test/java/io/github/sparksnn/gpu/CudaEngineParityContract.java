package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine.StepStats;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Whole-network gradient parity: the training engine on the CUDA backend against the same engine on the CPU
 * backend (same spec, parameters, data and seed), for an MLP and a convolutional net that uses every layer kind.
 * Forward spikes are bit-identical op by op, but GEMM rounding differs, so a membrane potential within rounding of
 * the threshold can fire on one backend and not the other; the check is therefore on the whole gradient vector
 * (relative L2 error, cosine) and the loss, not element by element, within {@link #gradientTolerance()}. Run on the GPU ({@link CudaEngineParityTest})
 * and on the host emulator ({@link EmulatedCudaEngineParityTest}, smaller sizes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CudaEngineParityContract {
    static final String MLP = "flatten | linear(784, 256) | lif(surrogate=ATan()) | linear(256, 10) | lif(surrogate=ATan())";
    static final String CONV = "conv2d(1, 6, 3, padding=1) | batchnorm2d(6) | plif(surrogate=Sigmoid()) | maxpool2d(2)"
            + " | conv2d(6, 8, 3, stride=2, bias=false) | if(surrogate=Erf(), v_reset=none) | avgpool2d(2)"
            + " | flatten | dropout(0.2) | linear(8, 10) | batchnorm1d(10) | lif(surrogate=PiecewiseQuadratic(), detach_reset=true)";

    /** Null when the backend under test can run here, else why not. */
    abstract String unavailableReason();

    abstract CudaBackend newGpu();

    /** Hidden width of the MLP and batch size: 256 and 128 on the GPU, smaller on the emulator. */
    abstract int[] mlpHiddenAndBatch();

    /**
     * Largest relative L2 error of the gradient (and relative loss difference) accepted: rounding only. The emulator
     * shows 1e-7 to 3e-7, also with every transcendental moved by 4 ulp ({@link PerturbedEmulatorEngineParityTest}),
     * so 1e-5 here; the device ({@link CudaEngineParityTest}) allows 1e-4 for its own GEMM summation order over up to
     * 784 terms. No tolerance here absorbs a flipped spike: one hidden spike firing on one backend only moves the
     * gradient by ~1e-1. These spiking-mode comparisons therefore hold only while no membrane potential on these
     * inputs lies within rounding of its threshold, which this test cannot check yet (the CUDA backend has no smooth
     * mode to compare in, and the engines expose no potentials). A failure near 1e-1 is a flip to investigate on
     * that machine, never a tolerance to raise; the CPU-only comparisons against native kernels
     * ({@code TorchTwinTest}) compare in smooth mode and on margin-checked inputs instead.
     */
    double gradientTolerance() {
        return 1e-5;
    }

    @BeforeEach
    void needBackend() {
        String why = unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED (visible): " + why);
    }

    private static float[] images(int n, int f, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    private static int[] labels(int n, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
        }
        return y;
    }

    private void compare(EngineConfig cfg, int batch) {
        try (CpuGradientEngine c = new CpuGradientEngine(cfg, new CpuBackend(1));
             CpuGradientEngine g = new CpuGradientEngine(cfg, newGpu())) {
            assertArrayEquals(c.parameters(), g.parameters(), "same initial parameters");
            float[] x = images(batch, c.featureSize(), 3);
            int[] y = labels(batch, c.numClasses(), 4);
            for (int step = 0; step < 3; step++) {
                float[] gc = new float[c.numParameters()], gg = new float[g.numParameters()];
                StepStats sc = c.accumulateGradient(x, y, 0, batch, 100 + step, gc);
                StepStats sg = g.accumulateGradient(x, y, 0, batch, 100 + step, gg);
                double dot = 0, nc = 0, ng = 0, diff = 0;
                for (int i = 0; i < gc.length; i++) {
                    dot += (double) gc[i] * gg[i];
                    nc += (double) gc[i] * gc[i];
                    ng += (double) gg[i] * gg[i];
                    diff += ((double) gc[i] - gg[i]) * ((double) gc[i] - gg[i]);
                }
                double rel = Math.sqrt(diff / nc), cos = dot / Math.sqrt(nc * ng);
                System.out.printf("%s step %d: loss cpu %.6f gpu %.6f, gradient rel L2 error %.2e, cosine %.8f%n",
                        cfg.spec(), step, sc.lossSum(), sg.lossSum(), rel, cos);
                assertTrue(nc > 0, "the gradient is not zero");
                assertEquals(sc.count(), sg.count());
                assertEquals(sc.lossSum(), sg.lossSum(), gradientTolerance() * Math.abs(sc.lossSum()) + 1e-6, "loss");
                assertTrue(rel < gradientTolerance(), "gradient relative L2 error " + rel + " (tolerance "
                        + gradientTolerance() + ")");
                assertTrue(cos > 1 - gradientTolerance(), "gradient cosine " + cos);
                // a small SGD step so later steps see different parameters (same update on both)
                float[] p = c.parameters();
                for (int i = 0; i < p.length; i++) {
                    p[i] -= 0.05f * gc[i] / batch;
                }
                c.setParameters(p);
                g.setParameters(p);
            }
            float[] rc = new float[batch * c.numClasses()], rg = new float[batch * g.numClasses()];
            c.predictRates(x, 0, batch, 9, rc);
            g.predictRates(x, 0, batch, 9, rg);
            int same = 0;
            for (int i = 0; i < rc.length; i++) {
                same += rc[i] == rg[i] ? 1 : 0;
            }
            assertTrue(same >= 0.99 * rc.length, "inference rates agree on " + same + " of " + rc.length);
        }
    }

    @Test
    void mlpGradientsMatchTheCpu() {
        int hidden = mlpHiddenAndBatch()[0], batch = mlpHiddenAndBatch()[1];
        compare(EngineConfig.builder().modelSpec(MLP.replace("256", Integer.toString(hidden))).inputShape(1, 28, 28)
                .timeSteps(4).encoder("poisson").loss("mse").seed(7).maxChunk(batch).build(), batch);
    }

    /** The spiking CNN of issue 11, narrow: its neurons pool their own spikes, the first from the static input. */
    static final String CSNN = "conv2d(1, 4, 3, padding=1, bias=false) | batchnorm2d(4) | if(surrogate=ATan(alpha=2.0))"
            + " | maxpool2d(2) | conv2d(4, 4, 3, padding=1, bias=false) | batchnorm2d(4) | if(surrogate=ATan(alpha=2.0))"
            + " | maxpool2d(2) | flatten | linear(36, 10) | if(surrogate=ATan(alpha=2.0))";

    @Test
    void spikingCnnWithFusedNeuronsMatchesTheCpu() {
        compare(EngineConfig.builder().modelSpec(CSNN).inputShape(1, 12, 12).timeSteps(4).encoder("direct")
                .loss("mse").seed(5).maxChunk(64).build(), 24);
    }

    @Test
    void convNetWithEveryLayerKindMatchesTheCpu() {
        compare(EngineConfig.builder().modelSpec(CONV).inputShape(1, 12, 12).timeSteps(3).encoder("direct")
                .loss("ce").seed(11).maxChunk(64).build(), 24);
    }
}
