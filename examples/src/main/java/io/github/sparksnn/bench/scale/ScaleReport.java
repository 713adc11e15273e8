package io.github.sparksnn.bench.scale;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The table and the last line of {@code snn bench scale}, from measured rows: vectors are bytes / (4 x parameters);
 * efficiency is weak scaling, images/s at P over P x images/s of the first row (P = 1); limit = max(compute, the
 * busiest link's bytes one way / G); model is {@link ScaleCostModel}'s step with the first row's overhead.
 */
public final class ScaleReport {
    private ScaleReport() {
    }

    /** Column headers of the table. */
    static final String[] HEADERS = {"P", "tasks", "hosts", "compute", "step ms", "compute ms", "comm ms", "wait ms",
            "busiest", "out vec", "in vec", "drv out", "drv in", "limit ms", "step/lim", "images/s", "efficiency",
            "model ms", "model/step"};

    /**
     * Every line of the report: the table (header, rule, one line per row), a legend, and the one last line
     * {@code scale: P=<N> efficiency=<x.xx> step/limit=<x.xx> vectors-per-link=<x.xx>} for the last row.
     */
    public static List<String> lines(List<ScaleRow> rows, int numParameters, double gbit, int fanIn) {
        return lines(rows, numParameters, gbit, fanIn, null);
    }

    /** As above, with {@code ready}: per piece, when the backward pass makes it final (null: at the end). */
    public static List<String> lines(List<ScaleRow> rows, int numParameters, double gbit, int fanIn, double[] ready) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows");
        }
        double vector = 4.0 * numParameters;
        ScaleRow first = rows.get(0);
        ScaleCostModel model = new ScaleCostModel(numParameters, gbit);
        double overhead = first.stepMs() - model.predict(topology(first, fanIn), first.computeMs(), 0, ready, 0).stepMs();
        double perTaskOne = first.imagesPerSecond() / first.hosts();
        List<String[]> cells = new ArrayList<>();
        for (ScaleRow r : rows) {
            double predicted = model.predict(topology(r, fanIn), r.computeMs(), overhead, ready, 0).stepMs();
            cells.add(new String[]{
                    Integer.toString(r.hosts()), Integer.toString(r.tasks()), Integer.toString(r.hostsUsed()),
                    r.simulated() ? "simulated" : "real", f2(r.stepMs()), f2(r.computeMs()), f2(r.commMs()),
                    f2(r.taskWaitMs()), r.busiestLink(), f2(r.busiestOutBytes() / vector),
                    f2(r.busiestInBytes() / vector), f2(r.driverOutBytes() / vector), f2(r.driverInBytes() / vector),
                    f2(r.limitMs(gbit)), f2(r.stepMs() / r.limitMs(gbit)), String.format(Locale.ROOT, "%.0f",
                    r.imagesPerSecond()), f2(r.imagesPerSecond() / (r.hosts() * perTaskOne)), f2(predicted),
                    f2(predicted / r.stepMs())});
        }
        List<String> out = new ArrayList<>(table(HEADERS, cells));
        out.add(String.format(Locale.ROOT, "vec: bytes per step / (4 x %,d parameters) from the bridge ports' counters "
                + "(out = sent by that endpoint, in = received; busiest = the link with the most bytes one way); "
                + "limit = max(compute, busiest link's larger direction at %s Gbit/s); efficiency = images/s at P / "
                + "(P x images/s at P=1); model = %s with overhead %.2f ms per step fitted on the first row.",
                numParameters, trim(gbit), ScaleCostModel.class.getSimpleName(), overhead));
        out.add(lastLine(rows.get(rows.size() - 1), numParameters, gbit, perTaskOne));
        return out;
    }

    /** Row {@code r}'s hosts and tasks: each task its own endpoint, as the barrier trainer connects them today. */
    static ScaleCostModel.Topology topology(ScaleRow r, int fanIn) {
        return new ScaleCostModel.Topology(r.hosts(), Math.max(1, r.tasks() / r.hosts()), fanIn, false);
    }

    /** The last line for row {@code r}. */
    static String lastLine(ScaleRow r, int numParameters, double gbit, double imagesPerSecondPerHostAtOne) {
        return String.format(Locale.ROOT, "scale: P=%d efficiency=%.2f step/limit=%.2f vectors-per-link=%.2f",
                r.hosts(), r.imagesPerSecond() / (r.hosts() * imagesPerSecondPerHostAtOne),
                r.stepMs() / r.limitMs(gbit), r.busiestBytes() / (4.0 * numParameters));
    }

    private static List<String> table(String[] headers, List<String[]> rows) {
        int[] w = new int[headers.length];
        for (int c = 0; c < headers.length; c++) {
            w[c] = headers[c].length();
            for (String[] r : rows) {
                w[c] = Math.max(w[c], r[c].length());
            }
        }
        List<String> out = new ArrayList<>();
        out.add(line(headers, w));
        String[] rule = new String[headers.length];
        for (int c = 0; c < w.length; c++) {
            rule[c] = "-".repeat(w[c]);
        }
        out.add(line(rule, w));
        for (String[] r : rows) {
            out.add(line(r, w));
        }
        return out;
    }

    private static String line(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append("  ");
            }
            sb.append(" ".repeat(w[c] - cells[c].length())).append(cells[c]);
        }
        return sb.toString();
    }

    static String f2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
