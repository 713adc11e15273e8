package io.github.sparksnn.cli;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.gpu.CudaBackend;
import io.github.sparksnn.gpu.CudaBackends;
import io.github.sparksnn.gpu.GpuGradCheck;
import io.github.sparksnn.surrogate.SurrogateFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code snn gpu check-grad}: {@link GpuGradCheck}, upstream's {@code check_cuda_grad}. CUDA gradients (the
 * surrogate's {@code g'} and the fused neuron's BPTT backward) against the CPU backend's, with the largest error
 * and PASS/FAIL at the parity contract's tolerances. Exit codes: 0 all pass, 2 usage,
 * {@value SnnCli#EXIT_CHECK_FAILED} a check over its tolerance or no usable GPU (the reason on stderr).
 *
 * <p>{@code --dtype half} checks {@code g'(x)} alone, on the fixed grid: there is no half-precision neuron kernel, so
 * the neuron check's options ({@link #NEURON_OPTIONS}) are refused with it rather than ignored, and its output names
 * no neuron.
 */
@Command(name = "check-grad",
        description = {
                "Compares the CUDA kernels' gradients with the CPU backend's: g'(x) on x = -4 + i/256 and, in float,"
                        + " the neuron's BPTT backward (dL/dX, and dL/dk for plif) over random inputs with"
                        + " detach_reset off and on; with --dtype half, g'(x) from the surrogate's half2 CUDA code"
                        + " alone (no neuron check, so --neuron, --time-steps, --neurons and --seed are refused).",
                "Exits with 3 when an error exceeds its tolerance or there is no usable GPU."
        })
public final class GpuCheckGradCommand implements Callable<Integer> {
    /** The options of the float neuron check, which {@code --dtype half} does not run. */
    static final List<String> NEURON_OPTIONS = List.of("--neuron", "--time-steps", "--neurons", "--seed");

    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--neuron", paramLabel = "if|lif|plif", defaultValue = "lif",
            description = "Neuron type (default: ${DEFAULT-VALUE}); lif and plif use tau = 2.")
    String neuron;

    @Mixin
    FunctionOptions function;

    @Option(names = "--dtype", paramLabel = "float|half", defaultValue = "float",
            description = "float: g' and the neuron backward in float32 (what training runs); half: g' in fp16 half2"
                    + " arithmetic (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--time-steps", paramLabel = "T", defaultValue = "8",
            description = "Time steps of the neuron check (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--neurons", paramLabel = "N", defaultValue = "4096",
            description = "Neurons of the neuron check (default: ${DEFAULT-VALUE}).")
    int neurons;

    @Option(names = "--device", paramLabel = "ORDINAL", defaultValue = "0",
            description = "CUDA device (default: ${DEFAULT-VALUE}).")
    int device;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        String d = dtype.trim().toLowerCase(Locale.ROOT);
        if (!d.equals("float") && !d.equals("half")) {
            throw Commands.usage(spec, "--dtype must be float or half, got '" + dtype + "'");
        }
        boolean half = d.equals("half");
        if (half) {
            List<String> given = NEURON_OPTIONS.stream()
                    .filter(o -> spec.commandLine().getParseResult().hasMatchedOption(o)).toList();
            if (!given.isEmpty()) {
                throw Commands.usage(spec, String.join(", ", given) + ": --dtype half checks g'(x) alone, on a fixed"
                        + " grid; " + String.join(", ", NEURON_OPTIONS) + " apply to --dtype float only");
            }
        }
        GpuGradCheck.Neuron n = null;
        if (!half) {
            try {
                n = GpuGradCheck.Neuron.parse(neuron);
            } catch (IllegalArgumentException e) {
                throw Commands.usage(spec, "--neuron: " + e.getMessage());
            }
        }
        if (timeSteps < 1 || neurons < 1 || (long) timeSteps * neurons > 1 << 26) {
            throw Commands.usage(spec, "--time-steps and --neurons must be >= 1, with T * N <= 2^26");
        }
        SurrogateFunction sg = function.resolve();
        PrintWriter err = spec.commandLine().getErr();
        if (!CudaBackends.isAvailable()) {
            throw new Commands.Unavailable("no usable GPU: " + CudaBackends.unavailableReason());
        }
        if (device < 0 || device >= CudaBackends.deviceCount()) {
            throw Commands.usage(spec, "--device " + device + ": this machine has " + CudaBackends.deviceCount() + " device(s)");
        }
        List<GpuGradCheck.Row> rows;
        String on;
        try (CudaBackend gpu = CudaBackends.create(device); CpuBackend cpu = new CpuBackend(1)) {
            on = gpu.describe();
            rows = half ? List.of(GpuGradCheck.checkHalf(gpu, sg))
                    : GpuGradCheck.checkFloat(gpu, cpu, n, sg, timeSteps, neurons, seed);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(header(sg, n, on));
        TextTable t = new TextTable("CHECK", "POINTS", "MAX_ABS_ERROR", "ERROR/TOLERANCE", "RESULT");
        boolean pass = true;
        for (GpuGradCheck.Row r : rows) {
            t.row(r.check(), r.points(), sci(r.maxAbsError()), String.format(Locale.ROOT, "%.3f", r.worstOverTolerance()),
                    r.passed() ? "PASS" : "FAIL");
            pass &= r.passed();
        }
        out.print(t.render());
        out.flush();
        if (pass) {
            return 0;
        }
        GpuGradCheck.Row worst = rows.stream().filter(r -> !r.passed()).findFirst().orElseThrow();
        err.println(spec.qualifiedName() + ": " + sg + ": " + worst.check() + " max abs error " + sci(worst.maxAbsError())
                + " is " + String.format(Locale.ROOT, "%.2f", worst.worstOverTolerance()) + "x its tolerance");
        return SnnCli.EXIT_CHECK_FAILED;
    }

    /**
     * The first output line: what was checked, where. A neuron is named only when its check ran ({@code neuron} is
     * null for {@code --dtype half}, which checks g' alone).
     */
    static String header(SurrogateFunction sg, GpuGradCheck.Neuron neuron, String on) {
        return neuron == null ? sg + ", g' in half on " + on
                : sg + ", " + neuron.name().toLowerCase(Locale.ROOT) + ", float on " + on;
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.3e", v);
    }
}
