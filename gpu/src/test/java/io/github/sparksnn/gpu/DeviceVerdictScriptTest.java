package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpu/device-verdict.sh}, the exit status of {@code gpu/device-check.sh}, on canned reports whose check-grad
 * cells come from {@link DeviceReport#cell} itself (so the script and the report agree on what a FAIL looks like):
 * a FAIL cell or a section that threw fails the check even when every JUnit test passed.
 */
class DeviceVerdictScriptTest {
    static final Path VERDICT = Path.of("device-verdict.sh").toAbsolutePath();
    static final Path CHECK = Path.of("device-check.sh").toAbsolutePath();

    record Run(int code, String out) {
    }

    static Run verdict(int junit, int reportExit, Path report) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", VERDICT.toString(), String.valueOf(junit), String.valueOf(reportExit),
                report.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    static String row(String surrogate, double... worstOverTolerance) {
        StringBuilder sb = new StringBuilder("| ").append(surrogate);
        for (double w : worstOverTolerance) {
            sb.append(" | ").append(DeviceReport.cell(List.of(new GpuGradCheck.Row("check", 100, 1e-7 * w, w))));
        }
        return sb.append(" |\n").toString();
    }

    static Path report(Path dir, String body) throws IOException {
        Path r = dir.resolve("report.md");
        Files.writeString(r, "# spark-snn device report\n\nCUDA: available\n\n## check-grad\n\n"
                + "| surrogate | if float | lif float | plif float | half (g') |\n|---|---|---|---|---|\n" + body
                + "\n(done)\n");
        return r;
    }

    @Test
    void allCellsPassingAndTestsPassingPasses(@TempDir Path dir) throws Exception {
        Path r = report(dir, row("ATan(alpha=2.0)", 0.1, 0.2, 0.3, 1.0) + row("Sigmoid(alpha=4.0)", 0, 0.5, 0.9, 0.4));
        assertTrue(Files.readString(r).contains("PASS 1.00"), "a cell at exactly the tolerance passes");
        Run run = verdict(0, 0, r);
        assertEquals(0, run.code(), run.out());
        assertTrue(run.out().contains("verdict: all passed"), run.out());
    }

    @Test
    void aFailCellFailsTheCheckAndIsListed(@TempDir Path dir) throws Exception {
        Path r = report(dir, row("ATan(alpha=2.0)", 0.1, 0.2, 0.3, 0.4) + row("Erf(alpha=2.0)", 0.1, 3.5, 0.3, 0.4));
        Run run = verdict(0, 0, r);
        assertEquals(4, run.code(), run.out());
        assertTrue(run.out().contains("1 line(s)") && run.out().contains("| Erf(alpha=2.0) |"), run.out());
        assertTrue(!run.out().contains("all passed"), run.out());
    }

    @Test
    void aSectionThatThrewFailsTheCheck(@TempDir Path dir) throws Exception {
        Path r = report(dir, row("ATan(alpha=2.0)", 0.1, 0.2, 0.3, 0.4) + "\nparity FAILED: java.lang.IllegalStateException: x\n");
        Run run = verdict(0, 0, r);
        assertEquals(4, run.code(), run.out());
        assertTrue(run.out().contains("parity FAILED"), run.out());
    }

    @Test
    void theJUnitStatusWinsAndEveryReasonIsPrinted(@TempDir Path dir) throws Exception {
        Path r = report(dir, row("Erf(alpha=2.0)", 2, 0.2, 0.3, 0.4));
        Run run = verdict(1, 0, r);
        assertEquals(1, run.code(), run.out());
        assertTrue(run.out().contains("JUnit run failed (exit 1)") && run.out().contains("FAIL:"), run.out());
    }

    @Test
    void aReportThatEndedBadlyOrIsMissingFails(@TempDir Path dir) throws Exception {
        Path clean = report(dir, row("ATan(alpha=2.0)", 0.1, 0.2, 0.3, 0.4));
        Run timedOut = verdict(0, 124, clean);
        assertEquals(4, timedOut.code(), timedOut.out());
        assertTrue(timedOut.out().contains("DeviceReport ended with exit 124"), timedOut.out());
        Run missing = verdict(0, 0, dir.resolve("absent.md"));
        assertEquals(4, missing.code(), missing.out());
        assertTrue(missing.out().contains("no device report"), missing.out());
    }

    @Test
    void deviceCheckExitsWithTheVerdict() throws IOException {
        String script = Files.readString(CHECK);
        assertTrue(script.contains("bash gpu/device-verdict.sh \"$TESTS\" \"$REPORT\" \"$OUT/report.md\""), "calls it");
        String tail = script.substring(script.lastIndexOf("device-verdict.sh"));
        assertTrue(tail.contains("VERDICT=$?") && tail.strip().endsWith("exit \"$VERDICT\""), tail);
    }
}
