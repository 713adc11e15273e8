package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The generated CUDA snippets without a GPU: their frame and naming, locale independence, and their values, run
 * by {@link CudaSnippetInterpreter} and compared with the Java float gradient (which checks every emitted
 * constant and formula). {@link CudaCodeCompileTest} compiles the same snippets with nvcc.
 */
class CudaCodeTest {
    static final Pattern DECLARED = Pattern.compile("(?:const\\s+)?(?:float2|float|half2|int)\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*=");

    /** Every builtin at its defaults and at a non-default parameter set. */
    static List<SurrogateFunction> functions() {
        List<SurrogateFunction> out = new ArrayList<>();
        java.util.Random r = new java.util.Random(1234L);
        for (String name : Formulas.NAMES) {
            out.add(Surrogates.parse(name));
            out.add(Surrogates.create(name, Formulas.randomParams(name, r)));
        }
        out.add(new SquarewaveFourierSeries(1, 3)); // empty sum
        out.add(new SquarewaveFourierSeries(7, 2.5));
        // the 17 built-ins as Formulas, at the defaults and at random parameters (derived gradients: FormulaTest)
        for (String[] t : FormulaBuiltinsTest.TEXTS) {
            for (int trial = 0; trial < 2; trial++) {
                java.util.Map<String, Double> p = FormulaBuiltinsTest.params(t[0], trial, r);
                out.add(Formula.of(t[1], t[2], FormulaBuiltinsTest.subset(p, t[3])));
            }
        }
        return out;
    }

    static Set<String> declared(String code) {
        Set<String> names = new HashSet<>();
        Matcher m = DECLARED.matcher(code);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void snippetsAreFramedAndDeclareYOnce() {
        for (SurrogateFunction f : functions()) {
            for (CudaDtype dt : CudaDtype.values()) {
                String code = f.cudaCode("x", "y", dt);
                assertTrue(code.startsWith("// start: spikingjelly.activation_based.surrogate." + f.name() + ".cuda_code\n"), code);
                assertTrue(code.endsWith("// end: spikingjelly.activation_based.surrogate." + f.name() + ".cuda_code\n"), code);
                String decl = "const " + dt.cType() + " y = ";
                assertEquals(code.indexOf(decl), code.lastIndexOf(decl), code);
                assertTrue(code.contains(decl), code);
                String prefix = f.name().toLowerCase(Locale.ROOT) + "_1_x_y_";
                for (String v : declared(code)) {
                    assertTrue(v.equals("y") || v.startsWith(prefix), f + ": helper " + v + " lacks the prefix " + prefix);
                }
                assertTrue(!code.contains("double") && !code.contains(",0") , "no doubles, no locale commas: " + code);
            }
        }
    }

    @Test
    void differentVariableNamesGiveDisjointHelpers() {
        for (SurrogateFunction f : functions()) {
            for (CudaDtype dt : CudaDtype.values()) {
                Set<String> a = declared(f.cudaCode("x", "y", dt));
                Set<String> b = declared(f.cudaCode("v", "w", dt));
                Set<String> c = declared(f.cudaCode("a_b", "c", dt));
                Set<String> d = declared(f.cudaCode("a", "b_c", dt));
                for (Set<String> other : List.of(b, c, d)) {
                    Set<String> both = new HashSet<>(a);
                    both.retainAll(other);
                    assertTrue(both.isEmpty(), f + " " + both);
                }
                Set<String> cd = new HashSet<>(c);
                cd.retainAll(d);
                assertTrue(cd.isEmpty(), f + ": (a_b, c) and (a, b_c) collide on " + cd);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ATan().cudaCode("x[i]", "y", CudaDtype.FLOAT));
        assertThrows(IllegalArgumentException.class, () -> new Rect().cudaCode("x", "1y", CudaDtype.HALF2));
        assertThrows(IllegalArgumentException.class, () -> new Rect().cudaCode("x", "y", null));
    }

    @Test
    void literalsAreExactAndLocaleIndependent() {
        Locale saved = Locale.getDefault();
        try {
            List<String> before = new ArrayList<>();
            for (SurrogateFunction f : functions()) {
                before.add(f.cudaCode("x", "y", CudaDtype.FLOAT) + f.cudaCode("x", "y", CudaDtype.HALF2));
            }
            Locale.setDefault(Locale.GERMANY);
            List<SurrogateFunction> fs = functions();
            for (int i = 0; i < fs.size(); i++) {
                assertEquals(before.get(i), fs.get(i).cudaCode("x", "y", CudaDtype.FLOAT) + fs.get(i).cudaCode("x", "y", CudaDtype.HALF2));
            }
        } finally {
            Locale.setDefault(saved);
        }
        assertTrue(new FakeNumericalGradient().cudaCode("x", "y", CudaDtype.FLOAT).contains("0.3f"));
        double alpha = 1.2345678912345;
        String code = new ATan(alpha).cudaCode("x", "y", CudaDtype.FLOAT);
        assertTrue(code.contains(Float.toString((float) (alpha / 2)) + "f"), code);
        assertTrue(new Rect(1e-5).cudaCode("x", "y", CudaDtype.FLOAT).contains("50000.0f"));
        assertTrue(new Rect(1e-5).cudaCode("x", "y", CudaDtype.FLOAT).contains("1.0E-5f"));
    }

    @Test
    void emittedMathEqualsTheJavaFloatGradient() {
        List<String> failures = new ArrayList<>();
        for (SurrogateFunction f : functions()) {
            CudaSnippetInterpreter.Program fl = CudaSnippetInterpreter.compile(f.cudaCode("x", "y", CudaDtype.FLOAT));
            CudaSnippetInterpreter.Program h2 = CudaSnippetInterpreter.compile(f.cudaCode("x", "y", CudaDtype.HALF2));
            double scale = 0;
            for (float x = -4f; x <= 4f; x += 1f / 128) {
                scale = Math.max(scale, Math.abs(f.gradient(x)));
            }
            java.util.Random r = new java.util.Random(f.hashCode());
            for (int i = 0; i < 300; i++) {
                float x = i < 129 ? (i - 64) / 16f : (float) Formulas.u(r, -4, 4);
                if (SurrogateFunctionsTest.nearKink(f, x, 1e-6)) {
                    continue;
                }
                double want = f.gradient(x);
                // float phases (2i-1) w x carry a rounding error of ulp(phase): allow it for the Fourier series
                double phase = f instanceof SquarewaveFourierSeries sq
                        ? (2 * sq.n() - 3) * 2 * Math.PI / sq.tPeriod() * Math.abs(x) : 0;
                double tol = 1e-5 * Math.abs(want) + 1e-6 * scale * (1 + phase);
                double gotF = fl.run("x", x, "y");
                double gotH = h2.run("x", x, "y");
                if (!(Math.abs(gotF - want) <= tol)) {
                    failures.add(f + " float code at " + x + ": " + gotF + " vs " + want);
                }
                if (!(Math.abs(gotH - want) <= tol)) {
                    failures.add(f + " half2 code at " + x + ": " + gotH + " vs " + want);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches:\n" + String.join("\n", failures.subList(0, Math.min(12, failures.size()))));
        }
    }

    /**
     * The half2 snippets with every intrinsic rounded to binary16: within a few half ulps of the float gradient
     * (relative to the function's peak), and never NaN or infinite, for x across the half range including
     * values whose squares overflow half.
     */
    @Test
    void half2CodeIsAccurateToHalfPrecisionAndNanFree() {
        List<String> failures = new ArrayList<>();
        for (SurrogateFunction f : functions()) {
            CudaSnippetInterpreter.Program h2 = CudaSnippetInterpreter.compile(f.cudaCode("x", "y", CudaDtype.HALF2), true);
            double scale = 0;
            for (float x = -4f; x <= 4f; x += 1f / 128) {
                scale = Math.max(scale, Math.abs(f.gradient(x)));
            }
            java.util.Random r = new java.util.Random(f.hashCode());
            for (int i = 0; i < 300; i++) {
                double raw = i < 129 ? (i - 64) / 16.0 : i < 280 ? Formulas.u(r, -4, 4) : Formulas.u(r, -60000, 60000);
                float x = (float) CudaSnippetInterpreter.toHalf(raw);
                double got = h2.run("x", x, "y");
                if (!Double.isFinite(got)) {
                    failures.add(f + " half2 code at " + x + " gives " + got);
                    continue;
                }
                if (SurrogateFunctionsTest.nearKink(f, x, 4e-3)) {
                    continue; // thresholds rounded to half move the kinks by up to half an ulp
                }
                double want = f.gradient(x);
                double phase = f instanceof SquarewaveFourierSeries sq
                        ? (2 * sq.n() - 3) * 2 * Math.PI / sq.tPeriod() * Math.abs(x) : 0;
                double tol = 8e-3 * Math.abs(want) + 4e-3 * scale * (1 + phase);
                if (!(Math.abs(got - want) <= tol)) {
                    failures.add(f + " half2 code at " + x + ": " + got + " vs " + want);
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches:\n" + String.join("\n", failures.subList(0, Math.min(12, failures.size()))));
        }
        assertEquals(65504.0, CudaSnippetInterpreter.toHalf(65519.0), 0.0);
        assertEquals(Double.POSITIVE_INFINITY, CudaSnippetInterpreter.toHalf(65520.0), 0.0);
        assertEquals(1.0009765625, CudaSnippetInterpreter.toHalf(1.0007), 0.0);
        assertEquals(0x1p-24, CudaSnippetInterpreter.toHalf(0x1.2p-24), 0.0);
    }

    @Test
    void interpreterCatchesAWrongSnippet() {
        String good = new ATan().cudaCode("x", "y", CudaDtype.FLOAT);
        String bad = good.replace("/ (1.0f", "/ (2.0f");
        assertNotEquals(good, bad);
        assertNotEquals(new ATan().gradient(0.5f), (float) CudaSnippetInterpreter.run(bad, "x", 0.5f, "y"));
        assertEquals(new ATan().gradient(0.5f), CudaSnippetInterpreter.run(good, "x", 0.5f, "y"), 1e-7);
    }
}
