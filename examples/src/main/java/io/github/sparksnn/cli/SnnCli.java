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
 * <p>Exit codes, the same for every subcommand ({@code bin/snn cluster} and {@code submit} included): {@code 0}
 * success, {@code 1} a problem found while running (missing, unreadable or malformed input file, I/O error, a Spark
 * master that cannot start), {@code 2} a usage error (unknown option, function, parameter or value), {@code 3} a
 * check that did not pass: it ran and failed (e.g. {@code surrogate check-grad} over tolerance), or it needs
 * something this machine lacks (no usable GPU, no root). Errors are one line on
 * stderr, {@code snn COMMAND: REASON}, no stack trace (set the environment variable {@code SNN_DEBUG=1} to get
 * one); a spec typo adds the spec and a caret under the offending character.
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
                StreamCommand.class,
                BenchCommand.class,
                GpuCommand.class,
                SnnCli.Cluster.class,
                SnnCli.Submit.class,
        })
public final class SnnCli implements Runnable {

    /**
     * Exit code of a check that did not pass: it ran and failed, or it cannot run on this machine (as opposed to a
     * problem with the input, 1, or a usage error, 2).
     */
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
        // An option given twice takes its last value (appending --epochs 1 to a documented command is a quick run).
        cli.setOverwrittenOptionsAllowed(true);
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

    /**
     * {@code snn cluster}, listed here so that {@code snn --help} shows it: {@code bin/snn} runs it in the shell
     * (it starts and stops daemons), before any JVM starts.
     */
    @Command(name = "cluster", description = "A standalone Spark Master and Workers on 127.0.0.1 from the project's"
            + " jars: start [--workers N], status, stop (run by bin/snn itself: 'bin/snn cluster --help').")
    static final class Cluster implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw Commands.usage(spec, "run it through bin/snn: bin/snn cluster start|status|stop (see 'bin/snn"
                    + " cluster --help')");
        }
    }

    /** {@code snn submit}, listed here for {@code snn --help}; {@code bin/snn} runs it (Spark's SparkSubmit). */
    @Command(name = "submit", description = "Spark's SparkSubmit with the training job, to the cluster of 'snn"
            + " cluster start' or --master URL (run by bin/snn itself: 'bin/snn submit --help').")
    static final class Submit implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw Commands.usage(spec, "run it through bin/snn: bin/snn submit [spark-submit options] [-- train"
                    + " options] (see 'bin/snn submit --help')");
        }
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
