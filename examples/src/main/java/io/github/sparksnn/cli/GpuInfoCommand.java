package io.github.sparksnn.cli;

import io.github.sparksnn.gpu.CudaBackends;
import io.github.sparksnn.gpu.GpuInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code snn gpu info}: {@link GpuInfo}'s report. Exit code 0 when CUDA is usable and every shipped kernel module
 * loads; {@value SnnCli#EXIT_CHECK_FAILED} otherwise, with the reason on one stderr line (no driver, no device, a
 * module the driver refused).
 */
@Command(name = "info",
        description = {
                "Prints the CUDA driver and its CUDA version, where libcuda.so.1 was loaded from, every device (name,"
                        + " compute capability, memory, UUID, PCI bus id) and which kernel modules load and how"
                        + " (cubin or PTX JIT), or exactly why there is no GPU.",
                "Exits with 3 when there is no usable GPU or a kernel module does not load."
        })
public final class GpuInfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        boolean ok = GpuInfo.print(spec.commandLine().getOut());
        if (ok) {
            return 0;
        }
        spec.commandLine().getErr().println(spec.qualifiedName() + ": " + (CudaBackends.isAvailable()
                ? "a kernel module did not load (see FAILED above)" : "no usable GPU: " + CudaBackends.unavailableReason()));
        return SnnCli.EXIT_CHECK_FAILED;
    }
}
