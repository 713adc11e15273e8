package io.github.sparksnn.cli;

import io.github.sparksnn.gpu.CudaBackends;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The README's one exit-code rule, over every subcommand: 0 success, 1 a problem found while running (a missing
 * file among them), 2 a usage error, 3 a check that did not pass (it failed, or cannot run on this machine), each
 * error as one stderr line {@code snn COMMAND: REASON}. {@code bin/snn}'s own commands (cluster, submit) are held to
 * the same rule by {@code BinSnnTest}.
 */
class ExitCodesTest {
    static final String NO_SUCH = "/no/such/dir/for/snn";

    private static void collectLeaves(CommandLine cmd, List<String> path, List<List<String>> leaves,
                                      List<List<String>> groups) {
        var subs = new ArrayList<>(cmd.getSubcommands().keySet());
        subs.remove("help");
        if (subs.isEmpty()) {
            leaves.add(path);
            return;
        }
        if (!path.isEmpty()) {
            groups.add(path);
        }
        for (String s : subs) {
            List<String> p = new ArrayList<>(path);
            p.add(s);
            collectLeaves(cmd.getSubcommands().get(s), p, leaves, groups);
        }
    }

    /** One error line on stderr, prefixed by the command's full name; returns it. */
    private static String oneErrorLine(CliRun run, List<String> path, int code) {
        assertEquals(code, run.exitCode(), path + ": " + run);
        assertEquals(1, run.errLines().size(), path + ": one line: " + run);
        String prefix = path.isEmpty() ? "snn: " : "snn " + String.join(" ", path) + ": ";
        assertTrue(run.err().startsWith(prefix), path + ": prefix '" + prefix + "': " + run);
        return run.err().strip();
    }

    private static CliRun run(List<String> path, String... more) {
        List<String> args = new ArrayList<>(path);
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(new String[0]));
    }

    @Test
    void everyCommandExitsWith2OnAnUnknownOptionAndEveryGroupWithoutItsSubcommand() {
        List<List<String>> leaves = new ArrayList<>();
        List<List<String>> groups = new ArrayList<>();
        collectLeaves(SnnCli.newCommandLine(), List.of(), leaves, groups);
        assertTrue(leaves.size() >= 18, leaves.toString());
        for (List<String> leaf : leaves) {
            oneErrorLine(run(leaf, "--no-such-option"), leaf, 2); // or a missing required option, named first
        }
        for (List<String> group : groups) {
            oneErrorLine(run(group), group, 2);
        }
        oneErrorLine(CliRun.of(), List.of(), 2);
    }

    @Test
    void bashOnlyCommandsAreListedAndPointToBinSnn() {
        CliRun help = CliRun.of("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().lines().anyMatch(l -> l.strip().startsWith("cluster ")), help.out());
        assertTrue(help.out().lines().anyMatch(l -> l.strip().startsWith("submit ")), help.out());
        for (String c : new String[]{"cluster", "submit"}) {
            assertTrue(oneErrorLine(CliRun.of(c), List.of(c), 2).contains("bin/snn " + c));
        }
    }

    @Test
    void aMissingFileExits1WithOneLine() throws Exception {
        oneErrorLine(CliRun.of("surrogate", "table", "--function", "atan", "--input", NO_SUCH + "/xs.txt"),
                List.of("surrogate", "table"), 1);
        for (List<String> cmd : List.of(List.of("fit"), List.of("train"), List.of("bench", "spark"),
                List.of("bench", "torch"))) {
            String line = oneErrorLine(run(cmd, "--data-dir", NO_SUCH), cmd, 1);
            assertTrue(line.contains(NO_SUCH), line);
            assertTrue(line.contains("`sudo apt-get install dataset-fashion-mnist`"), "one install hint: " + line);
        }
        Path file = Files.createTempFile("snn-exit", ".txt");
        try {
            oneErrorLine(CliRun.of("surrogate", "plot", "--function", "atan", "--output", file + "/plot.png"),
                    List.of("surrogate", "plot"), 1);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aBadValueIsAUsageError() {
        oneErrorLine(CliRun.of("surrogate", "table", "--function", "nosuch"), List.of("surrogate", "table"), 2);
        oneErrorLine(CliRun.of("train", "--batch-size", "0"), List.of("train"), 2);
        oneErrorLine(CliRun.of("bench", "spark", "--rounds", "0"), List.of("bench", "spark"), 2);
        oneErrorLine(CliRun.of("gpu", "check-grad", "--function", "atan", "--dtype", "double"),
                List.of("gpu", "check-grad"), 2);
    }

    @Test
    void aFailedCheckExits3WithOneLine() {
        List<String> sg = List.of("surrogate", "check-grad");
        CliRun r = run(sg, "--function", "Sigmoid", "--tolerance", "0", "--float-tolerance", "0");
        assertTrue(oneErrorLine(new CliRun(r.exitCode(), "", r.err()), sg, 3).contains("exceeds tolerance"));
        List<String> model = List.of("model", "check-grad");
        r = run(model, "--model", "flatten | linear(6, 3) | lif", "--input-shape", "6", "--tolerance", "1e-15");
        assertTrue(oneErrorLine(new CliRun(r.exitCode(), "", r.err()), model, 3).contains("--tolerance"));
    }

    @Test
    void checkGradOnAGradientOnlyFormulaSaysWhatToDo() {
        List<String> sg = List.of("surrogate", "check-grad");
        String line = oneErrorLine(run(sg, "--function", "Formula(gradient='1/(1 + abs(x))^2')"), sg, 2);
        assertTrue(line.contains("give the primitive too"), line);
        assertTrue(!line.contains("Exception") && !line.contains("io.github"), "no Java class names: " + line);
    }

    @Test
    void aSpecTyposCaretStandsUnderTheOffendingToken() {
        String spec = "flatten | linear(784, 10) | lnear(10, 10)";
        CliRun r = CliRun.of("model", "check-grad", "--model", spec);
        assertEquals(2, r.exitCode(), r.toString());
        List<String> lines = r.errLines();
        assertEquals(3, lines.size(), "the error, the spec, the caret: " + r);
        assertTrue(lines.get(0).startsWith("snn model check-grad: ") && !lines.get(0).contains("^"), r.toString());
        assertEquals("  " + spec, lines.get(1));
        assertEquals(" ".repeat(2 + spec.indexOf("lnear")) + "^", lines.get(2));

        String function = "ATan(alpha=3,, beta=1)";
        r = CliRun.of("surrogate", "table", "--function", function);
        assertEquals(2, r.exitCode(), r.toString());
        lines = r.errLines();
        assertEquals(3, lines.size(), r.toString());
        int at = lines.get(2).indexOf('^');
        assertTrue(at >= 2 && at < lines.get(1).length(), "the caret points at a character: " + r);
        assertEquals(',', lines.get(1).charAt(at), r.toString());
    }

    @Test
    void anOptionGivenTwiceTakesItsLastValue() {
        String line = oneErrorLine(CliRun.of("train", "--epochs", "5", "--epochs", "-1"), List.of("train"), 2);
        assertTrue(line.contains("must be >= 0"), "the second --epochs was taken: " + line);
    }

    @Test
    void noGpuIsACheckThatCannotRunHere() {
        assumeFalse(CudaBackends.isAvailable(), "this machine has a usable GPU");
        for (List<String> cmd : List.of(List.of("gpu", "info"), List.of("gpu", "check-grad", "--function", "atan"))) {
            CliRun r = CliRun.of(cmd.toArray(new String[0]));
            List<String> path = cmd.subList(0, 2);
            assertTrue(oneErrorLine(new CliRun(r.exitCode(), "", r.err()), path, 3).contains("no usable GPU"), r.err());
        }
    }
}
