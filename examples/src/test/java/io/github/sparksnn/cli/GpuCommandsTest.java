package io.github.sparksnn.cli;

import io.github.sparksnn.gpu.CudaBackends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code snn gpu info} and {@code snn gpu check-grad} on a machine without a GPU (CI): the exact reason, the exit
 * codes, and usage errors. With a GPU, the device script runs both for real.
 */
class GpuCommandsTest {

    @Test
    void infoSaysExactlyWhyThereIsNoGpu() {
        assumeFalse(CudaBackends.isAvailable(), "a GPU is present: gpu/device-check.sh covers this machine");
        CliRun run = CliRun.of("gpu", "info");
        assertEquals(SnnCli.EXIT_CHECK_FAILED, run.exitCode(), run::toString);
        assertTrue(run.out().contains("CUDA: not available: " + CudaBackends.unavailableReason()), run.out());
        assertTrue(run.out().contains("libcuda.so.1: "), run.out());
        assertTrue(run.out().contains("CUDA_VISIBLE_DEVICES: "), run.out());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().startsWith("snn gpu info: no usable GPU: "), run.err());
    }

    @Test
    void checkGradWithoutGpuExitsThreeWithTheReason() {
        assumeFalse(CudaBackends.isAvailable(), "a GPU is present: gpu/device-check.sh covers this machine");
        CliRun run = CliRun.of("gpu", "check-grad", "--neuron", "lif", "--function", "S2NN", "--param", "alpha=4",
                "--param", "beta=1");
        assertEquals(SnnCli.EXIT_CHECK_FAILED, run.exitCode(), run::toString); // as gpu info: cannot run here
        assertTrue(run.err().contains("no usable GPU: " + CudaBackends.unavailableReason()), run.err());
        assertEquals("", run.out());
    }

    @Test
    void checkGradUsageErrorsComeFirst() {
        for (String[] args : new String[][] {
                {"gpu", "check-grad", "--neuron", "izhikevich", "--function", "atan"},
                {"gpu", "check-grad", "--function", "atan", "--dtype", "bf16"},
                {"gpu", "check-grad", "--function", "nope"},
                {"gpu", "check-grad", "--function", "atan", "--param", "gamma=1"},
                {"gpu", "check-grad", "--function", "atan", "--time-steps", "0"},
                {"gpu"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run);
            assertEquals(1, run.errLines().size(), run.err());
        }
        CliRun run = CliRun.of("gpu", "check-grad", "--neuron", "izhikevich", "--function", "atan");
        assertTrue(run.err().contains("expected if, lif or plif"), run.err());
    }
}
