package io.github.sparksnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ModelCommandTest {
    private static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new ModelCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[]{String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void checkGradPassesOnASmallNetworkAndPrintsEveryTensor() {
        String[] r = run("check-grad", "--model", "linear(12, 6) | plif | linear(6, 3) | lif(v_reset=none)",
                "--input-shape", "12", "--T", "3", "--batch", "2", "--seed", "4");
        assertEquals("0", r[0], r[1] + r[2]);
        for (String t : new String[]{"1.linear.weight", "1.linear.bias", "2.plif.w", "3.linear.weight", "3.linear.bias"}) {
            assertTrue(r[1].contains(t), r[1]);
        }
        assertTrue(r[1].contains("PASSED"), r[1]);
    }

    @Test
    void checkGradFailsWithExitCode3BelowAnImpossibleTolerance() {
        String[] r = run("check-grad", "--model", "linear(12, 6) | lif | linear(6, 3) | lif", "--input-shape", "12",
                "--tolerance", "1e-30");
        assertEquals("3", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("FAILED"), r[1]);
    }

    @Test
    void badSpecIsAUsageErrorNamingTheLayer() {
        String[] r = run("check-grad", "--model", "flatten | linear(780, 10)");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("layer 2 'linear(780, 10)'"), r[2]);
    }
}
