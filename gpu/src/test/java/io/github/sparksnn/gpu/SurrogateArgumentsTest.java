package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Parameters as kernel arguments ({@link SurrogateArguments}): every built-in surrogate, in float and half2, gets one
 * source for every parameter value, and putting an instance's argument values back into that source's snippet gives
 * exactly the code its own {@code cudaCode} writes, so the kernel computes what the literal code would.
 */
class SurrogateArgumentsTest {
    private static final Pattern ARG = Pattern.compile("\\bsnn_p(\\d+)\\b");

    /** The lifted snippet with each {@code snn_pK} replaced by the instance's K-th value, as text. */
    private static String substituted(SurrogateArguments.Code code) {
        Matcher m = ARG.matcher(code.snippet());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(code.args().get(Integer.parseInt(m.group(1))).text()));
        }
        return m.appendTail(sb).toString();
    }

    private static List<SurrogateFunction> defaultsAndTuned() {
        List<SurrogateFunction> all = new ArrayList<>();
        for (Surrogates.Descriptor d : Surrogates.list()) {
            all.add(Surrogates.create(d.name(), Map.of()));
        }
        all.addAll(HostEmulator.tunedSurrogates());
        return all;
    }

    @Test
    void everyBuiltInHasOneSourcePerDtypeForAllItsParameterValues() {
        assertEquals(17, HostEmulator.tunedSurrogates().size());
        for (SurrogateFunction tuned : HostEmulator.tunedSurrogates()) {
            SurrogateFunction def = Surrogates.create(tuned.name(), Map.of());
            assertFalse(tuned.equals(def), tuned + " must differ from the default");
            assertTrue(SurrogateArguments.liftable(tuned), tuned.name());
            assertEquals(NeuronKernelSource.of(def), NeuronKernelSource.of(tuned), tuned + ": float32 module");
            assertEquals(HalfKernelSource.of(def), HalfKernelSource.of(tuned), tuned + ": half2 module");
            assertTrue(PtxStore.shipped(NeuronKernelSource.of(tuned)).isPresent(), tuned + ": shipped, no nvcc needed");
            assertTrue(PtxStore.shipped(HalfKernelSource.of(tuned)).isPresent(), tuned + ": half shipped");
        }
    }

    @Test
    void theArgumentsPutBackGiveExactlyTheInstancesOwnCode() {
        for (SurrogateFunction sg : defaultsAndTuned()) {
            for (CudaDtype dtype : CudaDtype.values()) {
                SurrogateArguments.Code code = SurrogateArguments.of(sg, "snn_x", "snn_g", dtype);
                assertTrue(code.lifted(), sg + " " + dtype);
                assertEquals(sg.cudaCode("snn_x", "snn_g", dtype), substituted(code), sg + " " + dtype);
                String decl = code.declarations();
                assertEquals(code.args().size(), decl.isEmpty() ? 0 : decl.split(",").length - 1, decl);
            }
        }
    }

    @Test
    void argumentValuesAreTheFloatsTheFormulasDefine() {
        // ATan: g'(x) = alpha/2 / (1 + (pi/2 alpha x)^2): the code's constants are pi/2*alpha and alpha/2, in float
        List<SurrogateArguments.Arg> atan = SurrogateArguments.of(Surrogates.parse("ATan(alpha=3.0)"), "a", "b",
                CudaDtype.FLOAT).args();
        assertEquals(List.of((float) (Math.PI / 2 * 3.0), 1.5f), atan.stream().map(SurrogateArguments.Arg::floatValue).toList());
        // Sigmoid: exp(-alpha |x|) and alpha * ...; the unary minus travels with its literal
        List<SurrogateArguments.Arg> sig = SurrogateArguments.of(Surrogates.parse("Sigmoid(alpha=2.0)"), "a", "b",
                CudaDtype.FLOAT).args();
        assertEquals(List.of(-2.0f, 2.0f), sig.stream().map(SurrogateArguments.Arg::floatValue).toList());
        // SquarewaveFourierSeries: the number of terms is an int argument (the loop bound)
        SurrogateArguments.Arg n = SurrogateArguments.of(Surrogates.parse("SquarewaveFourierSeries(n=3, T_period=6.0)"),
                "a", "b", CudaDtype.FLOAT).args().get(0);
        assertTrue(n.integer());
        assertEquals(3, n.intValue());
        // a negative parameter where the default is positive: still the same source
        SurrogateFunction leaky = Surrogates.parse("LeakyKReLU(leak=-0.1, k=1.5)");
        assertEquals(List.of(1.5f, -0.1f), SurrogateArguments.of(leaky, "a", "b", CudaDtype.FLOAT).args().stream()
                .map(SurrogateArguments.Arg::floatValue).toList());
    }

    @Test
    void formulasKeepTheirLiteralCode() {
        SurrogateFunction f = Surrogates.parse("Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)");
        SurrogateArguments.Code code = SurrogateArguments.of(f, "snn_x", "snn_g", CudaDtype.FLOAT);
        assertFalse(code.lifted());
        assertEquals(List.of(), code.args());
        assertEquals("", code.declarations());
        assertEquals(f.cudaCode("snn_x", "snn_g", CudaDtype.FLOAT), code.snippet());
        assertFalse(SurrogateArguments.liftable(f));
    }

    @Test
    void launchesCarryTheValuesAfterTheKernelsOwnArguments() {
        SurrogateArguments.Code code = SurrogateArguments.of(Surrogates.parse("SquarewaveFourierSeries(n=3, T_period=6.0)"),
                "snn_x", "snn_g", CudaDtype.FLOAT);
        KernelArgs a = code.appendTo(KernelArgs.args().l(7));
        assertEquals(List.of(KernelArgs.Type.LONG, KernelArgs.Type.INT, KernelArgs.Type.FLOAT, KernelArgs.Type.FLOAT),
                a.list().stream().map(KernelArgs.Arg::type).toList());
        assertEquals(3, a.list().get(1).bits());
        assertEquals(Float.floatToRawIntBits(code.args().get(1).floatValue()), (int) a.list().get(2).bits());
    }

    @Test
    void gpuInfoListsWhichKernelsNeedNoCompiler() {
        List<String> lines = GpuInfo.compilerFree();
        assertTrue(lines.get(1).endsWith(": shipped"), lines.toString());
        String any = lines.get(2);
        assertTrue(any.contains("any parameter values (17): "), any);
        for (Surrogates.Descriptor d : Surrogates.list()) {
            assertTrue(any.contains(d.name()), d.name() + " in " + any);
        }
        assertFalse(lines.stream().anyMatch(l -> l.contains("default parameters only")), lines.toString());
        assertTrue(lines.get(lines.size() - 1).contains("need nvcc: user-registered surrogates"), lines.toString());
        assertTrue(lines.get(lines.size() - 2).contains("Formula surrogates, any formula")
                && lines.get(lines.size() - 2).endsWith(": shipped templates and math wrappers"), lines.toString());
        assertTrue(lines.get(lines.size() - 3).contains("any parameter values: 17 of 17 built-ins"), lines.toString());
    }

    @Test
    void theSmoothForwardsPrimitiveIsLiftedTheSameWay() {
        for (SurrogateFunction sg : defaultsAndTuned()) {
            SurrogateArguments.Code code = SmoothKernelSource.module(sg).code();
            String literal = SmoothKernelSource.primitiveCode(sg, NeuronKernelSource.X, NeuronKernelSource.G);
            // other shapes than the default's: more harmonics; a leak term that the default (leak = 0) folds away
            boolean sameShape = !(sg.name().equals("SquarewaveFourierSeries") && sg.parameters().get("n") != 2.0
                    || sg.name().equals("LeakyKReLU") && sg.parameters().get("leak") != 0.0);
            assertEquals(sameShape, code.lifted(), sg.toString());
            assertEquals(literal, code.lifted() ? substituted(code) : code.snippet(), sg.toString());
            assertEquals(sameShape, PtxStore.shipped(SmoothKernelSource.of(sg)).isPresent(), sg + ": shipped");
        }
        // the primitive's text is the formula's: ATan's g(x) = atan(pi/2 alpha x)/pi + 1/2, pi/2 alpha as the argument
        assertEquals(List.of((float) (Math.PI / 2 * 3.0)), SmoothKernelSource.module(Surrogates.parse("ATan(alpha=3.0)"))
                .code().args().stream().map(SurrogateArguments.Arg::floatValue).toList());
        UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(
                UnsupportedOperationException.class, () -> SmoothKernelSource.module(
                        Surrogates.parse("SquarewaveFourierSeries(n=1, T_period=8.0)")));
        assertTrue(e.getMessage().contains("SquarewaveFourierSeries") && e.getMessage().contains("primitive"),
                e.getMessage());
    }
}
