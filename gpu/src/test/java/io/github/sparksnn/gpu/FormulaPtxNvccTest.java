package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link FormulaPtx} against nvcc itself; skipped, visibly, without a CUDA toolkit (CI). The shipped parts are what
 * this nvcc builds from their sources (when it is the toolkit that built them). And for every snippet of
 * {@link FormulaPtxTest#snippets()}, nvcc's own PTX of the formula's CUDA C ({@code -rdc=true -fmad=false}, the math
 * functions declared as the wrappers {@code snn_expf}, ... so that both sides call the same functions) computes the
 * same bits as the PTX written in Java, both run by {@link PtxInterpreter} over {@link FormulaPtxTest#inputs}, and
 * calls the same wrappers as often. The instruction sequences themselves are not compared: nvcc rewrites
 * without changing a value ({@code x * 2} as {@code x + x}, {@code 1 / y} as {@code rcp.rn}, {@code x / 2} as
 * {@code x * 0.5}, operands of {@code +} swapped, a {@code ?:} branch folded where its condition fixes {@code x}).
 */
class FormulaPtxNvccTest {
    private static Nvcc nvcc;

    @BeforeAll
    static void findNvcc() {
        nvcc = Nvcc.find().orElse(null);
        Assumptions.assumeTrue(nvcc != null, "SKIPPED (visible): nvcc not found (CUDA_HOME, /usr/local/cuda/bin, PATH)");
    }

    @Test
    void theShippedPartsAreWhatNvccBuilds() {
        String shippedToolkit = toolkit(FormulaPtx.shipped(FormulaPtx.Part.MATH).orElseThrow());
        for (FormulaPtx.Part part : FormulaPtx.Part.values()) {
            String fresh = nvcc.compile(part.source());
            Assumptions.assumeTrue(toolkit(fresh).equals(shippedToolkit), () -> "SKIPPED (visible): this nvcc ("
                    + toolkit(fresh) + ") is not the one that built the parts (" + shippedToolkit + ")");
            assertEquals(FormulaPtx.shipped(part).orElseThrow(), PtxText.lowerVersion(fresh, PtxText.SHIPPED_VERSION),
                    part + ": run gpu/regenerate-ptx.sh and commit");
        }
    }

    @Test
    void nvccsPtxOfEachFormulaComputesTheSameBits() {
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
