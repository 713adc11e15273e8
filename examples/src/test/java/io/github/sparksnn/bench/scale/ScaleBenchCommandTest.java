package io.github.sparksnn.bench.scale;

import io.github.sparksnn.cli.CliRun;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument checks and the can-it-run-here check of {@code snn bench scale}; nothing here needs root. */
class ScaleBenchCommandTest {

    private static String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[]{Integer.toString(r.exitCode()), r.out(), r.err()};
    }

    private static void usageError(String expected, String... args) {
        String[] r = run(args);
        assertEquals("2", r[0], String.join(" ", args) + "\n" + r[2]);
        assertEquals(1, r[2].lines().count(), r[2]);
        assertTrue(r[2].contains(expected), r[2]);
        assertEquals("", r[1]);
    }

    @Test
    void badOptionsAreOneLineUsageErrors() {
        usageError("--hosts must be in [1, 64], got 0", "bench", "scale", "--hosts", "0");
        usageError("--hosts must be in [1, 64], got 65", "bench", "scale", "--hosts", "65");
        usageError("--link-gbit must be in [0.001, 1000], got 0.0", "bench", "scale", "--hosts", "2", "--link-gbit", "0");
        usageError("--batch-per-task must be >= 1", "bench", "scale", "--hosts", "2", "--batch-per-task", "0");
        usageError("--fan-in must be >= 0", "bench", "scale", "--hosts", "2", "--fan-in", "-1");
        usageError("--tasks-per-host must be in [1, 64]", "bench", "scale", "--hosts", "2", "--tasks-per-host", "0");
        usageError("--threads-per-task must be in [1, 64], got 0", "bench", "scale", "--hosts", "2",
                "--threads-per-task", "0");
        usageError("--steps must be >= 3", "bench", "scale", "--hosts", "2", "--steps", "2");
        usageError("--warmup-steps must be >= 0", "bench", "scale", "--hosts", "2", "--warmup-steps", "-1");
        usageError("invalid --model", "bench", "scale", "--hosts", "2", "--model", "linear(3,");
        usageError("--hosts", "bench", "scale");                                    // required
        usageError("--compute", "bench", "scale", "--hosts", "2", "--compute", "fast");
    }

    @Test
    void withoutRootOrToolsItSaysWhyInOneLine() {
        assertNull(ScaleBenchCommand.cannotRunHere(0, t -> true));
        String noRoot = ScaleBenchCommand.cannotRunHere(1000, t -> true);
        assertTrue(noRoot.startsWith("needs root") && noRoot.contains("uid 1000") && !noRoot.contains("\n"), noRoot);
        assertTrue(ScaleBenchCommand.cannotRunHere(0, t -> !t.equals("tc")).contains("'tc'"));
        assertTrue(ScaleBenchCommand.cannotRunHere(0, t -> false).contains("'ip'"));
    }

    @Test
    void rowsDoubleUpToTheHosts() {
        assertEquals(List.of(1), ScaleBenchCommand.rowHosts(1));
        assertEquals(List.of(1, 2), ScaleBenchCommand.rowHosts(2));
        assertEquals(List.of(1, 2, 4, 6), ScaleBenchCommand.rowHosts(6));
        assertEquals(List.of(1, 2, 4, 8), ScaleBenchCommand.rowHosts(8));
    }
}
