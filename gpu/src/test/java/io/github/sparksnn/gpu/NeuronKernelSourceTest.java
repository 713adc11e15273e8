package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NeuronKernelSourceTest {

    @Test
    void everyBuiltInSurrogateInlinesItsCudaCodeIntoBothKernels() {
        assertEquals(17, Surrogates.list().size());
        Set<String> hashes = new HashSet<>();
        for (Surrogates.Descriptor d : Surrogates.list()) {
            SurrogateFunction sg = Surrogates.create(d.name(), Map.of());
            KernelSource src = NeuronKernelSource.of(sg);
            String snippet = NeuronKernelSource.module(sg).code().snippet();
            String body = snippet.split("\n")[1].trim();   // first statement after the start comment
            int first = src.source().indexOf(body), last = src.source().lastIndexOf(body);
            assertTrue(first >= 0 && last > first, d.name() + ": the snippet must appear in both kernels");
            assertTrue(src.source().contains(sg.cudaCodeStartComment()), d.name());
            assertTrue(src.source().contains("extern \"C\" __global__ void surrogate_gradient("), d.name());
            assertTrue(src.source().contains("neuron_backward(int timeSteps"), d.name());
            assertTrue(src.name().startsWith("neuron[" + d.name() + "("), src.name());
            assertTrue(hashes.add(src.hash()), d.name() + ": sources of different surrogates must differ");
        }
    }

    @Test
    void aBuiltInsSourceDependsNeitherOnItsParametersNorOnTheSpikingMode() {
        KernelSource a = NeuronKernelSource.of(new ATan(2.0, true));
        assertEquals(a.hash(), NeuronKernelSource.of(new ATan(2.0, false)).hash());
        assertEquals(a, NeuronKernelSource.of(new ATan(2.0, true)));
        assertEquals(a.hash(), NeuronKernelSource.of(new ATan(3.0)).hash(), "alpha is a kernel argument");
        assertEquals("neuron[ATan(alpha=*)]", a.name());
        assertTrue(a.source().contains("float dHdV, float dHdX, float snn_p0, float snn_p1)"), a.source());
        assertEquals("ATan(alpha=2.0)", NeuronKernelSource.label(new ATan(2.0, false)));
        // a Formula keeps its constants in the text: one source per parameter value
        SurrogateFunction f1 = Surrogates.parse("Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)");
        SurrogateFunction f2 = Surrogates.parse("Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=3.0)");
        assertNotEquals(NeuronKernelSource.of(f1).hash(), NeuronKernelSource.of(f2).hash());
        assertFalse(NeuronKernelSource.of(f1).source().contains("snn_p0"));
    }

    @Test
    void hashIsStableHexAndNamesAPtxResource() {
        KernelSource s = new KernelSource("x", "extern \"C\" __global__ void f() {}");
        assertTrue(s.hash().matches("[0-9a-f]{24}"), s.hash());
        assertEquals(s.hash(), new KernelSource("y", s.source()).hash());
        assertNotEquals(s.hash(), new KernelSource("x", s.source() + " ").hash());
        assertEquals("/io/github/sparksnn/gpu/ptx/" + s.hash() + ".ptx", s.ptxResource());
    }

    @Test
    void staticKernelsComeFromTheJar() {
        String src = KernelSource.staticKernels().source();
        for (String k : new String[] {"sgemm_nn", "sgemm_nt", "sgemm_tn", "sgemm_tt", "add_row_bias", "column_sums",
                "add_channel_bias", "channel_sums", "sum_over_time", "poisson_encode", "dropout_mask", "multiply_shared",
                "neuron_forward", "neuron_voltage", "im2col", "col2im", "max_pool_forward", "max_pool_backward",
                "avg_pool_forward", "avg_pool_backward", "batch_norm_forward", "batch_norm_backward"}) {
            assertTrue(src.contains(" " + k + "("), k);
        }
        // the RNG constants are CounterRng's
        assertTrue(src.contains("0x9E3779B97F4A7C15ULL") && src.contains("0xBF58476D1CE4E5B9ULL")
                && src.contains("0x94D049BB133111EBULL"));
    }
}
