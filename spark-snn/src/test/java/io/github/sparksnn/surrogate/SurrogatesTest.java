package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The registry: parsing, creation, listing, user registration and its error messages. */
class SurrogatesTest {

    @Test
    void parsesTheDocumentedForms() {
        assertEquals(new ATan(2.0), Surrogates.parse("ATan(alpha=2.0)"));
        assertEquals(new S2NN(4, 1), Surrogates.parse("s2nn(alpha=4, beta=1)"));
        assertEquals(new ATan(), Surrogates.parse("atan"));
        assertEquals(new ATan(), Surrogates.parse("ATan()"));
        assertEquals(new Sigmoid(4.0, false), Surrogates.parse("Sigmoid(alpha=4.0, spiking=false)"));
        assertEquals(new Sigmoid(4.0, true), Surrogates.parse("SIGMOID(Spiking=TRUE)"));
        assertEquals(new PiecewiseLeakyReLU(0.5, 0.01), Surrogates.parse("  piecewise_leaky_relu ( w = 5e-1 ) "));
        assertEquals(new SquarewaveFourierSeries(5, 8), Surrogates.parse("SquarewaveFourierSeries(n=5)"));
        assertEquals(new SquarewaveFourierSeries(2, 4), Surrogates.parse("squarewavefourierseries(t_period=4)"));
        assertEquals(new LeakyKReLU(0.1, 2), Surrogates.parse("LeakyKReLU(k=2, leak=.1)"));
        assertEquals(new Rect(1e-4), Surrogates.parse("Rect(alpha=1.0E-4)"));
        assertEquals(new LogTailedReLU(-0.5), Surrogates.parse("LogTailedReLU(alpha=-0.5)"));
    }

    @Test
    void everyFunctionRoundTripsThroughToStringAtRandomParameters() {
        Random r = new Random(99L);
        for (String name : Formulas.NAMES) {
            for (int k = 0; k < 20; k++) {
                SurrogateFunction f = Surrogates.create(name, Formulas.randomParams(name, r));
                f.setSpikingMode(r.nextBoolean());
                SurrogateFunction back = Surrogates.parse(f.toString());
                assertEquals(f, back, f.toString());
                assertEquals(f.toString(), back.toString());
                assertEquals(f.isSpiking(), back.isSpiking());
            }
        }
    }

    @Test
    void listDescribesEveryBuiltinInUpstreamOrderWithDefaults() {
        List<Surrogates.Descriptor> list = Surrogates.list();
        for (int i = 0; i < Formulas.NAMES.length; i++) {
            Surrogates.Descriptor d = list.get(i);
            assertEquals(Formulas.NAMES[i], d.name());
            assertTrue(d.formula().startsWith("g'(x) = ") && !d.formula().contains("\n"), d.formula());
            SurrogateFunction f = Surrogates.create(d.name(), Map.of());
            assertEquals(d.defaults(), f.parameters(), "defaults of " + d.name());
            assertEquals(f, Surrogates.parse(d.name()));
        }
        assertEquals(Map.of("w", 1.0, "c", 0.01), list.get(8).defaults());
        assertEquals(List.of("n", "T_period"), List.copyOf(list.get(9).defaults().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> list.get(0).defaults().put("x", 1.0));
    }

    @Test
    void createTakesParametersByAnyCaseAndSpikingAsOneOrZero() {
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("ALPHA", 3.0);
        p.put("spiking", 0.0);
        SurrogateFunction f = Surrogates.create("atan", p);
        assertEquals(new ATan(3.0, false), f);
        assertEquals(new ATan(), Surrogates.create("ATan", null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Surrogates.create("ATan", Map.of("spiking", 0.5)));
        assertTrue(e.getMessage().contains("spiking"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Surrogates.create("ATan", Map.of("alpha", 1.0, "ALPHA", 2.0)));
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    }

    @Test
    void unknownNameListsTheValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Surrogates.parse("Atanh(alpha=2)"));
        assertTrue(e.getMessage().contains("Unknown surrogate function 'Atanh'"), e.getMessage());
        for (String n : Formulas.NAMES) {
            assertTrue(e.getMessage().contains(n), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Surrogates.create("nope", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Surrogates.create(null, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Surrogates.parse(null));
    }

    @Test
    void unknownParameterListsThatFunctionsParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Surrogates.parse("S2NN(gamma=1)"));
        assertTrue(e.getMessage().contains("S2NN has no parameter 'gamma'"), e.getMessage());
        assertTrue(e.getMessage().contains("alpha, beta, spiking"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Surrogates.create("Rect", Map.of("w", 1.0)));
        assertTrue(e.getMessage().contains("Rect has no parameter 'w'"), e.getMessage());
    }

    @Test
    void malformedSyntaxPointsAtTheColumn() {
        String[][] cases = {
            {"ATan(alpha=)", "column 12"},
            {"ATan(alpha=2.0", "column 15"},
            {"ATan alpha=2", "column 6"},
            {"ATan(alpha 2)", "column 12"},
            {"ATan(alpha=2.0))", "column 16"},
            {"ATan(alpha=2.0;beta=1)", "column 15"},
            {"", "column 1"},
            {"(alpha=2)", "column 1"},
            {"ATan(alpha=NaN)", "column 12"},
            {"ATan(alpha=Infinity)", "column 12"},
            {"ATan(alpha=2,)", "column 14"},
            {"ATan(alpha=0x10)", "column 13"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Surrogates.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains("Malformed surrogate spec at " + c[1]), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains("^"), "a caret under the column");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Surrogates.parse("ATan(alpha=1, ALPHA=2)"));
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    }

    @Test
    void outOfRangeValuesAreRejectedNamingFunctionParameterAndRange() {
        String[][] cases = {
            {"SoftSign(alpha=0)", "SoftSign", "alpha", "> 0"},
            {"SoftSign(alpha=-1)", "SoftSign", "alpha", "> 0"},
            {"PiecewiseLeakyReLU(w=0)", "PiecewiseLeakyReLU", "w", "> 0"},
            {"QPseudoSpike(alpha=1)", "QPseudoSpike", "alpha", "> 1"},
            {"QPseudoSpike(alpha=0.5)", "QPseudoSpike", "alpha", "> 1"},
            {"SquarewaveFourierSeries(n=2.5)", "SquarewaveFourierSeries", "n", "integer >= 1"},
            {"SquarewaveFourierSeries(n=0)", "SquarewaveFourierSeries", "n", "integer >= 1"},
            {"SquarewaveFourierSeries(n=1e10)", "SquarewaveFourierSeries", "n", "integer >= 1"},
            {"SquarewaveFourierSeries(T_period=-8)", "SquarewaveFourierSeries", "T_period", "> 0"},
            {"PiecewiseQuadratic(alpha=0)", "PiecewiseQuadratic", "alpha", "> 0"},
            {"Rect(alpha=-2)", "Rect", "alpha", "> 0"},
            {"FakeNumericalGradient(alpha=0)", "FakeNumericalGradient", "alpha", "> 0"},
            {"ATan(alpha=0)", "ATan", "alpha", "> 0"},
            {"Sigmoid(alpha=-4)", "Sigmoid", "alpha", "> 0"},
            {"Erf(alpha=0)", "Erf", "alpha", "> 0"},
            {"NonzeroSignLogAbs(alpha=0)", "NonzeroSignLogAbs", "alpha", "> 0"},
            {"PiecewiseExp(alpha=0)", "PiecewiseExp", "alpha", "> 0"},
            {"SuperSpike(alpha=0)", "SuperSpike", "alpha", "> 0"},
            {"S2NN(alpha=0)", "S2NN", "alpha", "> 0"},
            {"ATan(alpha=1e999)", "ATan", "alpha", "finite"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Surrogates.parse(c[0]), c[0]);
            for (int i = 1; i < c.length; i++) {
                assertTrue(e.getMessage().contains(c[i]), c[0] + " -> " + e.getMessage());
            }
        }
        // NaN and infinities through create and the constructors
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> Surrogates.create("LeakyKReLU", Map.of("leak", bad)));
            assertThrows(IllegalArgumentException.class, () -> new LeakyKReLU(0, bad));
            assertThrows(IllegalArgumentException.class, () -> new LogTailedReLU(bad));
            assertThrows(IllegalArgumentException.class, () -> new DeterministicPass(bad));
            assertThrows(IllegalArgumentException.class, () -> new S2NN(4, bad));
            assertThrows(IllegalArgumentException.class, () -> new PiecewiseLeakyReLU(1, bad));
            assertThrows(IllegalArgumentException.class, () -> new SquarewaveFourierSeries(2, bad));
            assertThrows(IllegalArgumentException.class, () -> new SquarewaveFourierSeries(bad, 8));
            for (String n : Formulas.NAMES) {
                String first = Surrogates.create(n, Map.of()).parameters().keySet().iterator().next();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Surrogates.create(n, Map.of(first, bad)), n);
                assertTrue(e.getMessage().contains(first) && e.getMessage().contains(n), e.getMessage());
            }
        }
        // parameters whose float constants would overflow or underflow
        for (String spec : new String[] {"Rect(alpha=1e-50)", "PiecewiseQuadratic(alpha=1e20)", "ATan(alpha=1e39)",
            "SquarewaveFourierSeries(T_period=1e-40)", "LeakyKReLU(leak=1e-50)", "QPseudoSpike(alpha=1e300)"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Surrogates.parse(spec), spec);
            assertTrue(e.getMessage().contains("range of float"), spec + " -> " + e.getMessage());
        }
        // the allowed edges
        assertEquals(0, new SquarewaveFourierSeries(1, 8).gradient(0.3), 0.0);
        assertEquals(0.5, new SquarewaveFourierSeries(1, 8).primitive(0.3), 0.0);
        assertEquals(-2.0, new LeakyKReLU(0.5, -2).gradient(1.0), 0.0);
    }

    /** A user function: g'(x) = a (constant), g = a x + 1/2. */
    static final class Linear extends SurrogateFunction {
        private static final long serialVersionUID = 1L;
        final double a;

        Linear(double a) {
            super(true);
            this.a = requireFinite("MyLinear", "a", a);
        }

        @Override public String name() { return "MyLinear"; }
        @Override public Map<String, Double> parameters() { return params("a", a); }
        @Override public double primitive(double x) { return a * x + 0.5; }
        @Override public double gradient(double x) { return a; }
        @Override public String cudaCode(String x, String y, CudaDtype dtype) {
            return new CudaSnippet(this, x, y, dtype).result(dtype == CudaDtype.FLOAT ? cudaFloat(a) : cudaHalf2(a));
        }
        @Override public SurrogateFunction copy() { return new Linear(a).setSpikingMode(isSpiking()); }
    }

    @Test
    void userFunctionsRegisterParseAndRoundTrip() {
        if (Surrogates.names().contains("MyLinear")) {
            return; // registered by an earlier run of this test in the same JVM
        }
        Surrogates.register("MyLinear", Map.of("a", 0.25), "g'(x) = a", p -> new Linear(p.get("a")));
        SurrogateFunction f = Surrogates.parse("mylinear(A=3, spiking=false)");
        assertEquals(new Linear(3).setSpikingMode(false), f);
        assertEquals(f, Surrogates.parse(f.toString()));
        assertEquals(new Linear(0.25), Surrogates.parse("MyLinear"));
        Surrogates.Descriptor d = Surrogates.list().get(Surrogates.list().size() - 1);
        assertEquals("MyLinear", d.name());
        assertEquals("g'(x) = a", d.formula());
        assertTrue(GradientChecker.check(f).passed());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Surrogates.register("my_linear", Map.of("a", 1.0), p -> new Linear(p.get("a"))));
        assertTrue(e.getMessage().contains("already registered"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Surrogates.register("ATan", Map.of("alpha", 1.0), p -> new ATan(p.get("alpha"))));
        assertThrows(IllegalArgumentException.class,
                () -> Surrogates.register("Other", Map.of("a", 1.0), p -> new Linear(p.get("a"))),
                "the factory must build a function of the registered name");
        assertThrows(IllegalArgumentException.class,
                () -> Surrogates.register("Bad Name", Map.of(), p -> new Linear(1)));
        assertThrows(IllegalArgumentException.class,
                () -> Surrogates.register("Nan1", Map.of("a", Double.NaN), p -> new Linear(1)));
        assertThrows(IllegalArgumentException.class,
                () -> Surrogates.register("Spk", Map.of("spiking", 1.0), p -> new Linear(1)));
        assertFalse(Surrogates.names().contains("Other"));
    }
}
