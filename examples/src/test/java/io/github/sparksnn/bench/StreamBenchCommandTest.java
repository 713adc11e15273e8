package io.github.sparksnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.cli.SnnCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code snn bench stream} at a toy size: it runs, every event goes through both paths, the rows are there. */
class StreamBenchCommandTest {
    @Test
    void aToyRunPrintsBothRows() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bench-stream");
        CommandLine cli = SnnCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("bench", "stream", "--keys", "12", "--steps", "3", "--batch-events", "12",
                "--master", "local[2]", "--work-dir", work.resolve("w").toString());
        assertEquals(0, code, out + "\n" + err);
        String s = out.toString();
        assertTrue(s.startsWith("events 36 (12 keys x 3 steps), micro-batches of 12 in 2 files, 2 partitions"), s);
        assertTrue(s.contains("each row timed on its second pass"), s);
        assertTrue(s.contains("| offline batch inference (T = 1)") && s.contains("| stream (state per key, RocksDB)"), s);
        Matcher m = Pattern.compile("state (\\d+) keys, (\\d+) bytes per key").matcher(s);
        assertTrue(m.find(), s);
        assertEquals(12, Integer.parseInt(m.group(1)), "one state per key");
    }
}
