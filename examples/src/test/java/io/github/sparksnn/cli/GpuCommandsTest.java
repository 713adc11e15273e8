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

    @Test
    void halfRefusesTheNeuronCheckOptionsItWouldIgnore() {
        // --dtype half checks g' alone: each neuron-check option is a usage error there, named in one line,
        // whether or not a GPU is present (usage comes first)
        for (String option : GpuCheckGradCommand.NEURON_OPTIONS) {
            String value = option.equals("--neuron") ? "lif" : "3";
            CliRun run = CliRun.of("gpu", "check-grad", "--function", "atan", "--dtype", "half", option, value);
            assertEquals(2, run.exitCode(), option + ": " + run);
            assertEquals(1, run.errLines().size(), run.err());
            assertTrue(run.err().contains(option + ": --dtype half checks g'(x) alone"), run.err());
        }
        CliRun all = CliRun.of("gpu", "check-grad", "--function", "atan", "--dtype", "half", "--neuron", "plif",
                "--time-steps", "4", "--neurons", "16", "--seed", "9");
        assertEquals(2, all.exitCode(), all::toString);
        assertTrue(all.err().contains("--neuron, --time-steps, --neurons, --seed: "), all.err());
        // the same options with --dtype float are not refused: without a GPU the command gets as far as the probe (exit 3)
        if (!CudaBackends.isAvailable()) {
            CliRun fl = CliRun.of("gpu", "check-grad", "--function", "atan", "--dtype", "float", "--neuron", "plif",
                    "--time-steps", "4", "--neurons", "16", "--seed", "9");
            assertEquals(SnnCli.EXIT_CHECK_FAILED, fl.exitCode(), fl::toString);
        }
    }

    @Test
    void halfWithoutNeuronOptionsGetsAsFarAsTheGpuProbe() {
        assumeFalse(CudaBackends.isAvailable(), "a GPU is present: gpu/device-check.sh covers this machine");
        CliRun run = CliRun.of("gpu", "check-grad", "--function", "atan", "--dtype", "half");
        assertEquals(SnnCli.EXIT_CHECK_FAILED, run.exitCode(), run::toString);
        assertTrue(run.err().contains("no usable GPU"), run.err());
    }

    @Test
    void theHeaderNamesANeuronOnlyWhenItsCheckRan() {
        io.github.sparksnn.surrogate.SurrogateFunction atan = io.github.sparksnn.surrogate.Surrogates.parse("ATan()");
        String half = GpuCheckGradCommand.header(atan, null, "device 0");
        assertTrue(half.startsWith(atan.toString()) && half.contains("half") && half.endsWith("on device 0"), half);
        for (io.github.sparksnn.gpu.GpuGradCheck.Neuron n : io.github.sparksnn.gpu.GpuGradCheck.Neuron.values()) {
            String name = n.name().toLowerCase(java.util.Locale.ROOT);
            assertTrue(!half.contains(", " + name + ","), half);
            String fl = GpuCheckGradCommand.header(atan, n, "device 0");
            assertTrue(fl.contains(", " + name + ", float on device 0"), fl);
        }
    }
}
