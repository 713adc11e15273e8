package io.github.sparksnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FitCommandTest {

    private static final String SMALL_MLP =
            "flatten | linear(784,32) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(32,3) | lif(tau=2.0)";

    @TempDir
    Path dir;

    /** Three easy classes: a bright top band, a bright left band, a bright center square, with noise. */
    private void writeData(String prefix, int n, long seed) throws IOException {
        Random r = new Random(seed);
        ByteBuffer img = ByteBuffer.allocate(16 + n * 784);
        img.putInt(0x803).putInt(n).putInt(28).putInt(28);
        ByteBuffer lab = ByteBuffer.allocate(8 + n);
        lab.putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            lab.put((byte) c);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    boolean on = c == 0 ? y < 8 : c == 1 ? x < 8 : (x >= 10 && x < 18 && y >= 10 && y < 18);
                    int v = (on ? 200 : 20) + r.nextInt(40);
                    img.put((byte) v);
                }
            }
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), img.array());
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), lab.array());
    }

    private int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new FitCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void trainsAndPrintsPerEpochLinesAndTheFinalAccuracy() throws IOException {
        writeData("train", 240, 1);
        writeData("t10k", 60, 2);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "--data-dir", dir.toString(), "--model", SMALL_MLP, "--epochs", "2",
                "--batch-size", "24", "--lr", "5e-3", "--limit-train", "180", "--seed", "3");
        assertEquals(0, code, err.toString());
        String o = out.toString();
        assertTrue(o.contains("epoch 1:") && o.contains("epoch 2:"), o);
        Matcher m = Pattern.compile("(?m)^test_accuracy=(0\\.\\d{4}|1\\.0000)$").matcher(o);
        assertTrue(m.find(), o);
        assertTrue(Double.parseDouble(m.group(1)) > 0.9, o);
        assertTrue(err.toString().contains("180 train / 60 test"), err.toString());
    }

    @Test
    void badOptionsAreUsageErrors() {
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, "--data-dir", dir.toString(), "--optimizer", "adam(beta1=2)");
        assertEquals(2, code);
        assertTrue(err.toString().contains("beta1"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "--model", "flatten | linear(784,10) | nosuchlayer()"));
        err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "--lr", "-1"));
        assertTrue(err.toString().contains("--lr"), err.toString());
    }

    @Test
    void missingDataSaysHowToInstallIt() {
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, "--data-dir", dir.resolve("absent").toString(), "--model", SMALL_MLP);
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("apt-get install dataset-fashion-mnist"), err.toString());
    }
}
