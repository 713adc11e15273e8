package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The PTX committed under src/main/resources is complete, current and loadable, checked without nvcc or a GPU:
 * one file per shipped source named by that source's hash (so an edit of kernels.cu, the neuron template or a
 * surrogate's cudaCode without {@code gpu/regenerate-ptx.sh} fails here), no orphans, ISA 8.0 for sm_75, every
 * kernel the backend launches present, and accepted by JCuda's nvPTXCompiler for sm_90 (H200) and sm_75.
 */
class ShippedPtxTest {
    private static final Path DIR = Path.of("src/main/resources/io/github/sparksnn/gpu/ptx");
    static final List<String> STATIC_ENTRIES = List.of("sgemm_nn", "sgemm_nt", "sgemm_tn", "sgemm_tt",
            "add_row_bias", "column_sums", "add_channel_bias", "channel_sums", "poisson_encode", "dropout_mask",
            "multiply_shared", "sum_over_time", "neuron_forward", "neuron_forward_static", "neuron_voltage", "im2col", "col2im",
            "col2im_set", "add_transposed", "max_pool_forward", "neuron_forward_max_pool",
            "max_pool_backward", "avg_pool_forward", "avg_pool_backward", "batch_norm_forward", "batch_norm_backward");

    @Test
    void everyShippedSourceHasItsPtxAndNothingElseIsShipped() throws IOException {
        List<KernelSource> sources = PtxBuild.shippedSources();
        assertEquals(52, sources.size(), "static kernels + 17 built-in surrogates' neuron, half-precision and smooth kernels");
        Set<String> expected = sources.stream().map(s -> s.hash() + ".ptx").collect(Collectors.toCollection(TreeSet::new));
        Set<String> present;
        try (var files = Files.list(DIR)) {
            present = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ptx"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(expected, present, "shipped PTX out of date: run gpu/regenerate-ptx.sh and commit");
        for (KernelSource s : sources) {
            String ptx = PtxStore.shipped(s).orElseThrow(() -> new AssertionError("not on the classpath: " + s.name()));
            assertEquals(PtxText.SHIPPED_VERSION, PtxText.version(ptx), s.name());
            assertEquals("sm_75", PtxText.target(ptx), s.name());
            List<String> entries = entries(s);
            for (String e : entries) {
                assertTrue(PtxText.hasEntry(ptx, e), s.name() + " lacks kernel " + e);
            }
            assertEquals(ptx, PtxStore.ptx(s), "the store must serve the shipped PTX first");
        }
    }

    /** The kernels a shipped source defines (and the backend launches). */
    static List<String> entries(KernelSource s) {
        if (s.equals(KernelSource.staticKernels())) {
            return STATIC_ENTRIES;
        }
        return s.name().startsWith("smooth[") ? List.of("neuron_forward_smooth") : s.name().startsWith("half[") ? List.of("surrogate_gradient_half2")
                : List.of("neuron_backward", "neuron_backward_static", "neuron_backward_max_pool",
                "surrogate_gradient");
    }

    @Test
    void nvPtxCompilerAcceptsEveryShippedPtxForH200AndTuring() {
        String why = PtxCompiler.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED (visible): " + why);
        List<KernelSource> sources = PtxBuild.shippedSources();
        for (KernelSource s : sources) {
            String ptx = PtxStore.shipped(s).orElseThrow();
            // sm_90 (the H200) for all; sm_75 (the PTX's own target) for the static kernels
            for (String gpu : s == sources.get(0) ? new String[] {"sm_90", "sm_75"} : new String[] {"sm_90"}) {
                long cubin = PtxCompiler.compile(ptx, gpu);
                assertTrue(cubin > 1000, s.name() + " for " + gpu + ": cubin of " + cubin + " bytes");
            }
        }
    }

    @Test
    void nvPtxCompilerRejectsBrokenPtx() {
        String why = PtxCompiler.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED (visible): " + why);
        String ptx = PtxStore.shipped(PtxBuild.shippedSources().get(1)).orElseThrow();
        AssertionError e = assertThrows(AssertionError.class,
                () -> PtxCompiler.compile(ptx.replaceFirst("\\tret;", "\tbogus.instr.f32 %f1;\n\tret;"), "sm_90"));
        assertTrue(e.getMessage().contains("rejected"), e.getMessage());
        // an ISA beyond nvPTXCompiler's 8.0 is refused too: that is why the shipped PTX declares 8.0
        assertThrows(AssertionError.class, () -> PtxCompiler.compile(ptx.replace(".version 8.0", ".version 9.9"), "sm_90"));
    }
}
