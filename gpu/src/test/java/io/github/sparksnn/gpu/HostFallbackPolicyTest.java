package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The rule for a layer the CUDA backend has no device code for (here a user surrogate, which ships no PTX and which
 * {@code FormulaPtx} does not translate, so only nvcc can give it a module; the emulator was not built with it, as a
 * driver-only executor has no module for one; a {@code Formula} now always has one): with host fallback (the default, {@code backend=auto}) it
 * runs on the host, the CPU's bits, with one warning per JVM naming the layer however many backends meet it; without
 * (the backend asked for by name, {@code backend=cuda}) it fails naming the layer and what to do, before anything is
 * written. {@code EmulatedCudaSparkTest} checks the same through Spark with nvcc hidden. Skips, visibly, without g++.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostFallbackPolicyTest {
    /** A user surrogate no other test uses, so that this JVM has not warned about it yet. */
    private static final SurrogateFunction SG = new UserTanh(3.25);

    /** A user surrogate: g(x) = (1 + tanh(a x)) / 2, g'(x) = a (1 - tanh^2(a x)) / 2, its CUDA code written by hand. */
    static final class UserTanh extends SurrogateFunction {
        private static final long serialVersionUID = 1L;
        private final double a;

        UserTanh(double a) {
            super(true);
            this.a = requireFinite("UserTanh", "a", a);
        }

        @Override public String name() { return "UserTanh"; }
        @Override public Map<String, Double> parameters() { return params("a", a); }
        @Override public double primitive(double x) { return 0.5 + Math.tanh(a * x) / 2; }
        @Override public double gradient(double x) { return a * (1 - Math.tanh(a * x) * Math.tanh(a * x)) / 2; }
        @Override public String cudaCode(String x, String y, CudaDtype dtype) {
            if (dtype != CudaDtype.FLOAT) {
                throw new UnsupportedOperationException("float only");
            }
            String t = "usertanh_" + x + "_t";
            return "const float " + t + " = tanhf(" + cudaFloat(a) + " * " + x + ");\nconst float " + y + " = "
                    + cudaFloat(a / 2) + " * (1.0f - " + t + " * " + t + ");\n";
        }
        @Override public SurrogateFunction copy() { return new UserTanh(a).setSpikingMode(isSpiking()); }
    }
    private static final NeuronOp OP = new NeuronOp(true, true, 0.5f, 1f, 0f, SG, false);
    private static final int T = 3;
    private static final int N = 70;
    private HostEmulator emu;

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue(HostEmulator.unavailableReason().isEmpty(),
                () -> "SKIPPED (visible): " + HostEmulator.unavailableReason().get());
        emu = HostEmulator.start(HostEmulator.builtInSurrogates());
    }

    @AfterAll
    void stop() {
        if (emu != null) {
            emu.stop();
        }
    }

    private static long warningsAbout(String label) {
        return CudaBackend.hostFallbackWarnings().stream().filter(w -> w.contains(label)).count();
    }

    /** dX of the layer's backward on {@code be} for fixed inputs (the forward on the same backend first). */
    private static float[] backward(io.github.sparksnn.backend.Backend be) {
        Random r = new Random(3);
        float[] x = new float[T * N], ds = new float[T * N], dx = new float[T * N];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2.5f * r.nextFloat() - 0.5f;
            ds[i] = 2f * r.nextFloat() - 1f;
        }
        try (Tensor X = be.alloc(T * N); Tensor H = be.alloc(T * N); Tensor S = be.alloc(T * N); Tensor V = be.alloc(N);
             Tensor DS = be.alloc(T * N); Tensor DX = be.alloc(T * N)) {
            be.upload(x, 0, X, 0, x.length);
            be.upload(ds, 0, DS, 0, ds.length);
            be.fill(V, 0, N, OP.vInit());
            be.neuronForward(OP, T, N, X, H, S, V);
            be.neuronBackward(OP, T, N, DS, H, S, null, DX, false);
            be.download(DX, 0, dx, 0, dx.length);
        }
        return dx;
    }

    @Test
    void withFallbackTheLayerRunsOnTheHostWithOneWarningPerJvm() {
        String label = NeuronKernelSource.label(SG);
        assertEquals(0, warningsAbout(label), "no warning before the layer ran");
        float[] want;
        try (CpuBackend cpu = new CpuBackend(1, true)) {
            want = backward(cpu);
        }
        for (int i = 0; i < 2; i++) { // two backends (two tasks of one executor): one warning in all
            try (CudaBackend gpu = new CudaBackend(new RecordingStream(emu, () -> { }))) {
                assertTrue(gpu.hostFallback());
                assertArrayEquals(want, backward(gpu), "the host fallback is the CPU's loop: its bits");
                assertTrue(gpu.hostFallbacks().containsKey(label), gpu.hostFallbacks().toString());
            }
            List<String> w = CudaBackend.hostFallbackWarnings().stream().filter(s -> s.contains(label)).toList();
            assertEquals(1, w.size(), "one warning per JVM: " + w);
            assertTrue(w.get(0).startsWith("CUDA backend: the lif/plif layer with surrogate " + label
                    + " has no device code for its backward (") && w.get(0).contains("runs on the host CPU")
                    && w.get(0).contains("nvcc"), w.get(0));
        }
    }

    @Test
    void withoutFallbackTheLayerFailsNamingItself() {
        String label = NeuronKernelSource.label(SG);
        try (CudaBackend gpu = new CudaBackend(new RecordingStream(emu, () -> { }), false)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> backward(gpu));
            String m = e.getMessage();
            assertTrue(m.startsWith("CUDA backend (asked for by name, so no CPU fallback): the lif/plif layer with"
                    + " surrogate " + label + " has no device code for its backward on this machine ("), m);
            assertTrue(m.contains("nvcc") && m.contains("backend=auto to run that layer's backward on the CPU"), m);
            assertTrue(gpu.hostFallbacks().isEmpty(), "nothing ran on the host: " + gpu.hostFallbacks());
        }
    }
}
