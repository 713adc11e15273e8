package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Kernel parameter lists: every kernel of every shipped source has the same parameter count and widths in its C
 * signature and in its PTX {@code .param} list; and the checker that {@code EmulatedCudaBackendParityTest} and
 * {@code EmulatedCudaEngineParityTest} run over every launch they made catches a wrong width.
 */
class KernelSignatureTest {

    @Test
    void everyShippedKernelsCParametersMatchItsPtxParamList() {
        List<String> bad = new ArrayList<>();
        int kernels = 0;
        for (KernelSource s : PtxBuild.shippedSources()) {
            Map<String, List<KernelArgs.Type>> c = KernelSignatures.fromSource(s.source());
            Map<String, List<String>> ptx = KernelSignatures.fromPtx(PtxStore.shipped(s).orElseThrow());
            assertEquals(ptx.keySet(), c.keySet(), s.name() + ": the same kernels in C and PTX");
            for (Map.Entry<String, List<KernelArgs.Type>> e : c.entrySet()) {
                kernels++;
                String why = KernelSignatures.compareWithPtx(s.name() + "/" + e.getKey(), e.getValue(), ptx.get(e.getKey()));
                if (why != null) {
                    bad.add(why);
                }
            }
        }
        assertEquals(List.of(), bad);
        // per surrogate: 4 neuron kernels, the half2 one, the smooth one
        assertEquals(ShippedPtxTest.STATIC_ENTRIES.size() + 17 * 4 + 17 + 17, kernels);
    }

    @Test
    void theParsersReadWhatTheyShould() {
        Map<String, List<KernelArgs.Type>> c = KernelSignatures.fromSource("// x\nextern \"C\" __global__ void "
                + "__launch_bounds__(256) k(int n, long long off, const float* __restrict__ a, float s, unsigned int u) {}");
        assertEquals(List.of(KernelArgs.Type.INT, KernelArgs.Type.LONG, KernelArgs.Type.PTR, KernelArgs.Type.FLOAT,
                KernelArgs.Type.INT), c.get("k"));
        Map<String, List<String>> p = KernelSignatures.fromPtx(".visible .entry k(\n\t.param .u32 k_param_0,\n"
                + "\t.param .u64 k_param_1,\n\t.param .u64 .ptr .global .align 4 k_param_2,\n\t.param .f32 k_param_3,\n"
                + "\t.param .u32 k_param_4\n)\n{\n}");
        assertEquals(List.of("u32", "u64", "u64", "f32", "u32"), p.get("k"));
        assertNull(KernelSignatures.compareWithPtx("k", c.get("k"), p.get("k")));
    }

    @Test
    void wrongWidthsAndCountsAreCaught() {
        List<KernelArgs.Type> decl = List.of(KernelArgs.Type.INT, KernelArgs.Type.LONG, KernelArgs.Type.PTR);
        String m = KernelSignatures.compareLaunch("k", decl,
                List.of(KernelArgs.Type.INT, KernelArgs.Type.INT, KernelArgs.Type.PTR));
        assertNotNull(m);
        assertTrue(m.contains("argument 1 launched as INT (4 bytes), the kernel declares LONG"), m);
        assertTrue(KernelSignatures.compareLaunch("k", decl, List.of(KernelArgs.Type.INT, KernelArgs.Type.LONG,
                KernelArgs.Type.LONG)).contains("argument 2 launched as LONG"));
        assertTrue(KernelSignatures.compareLaunch("k", decl, List.of(KernelArgs.Type.INT)).contains("1 arguments"));
        assertNull(KernelSignatures.compareLaunch("k", decl, decl));
        assertTrue(KernelSignatures.compareWithPtx("k", decl, List.of("u32", "u32", "u64")).contains("parameter 1 is LONG"));
        assertTrue(KernelSignatures.compareWithPtx("k", List.of(KernelArgs.Type.FLOAT), List.of("u32")).contains("FLOAT"));
    }
}
