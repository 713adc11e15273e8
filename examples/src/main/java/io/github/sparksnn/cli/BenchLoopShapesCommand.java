package io.github.sparksnn.cli;

import io.github.sparksnn.bench.LoopShapeBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** {@code snn bench loop-shapes}: the library's backward loops next to vectorizable rewrites (see {@link LoopShapeBench}). */
@Command(name = "loop-shapes",
        description = "Times the library's ATan/Rect/LeakyKReLU backward next to rewrites of the same math (one index"
                + " instead of two offsets; min/max step instead of a sign-bit select), to show what C2 vectorizes.")
public final class BenchLoopShapesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--size", paramLabel = "N", defaultValue = "16777216", description = "Floats per array (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "9", description = "Timed rounds (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Override
    public void run() {
        if (size < 4096 || repeat < 1) {
            throw Commands.usage(spec, "--size must be >= 4096 and --repeat >= 1, got " + size + " and " + repeat);
        }
        Commands.requireHeap(spec, 5L * Float.BYTES * size, "--size " + size);
        List<LoopShapeBench.Result> rs = new LoopShapeBench(size, 42L).run(2, repeat);
        double copy = rs.get(0).medianMillis();
        TextTable t = new TextTable("KERNEL", "MS (MEDIAN)", "MS (MIN)", "TIME / COPY");
        for (LoopShapeBench.Result r : rs) {
            t.row(r.kernel(), String.format(Locale.ROOT, "%.2f", r.medianMillis()), String.format(Locale.ROOT, "%.2f", r.minMillis()),
                    String.format(Locale.ROOT, "%.2fx", r.medianMillis() / copy));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(t.render());
        out.printf(Locale.ROOT, "%d floats per array, x ~ U[-2, 2), one thread; copy moves 8 B/elem, the others 12.%n", size);
        out.flush();
    }
}
