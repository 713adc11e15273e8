package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.BuiltinFormulas;
import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link FormulaPtx} without a GPU or a toolkit: the shipped parts are there and current; the formulas that cover
 * every function and operator of the formula language, the emulator's formulas and the 17 built-ins' formula twins
 * (gradient and primitive, at the defaults and tuned) translate, and their linked modules assemble with JCuda's
 * nvPTXCompiler for sm_80 and sm_90 (and with {@code ptxas} where one is installed; skipped visibly otherwise); the
 * interpreted PTX stays near the Java float path (a coarse check that runs everywhere; the bit-for-bit ones are
 * {@code FormulaPtxHostParityTest} with g++ and {@code NvccCompileTest} with nvcc); code outside the subset is
 * refused.
 */
class FormulaPtxTest {
    private static final Path DIR = Path.of("src/main/resources/io/github/sparksnn/gpu/ptx/formula");

    /** A float CUDA snippet of a formula and the device function it becomes. */
    record Snippet(String label, SurrogateFunction surrogate, String code, String function, boolean gradient) {
        FormulaPtx.Func translate() {
            return FormulaPtx.translate(code, NeuronKernelSource.X, NeuronKernelSource.G, function);
        }
    }

    /** Formulas that use every function and operator of the language, with constants, parameters, pi and e. */
    static final List<String> COVERAGE = List.of(
            "Formula(gradient='abs(x) + exp(-x) - log(abs(x) + 1) * sqrt(abs(x)) / (1 + tanh(x))')",
            "Formula(gradient='atan(a*x) + erf(x) - erfc(x) + sigmoid(x) * sign(x) + heaviside(x - 0.5)', a=1.5)",
            "Formula(gradient='sin(x) * cos(2*x) + log1p(abs(x)) + min(x, 1) - max(x, -1)')",
            "Formula(gradient='where(x <= 0.25, x^2, x^-3) + where(x > 1, 2, 3*x) + where(x >= -1, abs(x)^0.5, -x)"
                    + " + where(x == 0, 1, x) + where(x != 0.5, x/3, x - (-x)) + where(x < -2, x, 0)')",
            "Formula(gradient='(1 + 2/(alpha - 1)*abs(x))^(-alpha) + (x - 1)^3 + pi*x + e^x', alpha=3.0)",
            "Formula(gradient='2 * alpha', alpha=0.75)",
            "Formula(primitive='sigmoid(alpha*x)', alpha=4.0)",
            "Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi + log1p(x^2)/8 - cos(x)/16', alpha=2.0)");

    /** The formula surrogates the tests translate: {@link #COVERAGE}, the emulator's, the built-ins' twins. */
    static List<Formula> formulas() {
        List<Formula> out = new ArrayList<>();
        for (String s : COVERAGE) {
            out.add((Formula) Surrogates.parse(s));
        }
        for (SurrogateFunction sg : HostEmulator.formulas()) {
            out.add((Formula) sg);
        }
        List<SurrogateFunction> builtins = new ArrayList<>();
        for (Surrogates.Descriptor d : Surrogates.list()) {
            builtins.add(Surrogates.create(d.name(), java.util.Map.of()));
        }
        builtins.addAll(HostEmulator.tunedSurrogates());
        for (SurrogateFunction sg : builtins) {
            out.add(BuiltinFormulas.twin(sg));
        }
        return out;
    }

    /** Every formula's g' and, where it has one, its primitive g, as the kernels inline them. */
    static List<Snippet> snippets() {
        List<Snippet> out = new ArrayList<>();
        String x = NeuronKernelSource.X, y = NeuronKernelSource.G;
        for (Formula f : formulas()) {
            out.add(new Snippet("g' of " + f, f, f.cudaCode(x, y, CudaDtype.FLOAT), FormulaPtx.GRADIENT, true));
            if (f.hasPrimitive()) {
                out.add(new Snippet("g of " + f, f, SmoothKernelSource.primitiveCode(f, x, y), FormulaPtx.PRIMITIVE,
                        false));
            }
        }
        return out;
    }

    /** The module a snippet is linked into: the neuron kernels for g', the smooth forward for g. */
    static String linked(Snippet s) {
        return FormulaPtx.link(s.gradient() ? FormulaPtx.Part.NEURON : FormulaPtx.Part.SMOOTH, s.translate());
    }

    /** Inputs with the edge cases: zeros, infinities, NaN, subnormals, extremes, the formula's kinks, random floats. */
    static float[] inputs(SurrogateFunction sg, long seed) {
        List<Float> xs = new ArrayList<>(List.of(0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 0.5f,
                -0.5f, 2f, 0.25f, -2f, 1e-30f, -1e-30f, 88.8f, -88.8f, 1e20f, -1e20f));
        for (double k : sg.kinks()) {
            float f = (float) k;
            xs.add(f);
            xs.add(Math.nextUp(f));
            xs.add(Math.nextDown(f));
        }
        Random r = new Random(seed);
        for (int i = 0; i < 600; i++) {
            xs.add((float) (16 * r.nextDouble() - 8));
        }
        for (int i = 0; i < 200; i++) {
            xs.add(Float.intBitsToFloat(r.nextInt()));
        }
        float[] out = new float[xs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = xs.get(i);
        }
        return out;
    }

    @Test
    void theShippedPartsAreCurrentAndComplete() throws IOException {
        Set<String> expected = new TreeSet<>();
        for (FormulaPtx.Part part : FormulaPtx.Part.values()) {
            expected.add(part.file());
            assertEquals(Nvcc.RDC_FLAGS, part.source().flags(), part + " is relocatable device code");
            String ptx = FormulaPtx.shipped(part).orElseThrow(() -> new AssertionError(part + " is not on the classpath:"
                    + " run gpu/regenerate-ptx.sh and commit"));
            assertEquals(PtxText.SHIPPED_VERSION, PtxText.version(ptx), part.toString());
            assertEquals("sm_75", PtxText.target(ptx), part.toString());
            for (String k : part.kernels()) {
                assertTrue(PtxText.hasEntry(ptx, k), part + " lacks " + k);
            }
            String fn = part == FormulaPtx.Part.SMOOTH ? FormulaPtx.PRIMITIVE : FormulaPtx.GRADIENT;
            int externs = ptx.split("\\.extern \\.func\\s*\\(\\.param \\.b32 func_retval0\\) " + fn + "\\b", -1).length - 1;
            assertEquals(part == FormulaPtx.Part.MATH ? 0 : 1, externs, part + ": one extern declaration of " + fn);
            if (part == FormulaPtx.Part.MATH) {
                for (String m : FormulaPtx.MATH_FUNCTIONS.keySet()) {
                    assertTrue(ptx.contains(".func  (.param .b32 func_retval0) snn_" + m + "("), "wrapper snn_" + m);
                }
            }
        }
        Set<String> present;
        try (var files = Files.list(DIR)) {
            present = files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(expected, present, "formula parts out of date: run gpu/regenerate-ptx.sh and commit");
        assertEquals(List.of("neuron_backward", "neuron_backward_static", "neuron_backward_max_pool",
                "surrogate_gradient").stream().sorted().toList(), FormulaPtx.Part.NEURON.kernels().stream().sorted().toList(),
                "the template has the kernels a formula's literal module has");
    }

    @Test
    void everyFunctionAndOperatorOfTheLanguageIsCovered() {
        Set<String> calls = new TreeSet<>();
        Set<String> ops = new TreeSet<>();
        for (Snippet s : snippets()) {
            FormulaPtx.Func f = s.translate();
            calls.addAll(f.calls());
            for (String[] st : new PtxInterpreter(f.ptx(), f.name()).code()) {
                ops.add(st[0]);
            }
        }
        assertEquals(new TreeSet<>(FormulaPtx.MATH_FUNCTIONS.keySet()), calls, "every math wrapper is called");
        assertTrue(ops.containsAll(List.of("add.rn.f32", "sub.rn.f32", "mul.rn.f32", "div.rn.f32", "neg.f32", "abs.f32",
                "sqrt.rn.f32", "min.f32", "max.f32", "setp.lt.f32", "setp.le.f32", "setp.gt.f32", "setp.ge.f32",
                "setp.eq.f32", "setp.neu.f32", "selp.f32", "call.uni", "mov.f32")), ops.toString());
        assertTrue(ops.stream().noneMatch(o -> o.startsWith("fma") || o.contains(".approx") || o.contains(".ftz")),
                "no contraction, no approximation, no flush to zero: " + ops);
    }

    @Test
    void theLinkedModulesAssembleForSm80AndSm90() {
        String why = PtxCompiler.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "SKIPPED (visible): " + why);
        for (Snippet s : snippets()) {
            String ptx = linked(s);
            assertEquals(PtxText.SHIPPED_VERSION, PtxText.version(ptx));
            assertTrue(!ptx.contains(".extern"), "every extern resolved: " + s.label());
            for (String arch : PtxAssembler.SHIPPED_ARCHS) {
                assertTrue(PtxCompiler.compile(ptx, arch) > 1000, s.label() + " for " + arch);
            }
        }
        // the half2 kernel, once per formula with a g' that calls the math library
        Formula f = (Formula) Surrogates.parse(COVERAGE.get(1));
        String half = PtxStore.ptx(HalfKernelSource.of(f));
        assertTrue(PtxText.hasEntry(half, "surrogate_gradient_half2"));
        for (String arch : PtxAssembler.SHIPPED_ARCHS) {
            assertTrue(PtxCompiler.compile(half, arch) > 1000, "half2 kernel for " + arch);
        }
    }

    /** {@code ptxas} of the CUDA toolkit, where one is installed. */
    static java.util.Optional<Path> ptxas() {
        List<Path> candidates = new ArrayList<>();
        Nvcc.find().ifPresent(n -> candidates.add(n.executable().resolveSibling("ptxas")));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "ptxas"));
            }
        }
        return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    @Test
    void ptxasAcceptsTheLinkedModulesForSm80AndSm90() throws Exception {
        var ptxas = ptxas();
        Assumptions.assumeTrue(ptxas.isPresent(), "SKIPPED (visible): ptxas not found (no CUDA toolkit)");
        Path dir = Files.createTempDirectory("formula-ptxas");
        try {
            List<String> modules = new ArrayList<>();
            for (Snippet s : snippets().subList(0, COVERAGE.size() + 2)) { // every function and operator
                modules.add(linked(s));
            }
            modules.add(PtxStore.ptx(HalfKernelSource.of(Surrogates.parse(COVERAGE.get(1)))));
            for (int i = 0; i < modules.size(); i++) {
                Path in = dir.resolve("m" + i + ".ptx");
                Files.writeString(in, modules.get(i));
                for (String arch : List.of("sm_80", "sm_90")) {
                    Path log = dir.resolve("log");
                    Process p = new ProcessBuilder(ptxas.get().toString(), "-arch=" + arch, "-o",
                            dir.resolve("m.cubin").toString(), in.toString()).redirectErrorStream(true)
                            .redirectOutput(log.toFile()).start();
                    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas finished");
                    assertEquals(0, p.exitValue(), "ptxas -arch=" + arch + " of module " + i + ": " + Files.readString(log));
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /**
     * Coarse, with no toolkit and no g++: the interpreted PTX against the formula's own Java float evaluation (its
     * transcendentals in double, some constants folded differently), within 1e-4 relative where both are finite. An
     * operand swapped, a constant mis-encoded or a register mixed up is far off; {@code FormulaPtxHostParityTest}
     * checks the bits.
     */
    @Test
    void interpretedPtxIsNearTheJavaFloatPath() {
        for (Snippet s : snippets()) {
            FormulaPtx.Func f = s.translate();
            PtxInterpreter in = new PtxInterpreter(f.ptx(), f.name());
            int finite = 0;
            for (float x : inputs(s.surrogate(), 7)) {
                if (!Float.isFinite(x) || Math.abs(x) > 8) {
                    continue;
                }
                float got = in.run(x, PtxInterpreter.JAVA_MATH);
                float want = s.gradient() ? s.surrogate().gradient(x) : s.surrogate().primitive(x);
                if (!Float.isFinite(got) || !Float.isFinite(want)) {
                    continue;
                }
                finite++;
                assertTrue(Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)), s.label() + " at x = " + x
                        + ": PTX " + got + ", Java " + want);
            }
            assertTrue(finite > 100, s.label() + ": " + finite + " finite values compared");
        }
    }

    @Test
    void codeOutsideTheSubsetIsRefused() {
        String x = "snn_x", y = "snn_g";
        for (String bad : List.of(
                "const float snn_g = 2.0 * snn_x;",                 // a double literal
                "const float snn_g = 2 * snn_x;",                   // an int literal
                "float snn_g = snn_x; snn_g += 1.0f;",              // not const, compound assignment
                "const float snn_g = snn_y;",                       // undeclared
                "const float snn_g = foo(snn_x);",                  // unknown function
                "const float snn_g = powf(snn_x);",                 // wrong arity
                "const float snn_g = (snn_x < 1.0f);",              // a comparison as a value
                "const float snn_g = snn_x < 1.0f < 2.0f ? 1.0f : 0.0f;", // chained comparisons
                "const float snn_g = snn_x ? 1.0f : 0.0f;",         // a condition that is not a comparison
                "const float2 f = __half22float2(snn_x); const float snn_g = f.x;",
                "for (int i = 0; i < 2; i++) { }",
                "const float t = snn_x;")) {                        // y never declared
            assertThrows(IllegalArgumentException.class, () -> FormulaPtx.translate(bad, x, y, "f"), bad);
        }
        SurrogateFunction user = new HostFallbackPolicyTest.UserTanh(1.0);
        assertTrue(NeuronKernelSource.of(user).compilerFreePtx().isEmpty(), "only formulas are translated");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FormulaPtx.link(FormulaPtx.Part.NEURON, FormulaPtx.translate("const float snn_g = snn_x;", x, y, "f")));
        assertTrue(e.getMessage().contains("another extern function"), e.getMessage());
    }

    @Test
    void aFormulasModulesTakeThisPtxWithoutNvcc() {
        SurrogateFunction sg = Surrogates.parse(COVERAGE.get(6));
        for (KernelSource src : List.of(NeuronKernelSource.of(sg), SmoothKernelSource.of(sg), HalfKernelSource.of(sg))) {
            assertTrue(PtxStore.shipped(src).isEmpty(), src.name());
            String ptx = src.compilerFreePtx().orElseThrow().get();
            assertTrue(ptx.contains("written by io.github.sparksnn.gpu.FormulaPtx"), src.name());
            for (String k : ShippedPtxTest.entries(src)) {
                assertTrue(PtxText.hasEntry(ptx, k), src.name() + " lacks " + k);
            }
        }
        // a built-in's smooth forward at a shape no shipped module has: its twin's primitive, written the same way
        KernelSource sq = SmoothKernelSource.of(Surrogates.parse("SquarewaveFourierSeries(n=3, T_period=6.0)"));
        assertTrue(PtxStore.shipped(sq).isEmpty() && sq.compilerFreePtx().isPresent(), sq.name());
        assertTrue(NeuronKernelSource.of(Surrogates.parse("ATan(alpha=3.0)")).compilerFreePtx().isEmpty(),
                "a built-in's neuron module is shipped, not written");
    }
}
