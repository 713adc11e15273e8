package io.github.sparksnn.bench;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.train.CpuGradientEngine;
import io.github.sparksnn.train.EngineConfig;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code snn bench tbptt}: peak training memory against the sequence length T, with full BPTT and with truncated
 * BPTT ({@code tbpttWindow}). Measured, not modelled: the CPU backend counts the off-heap bytes of every tensor open
 * ({@link CpuBackend#peakAllocatedBytes()}: parameters, gradients, each layer's workspaces and tapes, the engine's
 * input and output-gradient tensors), and each row is the peak over building the engine and one gradient call on a
 * batch of random sequences. The host-side batch itself ({@code N * T * F} floats, the caller's array) and the
 * engine's host copies of the output trace ({@code T * N * classes} floats) are not in it.
 */
@Command(name = "tbptt", mixinStandardHelpOptions = true,
        description = {"Peak training memory (bytes of the CPU backend's tensors, measured) of one gradient step"
                + " on sequences of T steps, full BPTT (window 0) against truncated BPTT (--windows)."})
public final class TbpttBenchCommand implements Callable<Integer> {

    /** The sequential Fashion-MNIST network: 28 pixels a step into a recurrent layer. */
    public static final String DEFAULT_MODEL = "linear(28,256) | rlif(tau=2.0, recurrent=dense, v_threshold=0.5, "
            + "surrogate=ATan(alpha=2.0)) | linear(256,10) | lif(tau=2.0)";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = DEFAULT_MODEL,
            description = "Model spec of one step (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--features", defaultValue = "28", description = "Inputs per step (default: ${DEFAULT-VALUE}).")
    int features;

    @Option(names = "--steps", split = ",", defaultValue = "4,16,64,256",
            description = "Sequence lengths T (default: ${DEFAULT-VALUE}).")
    int[] steps;

    @Option(names = "--windows", split = ",", defaultValue = "0,16",
            description = "tbpttWindow values, 0 = full BPTT (default: ${DEFAULT-VALUE}).")
    int[] windows;

    @Option(names = "--batch-size", defaultValue = "64", description = "Samples in the step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--loss", defaultValue = "mse", description = "Loss (default: ${DEFAULT-VALUE}).")
    String loss;

    @Override
    public Integer call() {
        if (batch < 1 || features < 1 || steps.length == 0 || windows.length == 0) {
            throw new ParameterException(spec.commandLine(), "--batch-size and --features must be >= 1, --steps and "
                    + "--windows non-empty");
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "peak bytes of the CPU backend's tensors over one gradient step (measured), "
                + "batch %d, %d inputs a step%nmodel: %s%n", batch, features, model);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%6s", "T"));
        for (int w : windows) {
            head.append(String.format(Locale.ROOT, "  %16s", "window " + w));
        }
        for (int i = 1; i < windows.length; i++) {
            head.append(String.format(Locale.ROOT, "  %12s", windows[i] + " / " + windows[0]));
        }
        out.println(head);
        for (int t : steps) {
            long[] peaks = new long[windows.length];
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%6d", t));
            for (int i = 0; i < windows.length; i++) {
                peaks[i] = peakBytes(t, windows[i]);
                line.append(String.format(Locale.ROOT, "  %16s", String.format(Locale.ROOT, "%,d", peaks[i])));
            }
            for (int i = 1; i < windows.length; i++) {
                line.append(String.format(Locale.ROOT, "  %12.3f", (double) peaks[i] / peaks[0]));
            }
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /** The peak of one engine from its construction through one gradient call of {@code batch} random sequences. */
    long peakBytes(int timeSteps, int window) {
        EngineConfig cfg = EngineConfig.builder().modelSpec(model).inputShape(features).timeSteps(timeSteps)
                .sequenceInput(true).loss(loss).seed(1).maxChunk(batch).tbpttWindow(window).build();
        CpuBackend be = new CpuBackend(1, false);
        try (CpuGradientEngine e = new CpuGradientEngine(cfg, be)) {
            SplittableRandom rng = new SplittableRandom(7);
            float[] x = new float[batch * e.featureSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) {
                y[i] = rng.nextInt(e.numClasses());
            }
            e.accumulateGradient(x, y, 0, batch, 1, new float[e.numParameters()]);
            return be.peakAllocatedBytes();
        }
    }
}
