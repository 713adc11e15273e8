package io.github.sparksnn.cli;

import io.github.sparksnn.bench.NeuronPoolBench;
import io.github.sparksnn.surrogate.ATan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** {@code snn bench neuron-pool}: the CNN's pooling neurons storing their state for the backward or recomputing it. */
@Command(name = "neuron-pool",
        description = "Times the spiking CNN's two neuron+max-pool layers (IF, ATan, T=4, 32 channels) forward and"
                + " backward, storing charges, spikes and maxima for the backward against recomputing them there,"
                + " in alternate rounds on the same tensors, after checking that both give the same bits.")
public final class BenchNeuronPoolCommand implements Runnable {
    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--batch-size", defaultValue = "128", description = "Images (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--channels", defaultValue = "32", description = "Channels (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--T", defaultValue = "4", description = "Time steps (default: ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--rounds", defaultValue = "9", description = "Timed rounds of each way (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "4", description = "Untimed rounds of each way (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    public void run() {
        if (batch < 1 || channels < 1 || timeSteps < 1 || rounds < 1 || warmup < 1) {
            throw Commands.usage(spec, "--batch-size, --channels, --T, --rounds and --warmup must be >= 1");
        }
        long neurons = (long) batch * channels * 28 * 28;
        if (neurons * timeSteps * 4 * Float.BYTES > Integer.MAX_VALUE) {
            throw Commands.usage(spec, "--batch-size x --channels x --T is too large for one tensor");
        }
        List<NeuronPoolBench.Result> rs = new NeuronPoolBench(timeSteps, batch, channels, new ATan(2.0))
                .run(NeuronPoolBench.cnnLayers(), warmup, rounds);
        TextTable t = new TextTable("LAYER", "WAY", "FORWARD MS", "BACKWARD MS", "TOTAL MS", "VS STORED");
        for (int i = 0; i < rs.size(); i++) {
            NeuronPoolBench.Result r = rs.get(i), stored = rs.get(i - i % 2);
            t.row(r.layer().name(), r.way(), String.format(Locale.ROOT, "%.2f", r.forwardMs()),
                    String.format(Locale.ROOT, "%.2f", r.backwardMs()), String.format(Locale.ROOT, "%.2f", r.totalMs()),
                    String.format(Locale.ROOT, "%.2fx", r.totalMs() / stored.totalMs()));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(t.render());
        out.printf(Locale.ROOT, "T=%d, %d images x %d channels, IF(ATan(alpha=2)), 2x2 max pooling; medians of %d rounds"
                + " each, alternating; both ways checked equal bit for bit first. One thread.%n", timeSteps, batch,
                channels, rounds);
        out.flush();
    }
}
