package io.github.sparksnn.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A tiny {@code bench spark} run: every row, the breakdown columns and the driver's bytes. */
class SparkBenchCommandTest {

    @Test
    void tinyRunPrintsEveryRowWithTheTreesDriverBytes() {
        Path data = Path.of("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isRegularFile(data.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new SparkBenchCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String model = "flatten | linear(784,16) | lif | linear(16,10) | lif";
        int code = cli.execute("--model", model, "--limit-train", "512", "--batch-sizes", "128", "--rounds", "1",
                "--warmup", "0");
        assertEquals(0, code, err.toString());
        String o = out.toString();
        for (String row : new String[]{"fit, 1 JVM, 1 thread", "barrier local[2], fan-in 2, in-process",
                "barrier local[2], fan-in 2, sockets", "jobs local[2]", "barrier local[2], fan-in 2, sockets, bf16",
                "in a barrier task", "in a barrier-socket task",
                "loopback, measured now", "engine time of one partition's share", "bench scale-model"}) {
            assertTrue(o.contains(row), "missing '" + row + "' in\n" + o);
        }
        // 784*16+16 + 16*10+10 = 12730 parameters. Two tasks under fan-in 2 make a star: per step each of the
        // driver's two links carries the state down (40-byte header + 4 bytes a float) and that task's partial sum
        // up (header, 12 + 53 bytes, the vector).
        double expectedKb = 2 * (40 + 4 * 12730 + 40 + 12 + 53 + 4 * 12730) / 1024.0;
        Matcher m = Pattern.compile("barrier local\\[2], fan-in 2, sockets .* (\\d+)\\s+\\S+\\s+\\S+\\n").matcher(o);
        assertTrue(m.find(), o);
        assertEquals(expectedKb, Double.parseDouble(m.group(1)), 1.0, o);
        // bfloat16 transport: after the first step's full state, 2 bytes a value both ways.
        Matcher h = Pattern.compile("fan-in 2, sockets, bf16 .* (\\d+)\\s+\\S+\\s+\\S+\\n").matcher(o);
        assertTrue(h.find(), o);
        assertTrue(Double.parseDouble(h.group(1)) < 0.75 * expectedKb, o);
        // In process (a local master's default) no byte passes through the driver's sockets, and there is no floor.
        Matcher in = Pattern.compile("fan-in 2, in-process .* (\\d+)\\s+(\\S+)\\s+(\\S+)\\n").matcher(o);
        assertTrue(in.find(), o);
        assertEquals(0, Integer.parseInt(in.group(1)), o);
        assertEquals("-", in.group(2), o);
    }
}
