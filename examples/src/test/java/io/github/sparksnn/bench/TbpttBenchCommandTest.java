package io.github.sparksnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.cli.SnnCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code snn bench tbptt} at a toy size: the measured peak grows with T under full BPTT and stays put with a window,
 * and a window covering T measures what full BPTT does.
 */
class TbpttBenchCommandTest {
    @Test
    void aWindowBoundsThePeakAndFullBpttGrowsWithT() {
        CommandLine cli = SnnCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("bench", "tbptt", "--steps", "4,16,32", "--windows", "0,4", "--batch-size", "3",
                "--model", "linear(28,8) | rlif | linear(8,3) | lif");
        assertEquals(0, code, out + "\n" + err);
        Map<Integer, long[]> rows = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s+(\\d+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+[\\d.]+$").matcher(out.toString());
        while (m.find()) {
            rows.put(Integer.parseInt(m.group(1)), new long[]{Long.parseLong(m.group(2).replace(",", "")),
                    Long.parseLong(m.group(3).replace(",", ""))});
        }
        assertEquals(3, rows.size(), out.toString());
        assertEquals(rows.get(4)[0], rows.get(4)[1], "a window of 4 at T = 4 is full BPTT");
        assertTrue(rows.get(16)[0] < rows.get(32)[0], "full BPTT grows with T: " + out);
        assertEquals(rows.get(16)[1], rows.get(32)[1], "a window's peak does not depend on T: " + out);
        assertTrue(rows.get(32)[1] * 4 < rows.get(32)[0], "window 4 at T = 32 under a quarter: " + out);
    }
}
