package io.github.sparksnn.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command tree: what is registered, and that every command answers --help and -V. */
class SnnCliTest {

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
        out.add(path);
        for (var e : cmd.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                List<String> p = new ArrayList<>(path);
                p.add(e.getKey());
                collect(e.getValue(), p, out);
            }
        }
    }

    @Test
    void theTreeHoldsTheDocumentedCommands() {
        CommandLine root = SnnCli.newCommandLine();
        assertTrue(root.getSubcommands().keySet().containsAll(Set.of("surrogate", "model", "bench", "fit", "help")),
                root.getSubcommands().keySet().toString());
        assertEquals(Set.of("list", "table", "check-grad", "plot", "cuda"),
                root.getSubcommands().get("surrogate").getSubcommands().keySet());
        assertTrue(root.getSubcommands().get("bench").getSubcommands().keySet().containsAll(Set.of("surrogate", "train")));
    }

    @Test
    void everyCommandAnswersHelpAndVersion() {
        List<List<String>> paths = new ArrayList<>();
        collect(SnnCli.newCommandLine(), List.of(), paths);
        assertTrue(paths.size() >= 10, paths.toString());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            CliRun help = CliRun.of(args.toArray(new String[0]));
            assertEquals(0, help.exitCode(), args + ": " + help);
            assertTrue(help.out().startsWith("Usage: snn" + (path.isEmpty() ? "" : " " + String.join(" ", path))),
                    args + ": " + help.out());

            args.set(args.size() - 1, "-V");
            CliRun version = CliRun.of(args.toArray(new String[0]));
            assertEquals(0, version.exitCode(), args + ": " + version);
            assertTrue(version.out().startsWith("snn "), args + ": " + version.out());
        }
    }
}
