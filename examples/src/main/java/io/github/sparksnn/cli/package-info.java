/**
 * The {@code snn} command line ({@code bin/snn}), on picocli: {@link io.github.sparksnn.cli.SnnCli} is the root,
 * with the groups {@code surrogate} (list, table, plot, check-grad, cuda), {@code model} (check-grad), {@code fit}
 * (single-JVM training), {@code train} (the Spark job, {@code examples.TrainJob}), {@code bench} and {@code gpu}
 * (info, check-grad). A command is one small class that parses options, calls the library and prints; the
 * measuring code of the benchmarks lives in {@code bench}.
 *
 * <p>Contract: exit code 0 on success, 1 for a problem met while running, 2 for a usage error,
 * {@value io.github.sparksnn.cli.SnnCli#EXIT_CHECK_FAILED} for a check that ran and failed; every error is one line
 * on stderr ({@code OneLineErrors}; {@code SNN_DEBUG=1} adds the trace); commands print through picocli's writers,
 * so tests run them in process. It imports the whole library ({@code spark-snn}'s packages and the {@code gpu}
 * module), {@code bench} and {@code examples} (for the commands they hold), picocli and XChart.
 */
package io.github.sparksnn.cli;
