package io.github.sparksnn.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.util.stream.Collectors;

/** Small helpers shared by the commands. */
final class Commands {
    private Commands() {
    }

    /** The usage error of a command group run without a subcommand: names the subcommands it has. */
    static ParameterException missingSubcommand(CommandSpec spec) {
        String names = spec.subcommands().keySet().stream()
                .filter(n -> !n.equals("help"))
                .collect(Collectors.joining(", "));
        return new ParameterException(spec.commandLine(),
                "missing subcommand, expected one of: " + names + " (see '" + spec.qualifiedName() + " --help')");
    }

    /** A usage error of {@code spec}'s command (exit code 2, one line). */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
