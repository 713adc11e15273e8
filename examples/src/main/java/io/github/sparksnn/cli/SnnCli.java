package io.github.sparksnn.cli;

import io.github.sparksnn.examples.TrainJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code snn} command line: the root of all subcommand groups.
 *
 * <p>A subcommand is added by naming its class in {@code subcommands} below (or in the group it belongs to,
 * e.g. {@link BenchCommand}); nothing else needs to change. Every command prints through
 * {@code spec.commandLine().getOut()/getErr()} so that tests can run it in-process with {@link #newCommandLine()}.
 *
 * <p>Exit codes: {@code 0} success, {@code 1} a problem found while running (unreadable or malformed input file,
 * I/O error), {@code 2} a usage error (unknown option, function, parameter or value), {@code 3} a check that
 * ran and failed (e.g. {@code surrogate check-grad} over tolerance). Errors are one line on stderr, no stack
 * trace (set the environment variable {@code SNN_DEBUG=1} to get one).
 */
@Command(name = "snn",
        // -h/--help and -V/--version on every subcommand, without repeating them there.
        scope = CommandLine.ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = SnnCli.Version.class,
        description = "spark-snn: spiking neural networks with surrogate gradients on Apache Spark.",
        subcommands = {
                CommandLine.HelpCommand.class,
                SurrogateCommand.class,
                ModelCommand.class,
                FitCommand.class,
                TrainJob.class,
                BenchCommand.class,
                GpuCommand.class,
        })
public final class SnnCli implements Runnable {

    /** Exit code of a check that ran and failed (as opposed to bad input, 1, or a usage error, 2). */
    public static final int EXIT_CHECK_FAILED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw Commands.missingSubcommand(spec);
    }

    /** A fully configured command line (error handlers, case-insensitive enums); used by {@link #main} and tests. */
    public static CommandLine newCommandLine() {
        return configure(new CommandLine(new SnnCli()));
    }

    /**
     * Gives {@code cli} the command line's error handling (one line per error, exit codes 1/2, {@code SNN_DEBUG=1}
     * for the trace); for commands run on their own, e.g. {@code TrainJob} as a {@code spark-submit} main class.
     */
    public static CommandLine configure(CommandLine cli) {
        OneLineErrors errors = new OneLineErrors();
        cli.setParameterExceptionHandler(errors);
        cli.setExecutionExceptionHandler(errors);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    public static void main(String[] args) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        int code;
        try {
            code = newCommandLine().execute(args);
        } catch (OutOfMemoryError e) {
            // An Error bypasses picocli's execution exception handler: keep the one-line promise here.
            System.err.println("snn: out of memory (" + e.getMessage() + "); raise the heap, e.g. SNN_JAVA_OPTS=-Xmx8g");
            code = 1;
        }
        System.exit(code);
    }

    /** Reports the version from the jar manifest (set by Maven), or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SnnCli.class.getPackage().getImplementationVersion();
            return new String[] {"snn " + (v == null ? "(development build)" : v)};
        }
    }
}
