package io.github.sparksnn.cli;

import io.github.sparksnn.bench.SparkBenchCommand;
import io.github.sparksnn.bench.TrainBenchCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code snn bench ...}: benchmarks that print a table (timings are never part of the unit tests). */
@Command(name = "bench",
        description = "Benchmarks printed as tables.",
        subcommands = {
                BenchSurrogateCommand.class,
                TrainBenchCommand.class,
                SparkBenchCommand.class,
                io.github.sparksnn.bench.StreamBenchCommand.class,
                io.github.sparksnn.bench.TorchPeerCommand.class,
                BenchLoopShapesCommand.class,
                BenchNeuronPoolCommand.class,
                io.github.sparksnn.bench.scale.ScaleBenchCommand.class,
                io.github.sparksnn.bench.scale.ScaleModelCommand.class,
                io.github.sparksnn.bench.RegressionBenchCommand.class,
                io.github.sparksnn.bench.TransportBenchCommand.class,
                io.github.sparksnn.bench.TbpttBenchCommand.class,
        })
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Commands.missingSubcommand(spec);
    }
}
