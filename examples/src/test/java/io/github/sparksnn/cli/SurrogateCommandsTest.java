package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.GradientChecker;
import io.github.sparksnn.surrogate.Surrogates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The surrogate subcommands other than table, and the root's error handling. */
class SurrogateCommandsTest {

    @TempDir
    Path dir;

    static Stream<String> functionNames() {
        return Surrogates.list().stream().map(Surrogates.Descriptor::name);
    }

    @Test
    void listShowsEveryFunctionWithItsDefaults() {
        CliRun run = CliRun.of("surrogate", "list");
        assertEquals(0, run.exitCode(), run::toString);
        List<String> lines = run.outLines();
        assertEquals(Surrogates.list().size() + 2, lines.size(), "header, rule, one row per function");
        assertTrue(lines.get(0).startsWith("NAME"), lines.get(0));
        for (Surrogates.Descriptor d : Surrogates.list()) {
            String row = lines.stream().filter(l -> l.startsWith(d.name() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + d.name() + " in\n" + run.out()));
            for (Map.Entry<String, Double> p : d.defaults().entrySet()) {
                assertTrue(row.contains(p.getKey() + "=" + p.getValue()), d.name() + " shows " + p + ": " + row);
            }
        }
        String atan = lines.stream().filter(l -> l.startsWith("ATan ")).findFirst().orElseThrow();
        assertTrue(atan.contains("alpha=2.0"), atan);
    }

    @Test
    void plotWritesAReadablePng() throws IOException {
        Path png = dir.resolve("plots/atan.png");
        CliRun run = CliRun.of("surrogate", "plot", "--function", "ATan", "--output", png.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(Files.size(png) > 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO decodes the PNG");
        assertEquals(800, img.getWidth());
        assertEquals(600, img.getHeight());
        // Three coloured curves on white: the primitive's blue and the gradient's red must be there.
        Set<Integer> colours = new HashSet<>();
        boolean red = false;
        boolean blue = false;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                red |= rgb == 0xd62728;
                blue |= rgb == 0x1f77b4;
            }
        }
        assertTrue(colours.size() > 10, "not a blank image: " + colours.size() + " colours");
        assertTrue(red, "gradient curve (red) drawn");
        assertTrue(blue, "primitive curve (blue) drawn");
    }

    @Test
    void plotWritesAnSvgWithPathsAndTitle() throws IOException {
        Path svg = dir.resolve("sigmoid.SVG");
        CliRun run = CliRun.of("surrogate", "plot", "--function", "Sigmoid", "--param", "alpha=3", "--output", svg.toString());
        assertEquals(0, run.exitCode(), run::toString);
        String text = Files.readString(svg, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("<?xml") || text.startsWith("<svg"), text.substring(0, Math.min(80, text.length())));
        assertTrue(text.contains("<svg"), "an svg element");
        assertTrue(text.contains("<path"), "drawn shapes");
        assertTrue(text.contains("<title>Sigmoid(alpha=3.0, spiking=true)</title>"), "title element");
        assertTrue(text.stripTrailing().endsWith("</svg>"), "complete document");
    }

    @Test
    void plotRejectsAnUnknownExtensionWithOneLine() {
        Path jpg = dir.resolve("atan.jpg");
        CliRun run = CliRun.of("surrogate", "plot", "--function", "ATan", "--output", jpg.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().contains(".png or .svg"), run.err());
        assertFalse(Files.exists(jpg), "no file written");
    }

    @Test
    void cudaPrintsTheFramedSnippet() {
        CliRun run = CliRun.of("surrogate", "cuda", "--function", "ATan", "--dtype", "float");
        assertEquals(0, run.exitCode(), run::toString);
        String expected = new ATan().cudaCode("x", "y", CudaDtype.FLOAT);
        assertEquals(expected.endsWith("\n") ? expected : expected + "\n", run.out());
        List<String> lines = run.outLines();
        assertEquals("// start: spikingjelly.activation_based.surrogate.ATan.cuda_code", lines.get(0));
        assertEquals("// end: spikingjelly.activation_based.surrogate.ATan.cuda_code", lines.get(lines.size() - 1));
        assertTrue(run.out().contains("const float y"), run.out());

        CliRun half = CliRun.of("surrogate", "cuda", "--function", "ATan(alpha=3)", "--dtype", "half2", "--x", "v", "--y", "grad_v");
        assertEquals(0, half.exitCode(), half::toString);
        assertTrue(half.out().contains("const half2 grad_v"), half.out());
        assertEquals(new ATan(3).cudaCode("v", "grad_v", CudaDtype.HALF2).strip(), half.out().strip());
    }

    @ParameterizedTest
    @MethodSource("functionNames")
    void cudaWorksForEveryFunctionAndDtype(String name) {
        for (String dtype : new String[] {"float", "half2"}) {
            CliRun run = CliRun.of("surrogate", "cuda", "--function", name, "--dtype", dtype, "--y", "g");
            assertEquals(0, run.exitCode(), run::toString);
            List<String> lines = run.outLines();
            String canonical = Surrogates.create(name, Map.of()).name();
            assertEquals("// start: spikingjelly.activation_based.surrogate." + canonical + ".cuda_code", lines.get(0));
            assertEquals("// end: spikingjelly.activation_based.surrogate." + canonical + ".cuda_code", lines.get(lines.size() - 1));
            assertTrue(run.out().contains(" g ") || run.out().contains(" g="), name + "/" + dtype + " declares g: " + run.out());
        }
    }

    @Test
    void cudaRejectsBadDtypeAndIdentifiers() {
        CliRun dtype = CliRun.of("surrogate", "cuda", "--function", "ATan", "--dtype", "double");
        assertEquals(2, dtype.exitCode(), dtype::toString);
        assertEquals(1, dtype.errLines().size(), dtype.err());
        assertTrue(dtype.err().contains("half2"), dtype.err());

        CliRun ident = CliRun.of("surrogate", "cuda", "--function", "ATan", "--dtype", "float", "--x", "1x");
        assertEquals(2, ident.exitCode(), ident::toString);
        assertTrue(ident.err().contains("C identifier"), ident.err());

        CliRun missing = CliRun.of("surrogate", "cuda", "--function", "ATan");
        assertEquals(2, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("--dtype"), missing.err());
    }

    @ParameterizedTest
    @MethodSource("functionNames")
    void checkGradPassesForEveryRegisteredFunction(String name) {
        CliRun run = CliRun.of("surrogate", "check-grad", "--function", name);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("PASS"), run.out());
        assertEquals("", run.err());
    }

    @Test
    void checkGradReportsTheCheckerAndFailsOverTolerance() {
        GradientChecker.Report report = GradientChecker.check(new ATan());
        CliRun pass = CliRun.of("surrogate", "check-grad", "--function", "ATan");
        assertTrue(pass.out().contains(String.valueOf(report.points())), pass.out());
        assertTrue(pass.out().contains(report.function()), pass.out());

        // A central difference is never exact for ATan, so a zero tolerance must fail, with one line on stderr.
        assertTrue(report.maxAbsError() > 0, "checker reports a nonzero error for ATan");
        CliRun fail = CliRun.of("surrogate", "check-grad", "--function", "ATan", "--tolerance", "0");
        assertEquals(SnnCli.EXIT_CHECK_FAILED, fail.exitCode(), fail::toString);
        assertTrue(fail.out().contains("FAIL"), fail.out());
        assertEquals(1, fail.errLines().size(), fail.err());
        assertTrue(fail.err().contains("exceeds tolerance"), fail.err());

        CliRun negative = CliRun.of("surrogate", "check-grad", "--function", "ATan", "--tolerance", "-1");
        assertEquals(2, negative.exitCode(), negative::toString);
    }

    @Test
    void groupsWithoutSubcommandAndUnknownOptionsAreOneLineUsageErrors() {
        for (String[] args : new String[][] {{}, {"surrogate"}, {"bench"}, {"surrogate", "nope"},
                {"surrogate", "list", "--bogus"}, {"--bogus"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run);
            assertEquals(1, run.errLines().size(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.err().startsWith("snn"), run.err());
            assertFalse(run.err().contains("\tat "), "no stack trace");
        }
        CliRun group = CliRun.of("surrogate");
        for (String sub : new String[] {"list", "table", "check-grad", "plot", "cuda"}) {
            assertTrue(group.err().contains(sub), group.err());
        }
    }

    @Test
    void benchRejectsBadInputBeforeAllocatingAnything() {
        CliRun huge = CliRun.of("bench", "surrogate", "--size", "2000000000");
        assertEquals(2, huge.exitCode(), huge::toString);
        assertEquals(1, huge.errLines().size(), huge.err());
        assertTrue(huge.err().contains("MiB of heap"), huge.err());

        CliRun unknown = CliRun.of("bench", "surrogate", "--functions", "ATan,NoSuch");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("unknown surrogate function 'NoSuch'"), unknown.err());

        CliRun tiny = CliRun.of("bench", "surrogate", "--size", "10");
        assertEquals(2, tiny.exitCode(), tiny::toString);
    }

    @Test
    void helpAndVersionSucceed() {
        CliRun help = CliRun.of("surrogate", "table", "--help");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.out().contains("--function"), help.out());
        assertEquals(0, CliRun.of("--version").exitCode());
    }
}
