package io.github.sparksnn.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TrainJobTest {

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TrainJob());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void missingDataSetSaysHowToInstallItInOneLine() throws Exception {
        Path empty = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodata");
        Result r = run("--data-dir", empty.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("apt-get install dataset-fashion-mnist"), r.err());
        assertTrue(r.out().isEmpty());
    }

    @Test
    void badFlagsAreUsageErrors() {
        Result r = run("--model", "flatten | linear(784, 10) | lnear(10, 10)", "--data-dir", TrainJob.DEFAULT_DATA);
        assertNotEquals(0, r.code());
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        assertTrue(r.err().contains("lnear"), r.err());
        r = run("--batch-size", "0");
        assertNotEquals(0, r.code());
        r = run("--resume");
        assertTrue(r.err().contains("--checkpoint-dir"), r.err());
    }

    @Test
    void trainsASliceOfFashionMnistAndWritesItsOutputs() throws Exception {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        Path outDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "train");
        Result r = run("--master", "local[2]", "--limit-train", "1024", "--limit-test", "256", "--epochs", "2",
                "--batch-size", "64", "--lr", "2e-3", "--no-progress", "--output-dir", outDir.toString(),
                "--checkpoint-dir", outDir.resolve("cp").toString());
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("test_accuracy=(0\\.\\d{4})\\s*$").matcher(r.out());
        assertTrue(m.find(), r.out());
        // 10 classes: chance is 0.1; a 784-512-10 SNN on 1024 images for 2 epochs clearly beats it.
        assertTrue(Double.parseDouble(m.group(1)) > 0.4, r.out());
        assertTrue(Files.isDirectory(outDir.resolve("model/metadata")));
        assertTrue(Files.isDirectory(outDir.resolve("model/data")));
        assertEquals(3, Files.readAllLines(outDir.resolve("metrics.csv")).size());
        assertTrue(Files.size(outDir.resolve("training-curve.png")) > 1000);
        assertTrue(Files.exists(outDir.resolve("cp/checkpoint-epoch-00002.bin")));
    }
}
