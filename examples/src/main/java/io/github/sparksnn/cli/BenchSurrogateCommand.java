package io.github.sparksnn.cli;

import io.github.sparksnn.bench.FormulaVsHandBench;
import io.github.sparksnn.bench.SurrogateBandwidthBench;
import io.github.sparksnn.surrogate.BuiltinFormulas;
import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code snn bench surrogate}: GB/s of every surrogate's bulk backward on one thread, next to an array copy of
 * the same size measured in the same run (see {@link SurrogateBandwidthBench} for the method); then each built-in's
 * bulk gradient against the same function compiled from its {@link Formula} text, with the formula's accuracy
 * check ({@link FormulaVsHandBench}): the measurement that decides which built-ins their formula defines
 * ({@link BuiltinFormulas#FORMULA_DEFINED}).
 */
@Command(name = "surrogate",
        description = {
                "Single-thread bandwidth of each surrogate's bulk backward gradIn = gradOut * g'(x)"
                        + " (12 bytes/element read + written) next to a plain array copy (8 bytes/element) and a plain"
                        + " multiply gradOut * x (12 bytes/element), with the ratio to the copies."
                        + " Median of --repeat interleaved rounds after warm-up.",
                "Then each built-in's bulk gradient (one chunk of 1024, in cache: the training path) against the same"
                        + " function compiled from its Formula text, interleaved, with the formula's accuracy check."
        })
public final class BenchSurrogateCommand implements Runnable {
    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--size", paramLabel = "N", defaultValue = "16777216",
            description = "Floats per array (default: ${DEFAULT-VALUE} = 64 MiB per array).")
    int size;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "11", description = "Timed rounds (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Untimed full-size rounds after JIT warm-up (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--functions", paramLabel = "NAME|SPEC",
            description = "Functions to run (names or specs, comma-separated; default: all, at default parameters, and ATan"
                    + " written as a Formula, with its ratio to the ATan class).")
    List<String> functions;

    @Option(names = "--formula-rounds", paramLabel = "N", defaultValue = "61",
            description = "Interleaved rounds of the class-vs-formula table (0 skips it; default: ${DEFAULT-VALUE}).")
    int formulaRounds;

    @Option(names = "--formula-sample-ms", paramLabel = "MS", defaultValue = "2",
            description = "Milliseconds per sample of the class-vs-formula table (default: ${DEFAULT-VALUE}).")
    double formulaSampleMs;

    /** ATan as a formula: its primitive (gradient derived) and its gradient as upstream writes it. */
    static final String FORMULA_ATAN_PRIMITIVE = "Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)";
    static final String FORMULA_ATAN_GRADIENT = "Formula(gradient='alpha/2/(1 + (pi/2*alpha*x)^2)', alpha=2.0)";

    /** Splits at commas outside parentheses and single quotes ("ATan,Formula(primitive='min(x, 1)', a=2)"). */
    static List<String> splitSpecs(List<String> given) {
        List<String> out = new ArrayList<>();
        for (String s : given) {
            int depth = 0;
            boolean quoted = false;
            int start = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'') {
                    quoted = !quoted;
                } else if (!quoted && c == '(') {
                    depth++;
                } else if (!quoted && c == ')') {
                    depth--;
                } else if (!quoted && depth == 0 && c == ',') {
                    out.add(s.substring(start, i));
                    start = i + 1;
                }
            }
            out.add(s.substring(start));
        }
        return out;
    }

    @Override
    public void run() {
        if (size < 4096) {
            throw Commands.usage(spec, "--size must be at least 4096, got " + size);
        }
        if (repeat < 1 || warmup < 0) {
            throw Commands.usage(spec, "--repeat must be >= 1 and --warmup >= 0, got " + repeat + " and " + warmup);
        }
        Commands.requireHeap(spec, 3L * Float.BYTES * size, "--size " + size);
        List<SurrogateFunction> fs = new ArrayList<>();
        if (functions == null || functions.isEmpty()) {
            for (Surrogates.Descriptor d : Surrogates.list()) {
                fs.add(Surrogates.create(d.name(), Map.of()));
            }
            fs.add(Surrogates.parse(FORMULA_ATAN_PRIMITIVE));
            fs.add(Surrogates.parse(FORMULA_ATAN_GRADIENT));
        } else {
            for (String s : splitSpecs(functions)) {
                fs.add(FunctionOptions.resolve(spec, s.trim(), Map.of()));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "bench surrogate: %d functions + 3 baselines, %d floats per array, %d warm-up + %d timed rounds, 1 thread%n",
                fs.size(), size, warmup, repeat);
        err.flush();
        SurrogateBandwidthBench bench = new SurrogateBandwidthBench(size, 42L);
        List<SurrogateBandwidthBench.Result> results = bench.run(fs, warmup, repeat, null);

        double loop = results.get(0).gbPerSecond();
        double arraycopy = results.get(1).gbPerSecond();
        TextTable table = new TextTable("KERNEL", "PARAMETERS", "B/ELEM", "MS (MEDIAN)", "MS (MIN-MAX)", "NS/ELEM", "GB/S",
                "VS LOOP COPY", "VS ARRAYCOPY");
        for (SurrogateBandwidthBench.Result r : results) {
            table.row(r.kernel(), r.parameters().isEmpty() ? "-" : r.parameters(), r.bytesPerElement(),
                    fmt("%.2f", r.medianSeconds() * 1e3),
                    fmt("%.1f-%.1f", r.minSeconds() * 1e3, r.maxSeconds() * 1e3),
                    fmt("%.3f", r.nsPerElement()), fmt("%.2f", r.gbPerSecond()),
                    fmt("%.0f%%", 100 * r.gbPerSecond() / loop), fmt("%.0f%%", 100 * r.gbPerSecond() / arraycopy));
        }
        out.print(table.render());
        // each Formula next to the hand-written function it restates (ATan, when both ran): a ratio of the same run
        SurrogateBandwidthBench.Result atan = null;
        for (int i = 0; i < fs.size(); i++) {
            if (fs.get(i).getClass() == io.github.sparksnn.surrogate.ATan.class && fs.get(i).parameters().equals(Map.of("alpha", 2.0))) {
                atan = results.get(3 + i);
            }
        }
        for (int i = 0; atan != null && i < fs.size(); i++) {
            if (fs.get(i) instanceof Formula f && f.parameters().equals(Map.of("alpha", 2.0))
                    && Math.abs(f.gradient(0.3) - new io.github.sparksnn.surrogate.ATan(2.0).gradient(0.3)) < 1e-12) {
                SurrogateBandwidthBench.Result r = results.get(3 + i);
                out.printf(Locale.ROOT, "%s vs the ATan class, ATan(alpha=2.0): %.0f%% of its GB/s (%.2f vs %.2f GB/s, same run)%n",
                        f.gradientGiven() || !f.hasPrimitive() ? "Formula ATan, gradient given" : "Formula ATan, gradient derived",
                        100 * r.gbPerSecond() / atan.gbPerSecond(), r.gbPerSecond(), atan.gbPerSecond());
            }
        }
        out.printf(Locale.ROOT, "GB/s = (bytes read + written) / median time; backward = 12 B/elem (gradOut, x read; gradIn written),"
                + " copy = 8 B/elem; multiply = gradIn = gradOut * x, the roofline of a backward. x ~ U[-2, 2) (random signs)."
                + " Java %s, %s.%n", System.getProperty("java.version"), System.getProperty("java.vm.name"));
        out.flush();
        if (formulaRounds > 0) {
            formulaTable(fs, out, err);
        }
    }

    /** The class-vs-formula table: every built-in of the run against its Formula twin, on the training path. */
    private void formulaTable(List<SurrogateFunction> fs, PrintWriter out, PrintWriter err) {
        if (!(formulaSampleMs > 0)) {
            throw Commands.usage(spec, "--formula-sample-ms must be > 0, got " + formulaSampleMs);
        }
        String loadBefore = loadAverage();
        err.printf(Locale.ROOT, "bench surrogate: class vs formula, gradient(x, o, out, o, %d), %d interleaved rounds of %.1f ms"
                + " samples; load average before: %s%n", FormulaVsHandBench.CHUNK, formulaRounds, formulaSampleMs, loadBefore);
        err.flush();
        FormulaVsHandBench bench = new FormulaVsHandBench(42L);
        TextTable table = new TextTable("FUNCTION", "DEFINITION", "CLASS NS/ELEM", "FORMULA NS/ELEM", "FORMULA/CLASS",
                "BACKWARD F/C", "ACCURACY");
        List<SurrogateFunction> builtins = new ArrayList<>();
        for (SurrogateFunction f : fs) {
            if (!(f instanceof Formula) && BuiltinFormulas.twin(f) != null) {
                builtins.add(f);
            }
        }
        for (FormulaVsHandBench.Row r : bench.run(builtins, formulaRounds, formulaSampleMs)) {
            table.row(r.function(), r.definition(), fmt("%.3f", r.handNs()), fmt("%.3f", r.formulaNs()), fmt("%.2f", r.ratio()),
                    fmt("%.2f", r.backwardRatio()), r.accuracy());
        }
        out.print(table.render());
        out.printf(Locale.ROOT, "Fastest of the interleaved samples (class, formula, class, ...), in thread CPU time."
                + " FORMULA/CLASS (the gradient, the training path) and BACKWARD F/C (gradIn = gradOut * g'(x)) above 1:"
                + " the formula is slower. DEFINITION formula: the class already runs its formula's kernel (the ratio is"
                + " then ~1 by construction). Load average before %s, after %s; %s, %d cores.%n", loadBefore, loadAverage(),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        out.flush();
    }

    /** {@code /proc/loadavg}'s first three fields, or "n/a" where there is none. */
    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
