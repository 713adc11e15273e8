package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SurrogateTableCommandTest {

    @TempDir
    Path dir;

    static Stream<String> functionNames() {
        return Surrogates.list().stream().map(Surrogates.Descriptor::name);
    }

    /** One parsed CSV row. */
    record Row(float x, float spike, float primitive, float gradient) {
        static Row parse(String line) {
            String[] c = line.split(",", -1);
            assertEquals(4, c.length, "4 columns in '" + line + "'");
            return new Row(Float.parseFloat(c[0]), Float.parseFloat(c[1]), Float.parseFloat(c[2]), Float.parseFloat(c[3]));
        }
    }

    static List<Row> rows(CliRun run) {
        List<String> lines = run.outLines();
        assertEquals("x,spike,primitive,gradient", lines.get(0), "header");
        List<Row> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            rows.add(Row.parse(l));
        }
        return rows;
    }

    /** Bitwise float equality, so that -0.0 vs 0.0 and NaN are told apart. */
    static void assertSameFloat(float expected, float actual, String what) {
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual), what + ": expected " + expected + ", got " + actual);
    }

    static void assertRowsMatch(SurrogateFunction f, List<Row> rows) {
        for (Row r : rows) {
            assertSameFloat(r.x() >= 0 ? 1f : 0f, r.spike(), f + " spike at " + r.x());
            assertSameFloat(f.primitive(r.x()), r.primitive(), f + " primitive at " + r.x());
            assertSameFloat(f.gradient(r.x()), r.gradient(), f + " gradient at " + r.x());
        }
    }

    @ParameterizedTest
    @MethodSource("functionNames")
    void defaultGridHasOneRowPerCheckerPointWithTheFunctionsFloatValues(String name) {
        CliRun run = CliRun.of("surrogate", "table", "--function", name);
        assertEquals(0, run.exitCode(), run::toString);
        List<Row> rows = rows(run);
        assertEquals(1024, rows.size(), "the checker's grid: x = -2 + i/256, i < 1024");
        for (int i = 0; i < rows.size(); i++) {
            assertSameFloat((float) (-2 + i * 0.00390625), rows.get(i).x(), "grid x[" + i + "]");
        }
        assertRowsMatch(Surrogates.create(name, Map.of()), rows);
    }

    @Test
    void inputFileRowsComeInOrderAndBlankLinesAreSkipped() throws IOException {
        Path in = dir.resolve("x.txt");
        Files.writeString(in, "0.1\n\n  -1e-3  \n+3\n-0.0\n.5\n\n", StandardCharsets.UTF_8);
        CliRun run = CliRun.of("surrogate", "table", "--function", "ATan", "--input", in.toString());
        assertEquals(0, run.exitCode(), run::toString);
        List<Row> rows = rows(run);
        float[] expected = {0.1f, -1e-3f, 3f, -0.0f, 0.5f};
        assertEquals(expected.length, rows.size());
        for (int i = 0; i < expected.length; i++) {
            assertSameFloat(expected[i], rows.get(i).x(), "row " + i);
        }
        assertRowsMatch(new ATan(), rows);
        assertSameFloat(1f, rows.get(3).spike(), "H(-0.0) = 1 since -0.0 >= 0");
    }

    @Test
    void printedFloatsRoundTripBitForBit() throws IOException {
        // Random bit patterns in [-4, 4] plus awkward values; inputs given as exact decimal expansions, so the
        // parser sees long decimals, and the output must print each float so that it parses back to itself.
        SplittableRandom rnd = new SplittableRandom(7);
        List<Float> xs = new ArrayList<>(List.of(0.1f, Math.nextUp(1f), Math.nextDown(0f), Float.MIN_VALUE,
                Float.MIN_NORMAL, 1e-30f, -2f, 2f, 0.3f, 1f / 3f));
        while (xs.size() < 500) {
            float v = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isFinite(v) && Math.abs(v) <= 4f) {
                xs.add(v);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (float v : xs) {
            sb.append(new BigDecimal(v).toPlainString()).append('\n');
        }
        Path in = dir.resolve("exact.txt");
        Files.writeString(in, sb, StandardCharsets.UTF_8);
        Path out = dir.resolve("sub/out.csv");
        CliRun run = CliRun.of("surrogate", "table", "--function", "ATan(alpha=3)", "--input", in.toString(),
                "--output", out.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals("", run.out(), "with --output nothing goes to stdout");
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(xs.size() + 1, lines.size());
        for (int i = 0; i < xs.size(); i++) {
            Row r = Row.parse(lines.get(i + 1));
            assertSameFloat(xs.get(i), r.x(), "x round trip, row " + (i + 1));
            // What is printed is Float.toString, so re-printing the parsed value gives the same text.
            String[] cells = lines.get(i + 1).split(",");
            assertEquals(cells[3], Float.toString(r.gradient()));
            assertSameFloat(new ATan(3).gradient(xs.get(i)), r.gradient(), "gradient row " + (i + 1));
        }
    }

    @Test
    void outputIgnoresTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY); // decimal comma: a locale-dependent formatter would break the CSV
            CliRun run = CliRun.of("surrogate", "table", "--function", "atan");
            assertEquals(0, run.exitCode(), run::toString);
            assertEquals(1024, rows(run).size());
            assertTrue(run.out().contains("-1.9960938,"), "dots as decimal separator");
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void malformedLineIsAnErrorNamingItsLineNumber() throws IOException {
        Path in = dir.resolve("bad.txt");
        Files.writeString(in, "0.5\n\n1.0\nabc\n2.0\n", StandardCharsets.UTF_8);
        CliRun run = CliRun.of("surrogate", "table", "--function", "ATan", "--input", in.toString());
        assertEquals(1, run.exitCode(), run::toString);
        assertEquals(1, run.errLines().size(), "one line on stderr: " + run.err());
        String line = run.errLines().get(0);
        assertTrue(line.contains("line 4"), line);
        assertTrue(line.contains("'abc'"), line);
        assertTrue(line.contains(in.toString()), line);
        assertFalse(line.contains("Exception"), "no exception class or trace: " + line);
        assertEquals("", run.out(), "nothing printed before the error");
    }

    @Test
    void nonFiniteAndSuffixedNumbersAreRejected() throws IOException {
        for (String bad : new String[] {"NaN", "Infinity", "1.0f", "0x1p3", "1,5", "1e39"}) {
            Path in = dir.resolve("bad-" + Math.abs(bad.hashCode()) + ".txt");
            Files.writeString(in, "0\n" + bad + "\n", StandardCharsets.UTF_8);
            CliRun run = CliRun.of("surrogate", "table", "--function", "ATan", "--input", in.toString());
            assertEquals(1, run.exitCode(), bad + ": " + run);
            assertTrue(run.err().contains("line 2"), bad + ": " + run.err());
        }
    }

    @Test
    void emptyOrMissingInputIsAnError() throws IOException {
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "\n  \n", StandardCharsets.UTF_8);
        CliRun run = CliRun.of("surrogate", "table", "--function", "ATan", "--input", empty.toString());
        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("no input values"), run.err());

        Path missing = dir.resolve("nope.txt");
        run = CliRun.of("surrogate", "table", "--function", "ATan", "--input", missing.toString());
        assertEquals(1, run.exitCode(), run::toString);
        assertEquals(List.of("snn surrogate table: no such file: " + missing), run.errLines());
    }

    @Test
    void paramOverridesTheSpecAndMatchesTheFunctionBuiltDirectly() {
        CliRun byParam = CliRun.of("surrogate", "table", "--function", "atan", "--param", "alpha=3");
        CliRun bySpec = CliRun.of("surrogate", "table", "--function", "ATan(alpha=3)");
        CliRun overridden = CliRun.of("surrogate", "table", "--function", "ATan(alpha=5)", "--param", "alpha=3");
        CliRun defaults = CliRun.of("surrogate", "table", "--function", "ATan");
        assertEquals(0, byParam.exitCode(), byParam::toString);
        assertEquals(bySpec.out(), byParam.out());
        assertEquals(bySpec.out(), overridden.out());
        assertFalse(defaults.out().equals(byParam.out()), "alpha=3 differs from the default alpha=2");
        assertRowsMatch(new ATan(3), rows(byParam));
    }

    @Test
    void namesMatchAsTheRegistryDoesAndSpikingCanBeSet() {
        CliRun snake = CliRun.of("surrogate", "table", "--function", "piecewise_leaky_relu", "--param", "W=0.5");
        CliRun camel = CliRun.of("surrogate", "table", "--function", "PiecewiseLeakyReLU(w=0.5)");
        assertEquals(0, snake.exitCode(), snake::toString);
        assertEquals(camel.out(), snake.out());
        assertRowsMatch(Surrogates.create("PiecewiseLeakyReLU", Map.of("w", 0.5)), rows(snake));

        CliRun plot = CliRun.of("surrogate", "check-grad", "--function", "atan", "--param", "spiking=false");
        assertEquals(0, plot.exitCode(), plot::toString);
        assertTrue(plot.out().contains("ATan(alpha=2.0, spiking=false)"), plot.out());
        CliRun badBool = CliRun.of("surrogate", "table", "--function", "atan", "--param", "spiking=maybe");
        assertEquals(2, badBool.exitCode(), badBool::toString);
    }

    @Test
    void unknownFunctionErrorListsTheKnownNames() {
        CliRun run = CliRun.of("surrogate", "table", "--function", "NoSuchSurrogate");
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals(1, run.errLines().size(), run.err());
        String line = run.errLines().get(0);
        assertTrue(line.startsWith("snn surrogate table: unknown surrogate function 'NoSuchSurrogate'"), line);
        for (Surrogates.Descriptor d : Surrogates.list()) {
            assertTrue(line.contains(d.name()), "lists " + d.name() + ": " + line);
        }
    }

    @Test
    void badParametersAreOneLineUsageErrors() {
        CliRun unknown = CliRun.of("surrogate", "table", "--function", "ATan", "--param", "beta=1");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertEquals(1, unknown.errLines().size(), unknown.err());
        assertTrue(unknown.err().contains("'beta'") && unknown.err().contains("alpha"), unknown.err());

        CliRun notNumber = CliRun.of("surrogate", "table", "--function", "ATan", "--param", "alpha=two");
        assertEquals(2, notNumber.exitCode(), notNumber::toString);
        assertTrue(notNumber.err().contains("'two' is not a number"), notNumber.err());

        CliRun nan = CliRun.of("surrogate", "table", "--function", "ATan", "--param", "alpha=NaN");
        assertEquals(2, nan.exitCode(), nan::toString);
        assertEquals(1, nan.errLines().size(), nan.err());

        CliRun noEquals = CliRun.of("surrogate", "table", "--function", "ATan", "--param", "alpha");
        assertEquals(2, noEquals.exitCode(), noEquals::toString);
        assertEquals(1, noEquals.errLines().size(), noEquals.err());

        CliRun missing = CliRun.of("surrogate", "table");
        assertEquals(2, missing.exitCode(), missing::toString);
        assertEquals(1, missing.errLines().size(), missing.err());
        assertTrue(missing.err().contains("--function"), missing.err());
    }
}
