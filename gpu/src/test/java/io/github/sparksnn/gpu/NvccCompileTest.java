package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every CUDA source compiles with nvcc ({@code -ptx -arch=compute_75 -fmad=false}); skipped, visibly, where there is
 * no CUDA toolkit (CI). The 17 generated neuron sources are compiled as one translation unit (kernel names
 * suffixed per surrogate) to keep the test to seconds; the runtime path (a user surrogate, which has no shipped
 * PTX) is compiled exactly as the backend would, while a Formula's PTX is FormulaPtx's even here; and FormulaPtx
 * against nvcc: its shipped parts are nvcc's, and nvcc's PTX of each formula computes the same bits as FormulaPtx's.
 */
class NvccCompileTest {
    private static Nvcc nvcc;

    @BeforeAll
    static void findNvcc() {
        nvcc = Nvcc.find().orElse(null);
        Assumptions.assumeTrue(nvcc != null, "SKIPPED (visible): nvcc not found (CUDA_HOME, /usr/local/cuda/bin, PATH)");
    }

    @Test
    void staticKernelsCompileAndMatchTheShippedPtx() {
        KernelSource src = KernelSource.staticKernels();
        String ptx = nvcc.compile(src);
        assertEquals("sm_75", PtxText.target(ptx));
        String shipped = PtxStore.shipped(src).orElseThrow();
        if (toolkit(ptx).equals(toolkit(shipped))) {
            assertEquals(shipped, PtxText.lowerVersion(ptx, PtxText.SHIPPED_VERSION),
                    "same nvcc, same source: the shipped PTX must be what nvcc produces (run gpu/regenerate-ptx.sh)");
        }
    }

    @Test
    void all17GeneratedNeuronSourcesCompile() {
        StringBuilder bundle = new StringBuilder();
        List<Surrogates.Descriptor> all = Surrogates.list();
        for (int i = 0; i < all.size(); i++) {
            SurrogateFunction sg = Surrogates.create(all.get(i).name(), Map.of());
            bundle.append(NeuronKernelSource.of(sg).source()
                    .replace("snn_block_sum", "snn_block_sum_" + i)
                    .replace("snn_charge_gradient", "snn_charge_gradient_" + i)
                    .replace("snn_routed", "snn_routed_" + i)
                    .replace("surrogate_gradient(", "surrogate_gradient_" + i + "(")
                    .replace("neuron_backward_static(", "neuron_backward_static_" + i + "(")
                    .replace("neuron_backward_max_pool(", "neuron_backward_max_pool_" + i + "(")
                    .replace("neuron_backward(", "neuron_backward_" + i + "(")).append('\n');
        }
        String ptx = nvcc.compile(new KernelSource("all-neurons", bundle.toString()));
        for (int i = 0; i < all.size(); i++) {
            assertTrue(PtxText.hasEntry(ptx, "neuron_backward_" + i), all.get(i).name());
            assertTrue(PtxText.hasEntry(ptx, "surrogate_gradient_" + i), all.get(i).name());
        }
        String why = PtxCompiler.unavailableReason();
        if (why == null) {
            assertTrue(PtxCompiler.compile(PtxText.lowerVersion(ptx, PtxText.SHIPPED_VERSION), "sm_90") > 1000);
        }
    }

    @Test
    void userSurrogatesCompileAtRunTimeIntoTheCache() throws Exception {
        // a parameter no test elsewhere uses, so the cache entry is (most likely) fresh; a user surrogate's constants
        // are in its text (a built-in's are kernel arguments, shipped for every value)
        KernelSource src = NeuronKernelSource.of(new HostFallbackPolicyTest.UserTanh(2.718281828));
        assertTrue(PtxStore.shipped(src).isEmpty(), "a user surrogate ships no PTX");
        assertTrue(src.compilerFreePtx().isEmpty(), "nor has one written in Java");
        Path cached = PtxStore.cacheDir().resolve(src.hash() + ".ptx");
        String ptx = PtxStore.ptx(src);
        assertTrue(PtxText.hasEntry(ptx, "neuron_backward"));
        assertTrue(Files.isRegularFile(cached), "compiled PTX is cached at " + cached);
        assertEquals(ptx, Files.readString(cached));
        assertNotEquals(PtxStore.ptx(NeuronKernelSource.of(new HostFallbackPolicyTest.UserTanh(2.0))), ptx,
                "the parameter is baked into the code");
    }

    @Test
    void aFormulasPtxIsWrittenInJavaEvenWithNvccAtHand() {
        KernelSource src = NeuronKernelSource.of(io.github.sparksnn.surrogate.Surrogates.parse(
                "Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.718281828)"));
        assertTrue(PtxStore.shipped(src).isEmpty(), "a Formula ships no PTX of its own");
        String ptx = PtxStore.ptx(src);
        assertTrue(ptx.contains("written by io.github.sparksnn.gpu.FormulaPtx"), "FormulaPtx, not nvcc");
        assertEquals(src.compilerFreePtx().orElseThrow().get(), ptx);
    }

    @Test
    void compileErrorsCarryNvccsLog() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> nvcc.compile(new KernelSource("broken.cu", "extern \"C\" __global__ void f() { undefined_x = 1; }")));
        assertTrue(e.getMessage().contains("broken.cu") && e.getMessage().contains("undefined_x"), e.getMessage());
    }

    /** The shipped parts of a formula's kernels ({@link FormulaPtx.Part}) are what this nvcc builds from their sources. */
    @Test
    void theShippedFormulaPartsAreWhatNvccBuilds() {
        String shippedToolkit = toolkit(FormulaPtx.shipped(FormulaPtx.Part.MATH).orElseThrow());
        for (FormulaPtx.Part part : FormulaPtx.Part.values()) {
            String fresh = nvcc.compile(part.source());
            Assumptions.assumeTrue(toolkit(fresh).equals(shippedToolkit), () -> "SKIPPED (visible): this nvcc ("
                    + toolkit(fresh) + ") is not the one that built the parts (" + shippedToolkit + ")");
            assertEquals(FormulaPtx.shipped(part).orElseThrow(), PtxText.lowerVersion(fresh, PtxText.SHIPPED_VERSION),
                    part + ": run gpu/regenerate-ptx.sh and commit");
        }
    }

    /**
     * For every snippet of {@link FormulaPtxTest#snippets()}, nvcc's own PTX of the formula's CUDA C
     * ({@code -rdc=true -fmad=false}, the math functions declared as the wrappers {@code snn_expf}, ... so that both
     * sides call the same functions) computes the same bits as the PTX {@link FormulaPtx} writes, both run by
     * {@link PtxInterpreter} over {@link FormulaPtxTest#inputs}, and calls the same wrappers as often. The instruction
     * sequences themselves are not compared: nvcc rewrites without changing a value ({@code x * 2} as {@code x + x},
     * {@code 1 / y} as {@code rcp.rn}, {@code x / 2} as {@code x * 0.5}, operands of {@code +} swapped, a branch
     * around a call in one arm of {@code ?:}, {@code fminf(fmaxf(v, 0), 1)} as {@code cvt.sat}, a {@code ?:} arm
     * folded where its condition fixes {@code x}).
     */
    @Test
    void nvccsPtxOfEachFormulaComputesTheBitsOfTheJavaWrittenPtx() {
        List<FormulaPtxTest.Snippet> snippets = FormulaPtxTest.snippets();
        StringBuilder cu = new StringBuilder();
        for (var f : FormulaPtx.MATH_FUNCTIONS.entrySet()) {
            cu.append("extern \"C\" __device__ float snn_").append(f.getKey())
                    .append(f.getValue() == 1 ? "(float);\n" : "(float, float);\n");
            cu.append("#define ").append(f.getKey()).append(" snn_").append(f.getKey()).append('\n');
        }
        for (int i = 0; i < snippets.size(); i++) {
            cu.append("extern \"C\" __device__ float snn_ref_").append(i).append("(float snn_x) {\n")
                    .append(snippets.get(i).code()).append("return snn_g;\n}\n");
        }
        String ptx = nvcc.compile(new KernelSource("formula references", cu.toString(), Nvcc.RDC_FLAGS, null));
        List<String> mismatches = new ArrayList<>();
        long compared = 0;
        for (int i = 0; i < snippets.size(); i++) {
            FormulaPtxTest.Snippet s = snippets.get(i);
            FormulaPtx.Func f = s.translate();
            PtxInterpreter java = new PtxInterpreter(f.ptx(), f.name());
            PtxInterpreter ref = new PtxInterpreter(ptx, "snn_ref_" + i);
            assertEquals(calls(ref), calls(java), s.label() + ": the same math calls");
            for (float x : FormulaPtxTest.inputs(s.surrogate(), 23 + i)) {
                float want = ref.run(x, PtxInterpreter.JAVA_MATH);
                float got = java.run(x, PtxInterpreter.JAVA_MATH);
                compared++;
                boolean same = Float.isNaN(want) ? Float.isNaN(got)
                        : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
                if (!same && mismatches.size() < 20) {
                    mismatches.add(s.label() + " at x = " + x + ": Java's PTX " + got + ", nvcc's " + want);
                }
            }
        }
        assertEquals(List.of(), mismatches, "the PTX written in Java vs nvcc's PTX of the same CUDA C");
        assertTrue(compared > 50_000, compared + " values compared");
    }

    /** The wrappers a function calls, sorted (each as often as it is called). */
    private static List<String> calls(PtxInterpreter f) {
        List<String> out = new ArrayList<>();
        for (String[] s : f.code()) {
            if (s[0].startsWith("call")) {
                out.add(s[2]);
            }
        }
        out.sort(null);
        return out;
    }

    private static String toolkit(String ptx) {
        for (String line : ptx.split("\n")) {
            if (line.startsWith("// Cuda compilation tools")) {
                return line;
            }
        }
        return "";
    }
}
