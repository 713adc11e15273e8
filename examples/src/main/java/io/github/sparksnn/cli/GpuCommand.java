package io.github.sparksnn.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code snn gpu ...}: the CUDA backend on this machine (what it sees, and its gradients against the CPU's). */
@Command(name = "gpu",
        description = "The CUDA backend: devices and kernels on this machine, gradient check against the CPU.",
        subcommands = {
                GpuInfoCommand.class,
                GpuCheckGradCommand.class,
        })
public final class GpuCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Commands.missingSubcommand(spec);
    }
}
