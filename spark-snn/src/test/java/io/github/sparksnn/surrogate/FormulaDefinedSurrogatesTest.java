package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keeps the "each surrogate defined once" decision true ({@link BuiltinFormulas#FORMULA_DEFINED}): a built-in in the
 * set computes every float result with the kernel compiled from its formula, bit for bit, and those results stay
 * within the bounds the hand-written float paths they replaced were held to ({@link PreviousHandWritten}: within 1
 * ulp, or at least as close to the float64 reference) over a sweep that includes signed zeros, subnormals, the largest
 * floats, infinities, NaN and huge magnitudes; a built-in outside it keeps hand-written float paths and names the
 * measurement that kept them; and the README says which are which.
 */
class FormulaDefinedSurrogatesTest {
    private static final String KEPT = "Hand-written float paths, kept: {@code snn bench surrogate} (";

    static List<String> formulaDefined() {
        return new ArrayList<>(new TreeSet<>(BuiltinFormulas.FORMULA_DEFINED));
    }

    /** Edge values, kinks and their neighbours, upstream's grid and random magnitudes from 1e-30 to 1e30. */
    static float[] sweep(SurrogateFunction f, Random r) {
        List<Float> v = new ArrayList<>(List.of(0f, -0f, Float.NaN, Float.intBitsToFloat(0xffc00000),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, 3e-39f, -3e-39f,
                Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1e30f, -1e30f, 1e-30f, -1e-30f,
                1f, -1f, 1e8f, -1e8f));
        for (double k : f.kinks()) {
            float kf = (float) k;
            v.addAll(List.of(kf, Math.nextUp(kf), Math.nextDown(kf), -kf, -Math.nextUp(kf), -Math.nextDown(kf)));
        }
        for (double x : FormulaBuiltinsTest.grid()) {
            v.add((float) x);
        }
        for (int i = 0; i < 2000; i++) {
            float m = (float) Math.pow(10, r.nextDouble() * 60 - 30);
            v.add(r.nextBoolean() ? m : -m);
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    /** The function at its defaults (trial 0) or at random valid parameters. */
    static SurrogateFunction function(String name, int trial, Random r) {
        return trial == 0 ? Surrogates.create(name, Map.of()) : Surrogates.create(name, Formulas.randomParams(name, r));
    }

    @Test
    void theSetIsTheClassesThatDelegateAndTheOthersNameTheirMeasurement() throws Exception {
        assertTrue(Set.of(Formulas.NAMES).containsAll(BuiltinFormulas.FORMULA_DEFINED), BuiltinFormulas.FORMULA_DEFINED.toString());
        for (String name : Formulas.NAMES) {
            SurrogateFunction f = Surrogates.create(name, Map.of());
            boolean defined = BuiltinFormulas.FORMULA_DEFINED.contains(name);
            assertEquals(defined, f instanceof FormulaDefinedSurrogate, name + " delegates to its formula iff it is in the set");
            assertEquals(defined, PreviousHandWritten.has(name), name + ": the frozen oracle covers exactly the set");
            String source = Files.readString(Path.of("src", "main", "java", "io", "github", "sparksnn", "surrogate", name + ".java"));
            if (defined) {
                assertTrue(!source.contains("public float gradient(float") && !source.contains("public void gradient(float[]")
                        && !source.contains("public void backward(float[]"), name + " still has hand-written float paths");
            } else {
                int at = source.indexOf(KEPT);
                assertTrue(at >= 0, name + " keeps hand-written float paths: its javadoc must name the measurement ("
                        + KEPT + "date, machine) ...)");
                String note = source.substring(at, source.indexOf("*/", at)).replaceAll("\\s*\\*\\s*", " ");
                assertTrue(note.matches("(?s).*\\(20\\d\\d-\\d\\d-\\d\\d, AMD EPYC.*formula/class \\d.*"), name + ": " + note);
            }
        }
    }

    @Test
    void theTableIsTheTestedTexts() {
        assertEquals(Formulas.NAMES.length, BuiltinFormulas.names().size());
        for (String name : Formulas.NAMES) {
            String[] tested = FormulaBuiltinsTest.texts(name);
            assertArrayEquals(new String[] {tested[1], tested[2]}, BuiltinFormulas.texts(name), name);
        }
        // n = 3 adds the harmonic FormulaBuiltinsTest checks; n = 1 (the empty sum) has no formula
        assertArrayEquals(FormulaBuiltinsTest.SWFS3, BuiltinFormulas.squarewave(3));
        assertEquals(null, BuiltinFormulas.twin(new SquarewaveFourierSeries(1, 8)));
    }

    /** Every float result of the class is its compiled formula's, bit for bit, in both loop shapes, before and after JIT. */
    @ParameterizedTest
    @MethodSource("formulaDefined")
    void everyFloatPathIsTheCompiledFormula(String name) {
        Random r = new Random(name.hashCode());
        for (int trial = 0; trial < 4; trial++) {
            SurrogateFunction f = function(name, trial, r);
            FormulaKernel k = BuiltinFormulas.twin(f).kernel();
            assertSame(k.getClass(), ((FormulaDefinedSurrogate) f).kernel().getClass(), f + " runs its formula's class");
            float[] x = sweep(f, r);
            int n = x.length - 8;
            float[] gradOut = new float[x.length];
            for (int i = 0; i < gradOut.length; i++) {
                gradOut[i] = (float) (r.nextDouble() * 4 - 2);
            }
            for (int round = 0; round < 2; round++) {
                for (int[] offsets : new int[][] {{0, 0}, {3, 3}, {5, 2}}) {
                    int xo = offsets[0];
                    int oo = offsets[1];
                    float[] a = new float[x.length];
                    float[] b = new float[x.length];
                    f.gradient(x, xo, a, oo, n);
                    k.gradient(x, xo, b, oo, n);
                    assertArrayEquals(b, a, f + " bulk gradient " + xo + "/" + oo);
                    f.primitive(x, xo, a, oo, n);
                    k.primitive(x, xo, b, oo, n);
                    assertArrayEquals(b, a, f + " bulk primitive " + xo + "/" + oo);
                    f.backward(gradOut, x, xo, a, oo, n);
                    k.backward(gradOut, x, xo, b, oo, n);
                    assertArrayEquals(b, a, f + " bulk backward " + xo + "/" + oo);
                }
                for (float xi : x) {
                    assertEquals(Float.floatToIntBits(k.gradient(xi)), Float.floatToIntBits(f.gradient(xi)), f + " gradient(" + xi + ")");
                    assertEquals(Float.floatToIntBits(k.primitive(xi)), Float.floatToIntBits(f.primitive(xi)), f + " primitive(" + xi + ")");
                }
                float[] sink = new float[x.length];
                for (int c = 0; c < 1500 && round == 0; c++) { // hot: C2 compiles (and vectorizes) the loops, then again
                    f.gradient(x, 0, sink, 0, n);
                    f.backward(gradOut, x, 0, sink, 0, n);
                }
            }
        }
    }

    /**
     * The formula that replaced a hand-written float path stays within that path's bounds: equal, within 1 ulp, or at
     * least as close to the double reference ({@code gradient(double)}, {@code primitive(double)}), as
     * {@code FormulaBuiltinsTest} holds every formula; NaN and infinities where the hand-written path had them.
     */
    @ParameterizedTest
    @MethodSource("formulaDefined")
    void theFormulaStaysWithinTheHandWrittenBounds(String name) {
        Random r = new Random(name.hashCode() + 7);
        List<String> bad = new ArrayList<>();
        int worstG = 0;
        int worstP = 0;
        int points = 0;
        for (int trial = 0; trial < 9; trial++) {
            SurrogateFunction f = function(name, trial, r);
            Map<String, Double> p = f.parameters();
            float[] x = sweep(f, r);
            float[] g = new float[x.length];
            float[] y = new float[x.length];
            f.gradient(x, 0, g, 0, x.length);
            f.primitive(x, 0, y, 0, x.length);
            points += x.length;
            for (int i = 0; i < x.length; i++) {
                worstG = Math.max(worstG, check(bad, f + " gradient", x[i], g[i], PreviousHandWritten.gradient(name, p, x[i]),
                        f.gradient((double) x[i])));
                worstP = Math.max(worstP, check(bad, f + " primitive", x[i], y[i], PreviousHandWritten.primitive(name, p, x[i]),
                        f.primitive((double) x[i])));
            }
        }
        if (!bad.isEmpty()) {
            fail(bad.size() + " points outside the bounds:\n" + String.join("\n", bad.subList(0, Math.min(20, bad.size()))));
        }
        // the largest differences are where the formula is the closer to the reference (else they would have failed)
        System.out.println(name + " at " + points + " points: largest difference from the previous hand-written float path "
                + worstG + " ulps (gradient), " + worstP + " ulps (primitive)");
    }

    /** Adds a line to {@code bad} when {@code now} breaks the bound; returns the ulps between now and before. */
    private static int check(List<String> bad, String what, float x, float now, float before, double reference) {
        if (now == before || (Float.isNaN(now) && Float.isNaN(before))) {
            return 0;
        }
        if (!Float.isFinite(now) || !Float.isFinite(before)) {
            bad.add(what + "(" + x + "): " + now + ", before " + before);
            return Integer.MAX_VALUE;
        }
        double ulps = Math.abs((double) now - before) / Math.ulp(Math.max(Math.abs(now), Math.abs(before)));
        boolean closer = Math.abs(now - reference) <= Math.abs(before - reference);
        if (ulps > 1 && !closer) {
            bad.add(what + "(" + x + "): " + now + ", before " + before + " (" + ulps + " ulps), reference " + reference);
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(ulps));
    }

    /** The kernel is not serialized (generated classes never travel): a deserialized function finds it again. */
    @Test
    void aDeserializedFunctionFindsItsKernel() throws Exception {
        SurrogateFunction f = new ATan(3.0, false);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(f);
        }
        SurrogateFunction back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (SurrogateFunction) in.readObject();
        }
        assertEquals(f, back);
        float[] x = {-2f, -0.1f, 0f, 0.3f, 5f};
        float[] a = new float[x.length];
        float[] b = new float[x.length];
        f.gradient(x, 0, a, 0, x.length);
        back.gradient(x, 0, b, 0, x.length);
        assertArrayEquals(a, b);
        f.forward(x, 0, a, 0, x.length);
        back.forward(x, 0, b, 0, x.length);
        assertArrayEquals(a, b);
    }

    /** The README's paragraph names exactly the formula-defined functions and the kept ones. */
    @Test
    void readmeSaysWhichAreDefinedByTheirFormula() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int at = readme.indexOf("Each surrogate defined once");
        assertTrue(at >= 0, "README has the paragraph 'Each surrogate defined once'");
        String para = readme.substring(at, readme.indexOf("\n\n", at));
        int split = para.indexOf("keep hand-written");
        assertTrue(split > 0, para);
        for (String name : Formulas.NAMES) {
            boolean defined = BuiltinFormulas.FORMULA_DEFINED.contains(name);
            String part = defined ? para.substring(0, split) : para.substring(split);
            assertTrue(part.matches("(?s).*\\b" + name + "\\b.*"), "README's paragraph lists " + name + (defined
                    ? " among the formula-defined" : " among the hand-written") + ": " + para);
        }
    }
}
