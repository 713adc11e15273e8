package io.github.sparksnn.bench.scale;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table and the last line from given measurements. */
class ScaleReportTest {
    static final int M = 250_000;          // 1 MB a vector
    static final double V = 4.0 * M;

    @Test
    void tableAndLastLineFromMeasuredRows() {
        List<ScaleRow> rows = List.of(
                new ScaleRow(1, 1, 1, true, 100, 40, 10, 20, "drv", V, V, V, V),
                new ScaleRow(2, 2, 2, true, 200, 50, 10, 30, "drv", 2 * V, 2 * V, 2 * V, 2 * V),
                new ScaleRow(4, 4, 4, true, 400, 80, 11, 50, "h1", 2 * V, 3.5 * V, V, V));
        List<String> lines = ScaleReport.lines(rows, M, 1, 2);
        assertEquals(2 + 3 + 2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).trim().startsWith("P  tasks  hosts"), lines.get(0));
        assertTrue(lines.get(1).matches("[- ]+"), lines.get(1));
        String[] last = lines.get(4).trim().split("\\s+");
        // P=4: images/s = 400 / 80 ms = 5000; P=1: 100 / 40 ms = 2500 per host -> efficiency 5000 / (4 x 2500) = 0.5.
        assertEquals(List.of("4", "4", "4", "simulated", "80.00", "11.00", "69.00", "50.00", "h1", "2.00", "3.50",
                "1.00", "1.00"), List.of(last).subList(0, 13));
        // limit = max(11 ms, 3.5 MB at 1 Gbit/s = 28 ms) = 28 ms; step/limit = 80/28.
        assertEquals("28.00", last[13]);
        assertEquals(String.format(java.util.Locale.ROOT, "%.2f", 80 / 28.0), last[14]);
        assertEquals("5000", last[15]);
        assertEquals("0.50", last[16]);
        assertEquals("scale: P=4 efficiency=0.50 step/limit=2.86 vectors-per-link=3.50", lines.get(lines.size() - 1));
        // The model reproduces the first row, whose overhead it takes.
        String[] first = lines.get(2).trim().split("\\s+");
        assertEquals("40.00", first[17]);
        assertEquals("1.00", first[18]);
        assertTrue(lines.get(5).startsWith("vec: bytes per step / (4 x 250,000 parameters)"), lines.get(5));
    }

    @Test
    void realRowsAreLabelledRealAndMissingValuesPrintAsDashes() {
        List<String> lines = ScaleReport.lines(List.of(new ScaleRow(1, 1, 1, false, 64, 20, 5, Double.NaN, "drv", V, V,
                Double.NaN, Double.NaN)), M, 10, 0);
        String[] r = lines.get(2).trim().split("\\s+");
        assertEquals("real", r[3]);
        assertEquals("-", r[7]);
        assertEquals("-", r[11]);
        assertEquals("scale: P=1 efficiency=1.00 step/limit=4.00 vectors-per-link=1.00", lines.get(lines.size() - 1));
    }
}
