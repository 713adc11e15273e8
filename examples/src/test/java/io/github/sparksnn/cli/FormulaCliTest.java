package io.github.sparksnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Formula surrogates on the command line: --function, --param, check-grad, cuda, model check-grad, bench. */
class FormulaCliTest {
    static final String ATAN = "Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)";

    @Test
    void surrogateCommandsTakeAFormula() {
        CliRun grad = CliRun.of("surrogate", "check-grad", "--function", ATAN);
        assertEquals(0, grad.exitCode(), grad::toString);
        assertTrue(grad.out().contains("PASS") && grad.out().contains("Formula(primitive="), grad.out());

        CliRun param = CliRun.of("surrogate", "check-grad", "--function", ATAN, "--param", "alpha=3");
        assertEquals(0, param.exitCode(), param::toString);
        assertTrue(param.out().contains("alpha=3.0"), param.out());

        CliRun cuda = CliRun.of("surrogate", "cuda", "--function", ATAN, "--dtype", "half2");
        assertEquals(0, cuda.exitCode(), cuda::toString);
        assertTrue(cuda.out().contains("__floats2half2_rn") && cuda.out().contains("surrogate.Formula.cuda_code"), cuda.out());
    }

    @Test
    void badFormulasAreOneLineUsageErrors() {
        CliRun bad = CliRun.of("surrogate", "check-grad", "--function", "Formula(primitive='0.5 + atan(x', alpha=1)");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains("syntax error in the primitive"), bad.err());
        assertTrue(!bad.err().contains("\tat "), "no stack trace");
        CliRun unknown = CliRun.of("surrogate", "check-grad", "--function", ATAN, "--param", "beta=3");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("unknown parameter 'beta'"), unknown.err());
    }

    @Test
    void modelCheckGradPassesWithFormulaSurrogates() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = SnnCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("model", "check-grad", "--model",
                "linear(12, 6) | plif(surrogate=" + ATAN + ") | linear(6, 3) | lif(v_reset=none, surrogate=Formula(primitive='sigmoid(a*x)', a=4))",
                "--input-shape", "12", "--T", "3", "--batch", "2", "--seed", "4");
        assertEquals(0, code, out + "\n" + err);
        assertTrue(out.toString().contains("PASSED"), out.toString());
    }

    @Test
    void benchSpecsSplitOutsideParenthesesAndQuotes() {
        assertEquals(List.of("ATan", "Formula(primitive='where(x < 0, 1, min(x, 2))', a=2)", "Sigmoid(alpha=3)"),
                BenchSurrogateCommand.splitSpecs(List.of("ATan,Formula(primitive='where(x < 0, 1, min(x, 2))', a=2),Sigmoid(alpha=3)")));
        CliRun run = CliRun.of("bench", "surrogate", "--size", "8192", "--repeat", "1", "--warmup", "0", "--formula-rounds",
                "3", "--formula-sample-ms", "0.5", "--functions",
                "ATan,Rect," + BenchSurrogateCommand.FORMULA_ATAN_PRIMITIVE + "," + BenchSurrogateCommand.FORMULA_ATAN_GRADIENT);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("Formula ATan, gradient derived vs the ATan class, ATan(alpha=2.0):"), run.out());
        assertTrue(run.out().contains("Formula ATan, gradient given vs the ATan class, ATan(alpha=2.0):"), run.out());
        // the class-vs-formula table: one row per built-in (not per Formula), its definition and the accuracy check
        assertTrue(run.out().matches("(?s).*\\nATan\\(alpha=2\\.0\\) +formula +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +ok \\(.*"), run.out());
        assertTrue(run.out().matches("(?s).*\\nRect\\(alpha=1\\.0\\) +hand-written +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +ok \\(.*"), run.out());
        String table = run.out().substring(run.out().indexOf("FORMULA/CLASS"));
        assertTrue(!table.contains("\nFormula"), "a Formula has no hand-written twin to compare with: " + table);
    }

    @Test
    void gradientOnlyFormulasTableWithAnEmptyPrimitiveColumnAndPlot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        CliRun table = CliRun.of("surrogate", "table", "--function", "Formula(gradient='1/(1 + abs(x))^2')");
        assertEquals(0, table.exitCode(), table::toString);
        assertEquals("x,spike,primitive,gradient", table.outLines().get(0));
        assertEquals("-2.0,0.0,,0.11111111", table.outLines().get(1));
        CliRun plot = CliRun.of("surrogate", "plot", "--function", "Formula(gradient='1/(1 + abs(x))^2')",
                "--output", dir.resolve("g.png").toString());
        assertEquals(0, plot.exitCode(), plot::toString);
    }
}
