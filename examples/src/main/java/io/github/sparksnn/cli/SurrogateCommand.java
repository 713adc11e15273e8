package io.github.sparksnn.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code snn surrogate ...}: the surrogate spiking functions (list, values, gradient check, plot, CUDA code). */
@Command(name = "surrogate",
        description = "Surrogate spiking functions: list, tabulate, check, plot, CUDA code.",
        subcommands = {
                SurrogateListCommand.class,
                SurrogateTableCommand.class,
                SurrogateCheckGradCommand.class,
                SurrogatePlotCommand.class,
                SurrogateCudaCommand.class,
        })
public final class SurrogateCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Commands.missingSubcommand(spec);
    }
}
