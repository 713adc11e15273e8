package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * A formula may come from a SQL column, and a StackOverflowError is fatal to a Spark executor: texts beyond the
 * limits are refused with one line naming the limit and the value, and the worst texts within them go through every
 * walk (parse, derivative, code generation, compile, evaluation, printing, hashing, CUDA) on a 256 KB stack.
 */
class FormulaLimitsTest {
    static final int SMALL_STACK = 256 * 1024;

    static String refused(String primitive, String gradient) {
        String m = assertThrows(IllegalArgumentException.class, () -> Formula.of(primitive, gradient, Map.of())).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.length() < 400, "short: " + m);
        return m;
    }

    static String repeat(String s, int n) {
        return s.repeat(Math.max(0, n));
    }

    /** {@code open^n x close^n}. */
    static String nest(String open, String close, int n) {
        return repeat(open, n) + "x" + repeat(close, n);
    }

    /** {@code x + x + ...} (n terms): a left-deep chain of n - 1 additions, n levels. */
    static String sum(int n) {
        return "x" + repeat(" + x", n - 1);
    }

    /** {@code sin(1*x) + sin(2*x) + ...} (n terms). */
    static String sines(int n) {
        StringBuilder sb = new StringBuilder("sin(1*x)");
        for (int i = 2; i <= n; i++) {
            sb.append(" + sin(").append(i).append("*x)");
        }
        return sb.toString();
    }

    @Test
    void aTextTooLongIsRefusedNamingTheLimitAndTheLength() {
        String m = refused("x" + repeat(" + 1", 2_500), null); // 10,001 characters
        assertTrue(m.contains("the primitive is too long: 10001 characters; the limit is 10000"), m);
        m = refused(null, repeat(" ", 20_000) + "x");
        assertTrue(m.contains("the gradient is too long: 20001 characters"), m);
        Formula.of(repeat(" ", 9_999) + "x", null, Map.of()); // exactly at the limit is accepted
    }

    @Test
    void nestingTooDeepIsRefusedBeforeTheParserRecursesFurther() {
        String m = refused(nest("(", ")", 201), null);
        assertTrue(m.contains("the primitive is nested too deeply: more than 200 levels at column"), m);
        // far beyond any stack: refused at level 201, whatever follows
        m = refused(nest("(", ")", 4_999), null);
        assertTrue(m.contains("more than 200 levels"), m);
        m = refused(repeat("-", 9_000) + "x", null);
        assertTrue(m.contains("nested too deeply"), m);
        m = refused(nest("exp(", ")", 300), null);
        assertTrue(m.contains("nested too deeply"), m);
        // a chain is one parser level per operator but a tree level each: the tree's depth is what is refused
        m = refused(sum(201), null);
        assertTrue(m.contains("the primitive is nested too deeply: 201 levels; the limit is 200"), m);
        Formula.of(sum(200), null, Map.of());
        Formula.of(nest("(", ")", 199), null, Map.of());
    }

    @Test
    void aDerivativeTooLargeIsRefusedNamingItsSize() {
        // x*x*...*x (n factors): the product rule gives n terms of n factors
        String m = refused(String.join("*", java.util.Collections.nCopies(199, "x")), null);
        assertTrue(m.matches("Formula: the derivative of the primitive is too large: \\d+ nodes; the limit is 5000 .*"), m);
        assertTrue(Long.parseLong(m.replaceAll(".*too large: (\\d+) nodes.*", "$1")) > 5_000, m);
    }

    @Test
    void aMethodOverJanino64KbIsAUserErrorNotABug() {
        // the JVM's per-method limit, which Janino reports as an internal error; the class is otherwise valid
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 12_000; i++) {
            body.append("        s = s * x + ").append(i).append(".5;\n");
        }
        String source = "package io.github.sparksnn.surrogate.generated;\n"
                + "public final class Big extends io.github.sparksnn.surrogate.FormulaKernel {\n"
                + "    public double gradient(double x) {\n        double s = 0;\n" + body + "        return s;\n    }\n"
                + "    public float gradient(float x) { return 0f; }\n"
                + "    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) { }\n"
                + "    public void backward(float[] g, float[] x, int xOff, float[] gi, int gOff, int n) { }\n}\n";
        String m = assertThrows(IllegalArgumentException.class, () -> FormulaCompiler.compile(source)).getMessage();
        assertTrue(m.startsWith("Formula: formula too large: its generated Java (" + source.length() + " characters) exceeds"
                + " the JVM's limit of 64 KB of bytecode per method"), m);
        assertFalse(m.contains("a bug"), m);
        assertFalse(m.contains("\n"), m);
    }

    /** The largest n for which {@code shape(n)} parses and differentiates within the limits. */
    static int largestAccepted(IntFunction<String> shape) {
        int lo = 1;
        int hi = Formula.MAX_NESTING_DEPTH + 1;
        while (lo + 1 < hi) {
            int mid = (lo + hi) >>> 1;
            try {
                Expr.derivative(ExprParser.parse(shape.apply(mid)));
                lo = mid;
            } catch (IllegalArgumentException e) {
                hi = mid;
            }
        }
        return lo;
    }

    @Test
    void theWorstAcceptedFormulasGoThroughEveryWalkOnA256KbStack() throws Exception {
        List<IntFunction<String>> shapes = List.of(
                n -> nest("(", ")", n),
                n -> nest("-(", ")", n),
                FormulaLimitsTest::sum,
                FormulaLimitsTest::sines,
                n -> nest("x*(", ")", n), // product rule
                n -> nest("x/(1 + ", ")", n), // quotient rule
                n -> nest("x^(", ")", n), // power with x in the exponent
                n -> nest("sigmoid(", ")", n),
                n -> nest("tanh(", ")", n),
                n -> nest("erf(", ")", n),
                n -> nest("where(x < 0.5, 2*x, ", ")", n),
                n -> nest("min(x, ", ")", n),
                n -> nest("abs(1 - ", ")", n));
        List<String> worst = new ArrayList<>();
        int deepestGradient = 0;
        for (IntFunction<String> s : shapes) {
            String text = s.apply(LargeStack.call(() -> largestAccepted(s))); // searching walks deeper texts too
            worst.add(text);
            deepestGradient = Math.max(deepestGradient, LargeStack.call(() -> Expr.depth(Expr.derivative(ExprParser.parse(text)))));
        }
        // the derivatives nest deeper than any text may: the walks over them are what the stack must hold
        assertTrue(deepestGradient > Formula.MAX_NESTING_DEPTH, "deepest derived gradient: " + deepestGradient);
        List<String> report = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                for (String text : worst) {
                    long start = System.nanoTime();
                    Formula f = Formula.of(text, null, Map.of(), false);
                    float g = f.gradient(0.3f);
                    double gd = f.gradient(0.3);
                    f.primitive(0.3f);
                    float[] xs = {-0.7f, 0.3f, 1.1f, 2f};
                    float[] out = new float[4];
                    f.gradient(xs, 0, out, 0, 4);
                    f.backward(xs, xs, 0, out, 0, 4);
                    assertEquals(f, Surrogates.parse(f.toString()), text);
                    assertEquals(f.hashCode(), Surrogates.parse(f.toString()).hashCode());
                    f.cudaCode("x", "y", CudaDtype.FLOAT);
                    f.cudaCode("x", "y", CudaDtype.HALF2);
                    f.kinks();
                    // the float and double paths compute the same function
                    assertTrue(Math.abs(g - gd) <= 1e-3 * Math.max(1, Math.abs(gd)) || Double.isNaN(gd), text + ": " + g + " vs " + gd);
                    report.add(text.substring(0, 12) + ".. (" + text.length() + " chars): " + f.gradientText().length()
                            + " chars of gradient, " + (System.nanoTime() - start) / 1_000_000 + " ms");
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", SMALL_STACK);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError("on a 256 KB stack: " + failure[0], failure[0]);
        }
        System.out.println("worst accepted, deepest gradient " + deepestGradient + ": " + report);
        assertEquals(shapes.size(), report.size());
    }
}
