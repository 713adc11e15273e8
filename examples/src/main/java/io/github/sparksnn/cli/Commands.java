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

    /**
     * A usage error unless {@code bytes} more fit in the heap: a one-line message instead of an OutOfMemoryError
     * (an Error, which picocli's execution exception handler does not see) with a stack trace.
     */
    static void requireHeap(CommandSpec spec, long bytes, String what) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes > free) {
            throw usage(spec, what + " needs " + (bytes >> 20) + " MiB of heap but about " + (free >> 20)
                    + " MiB are free; lower --size or raise the heap (e.g. SNN_JAVA_OPTS=-Xmx8g)");
        }
    }

    /** A usage error of {@code spec}'s command (exit code 2, one line). */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * What a command throws when it cannot run on this machine (no usable GPU, no root): exit code
     * {@value SnnCli#EXIT_CHECK_FAILED}, like a check that ran and failed, with the reason on one line.
     */
    public static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String reason) {
            super(reason);
        }
    }
}
