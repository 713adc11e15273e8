package io.github.sparksnn.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        CommandLine cl = TrainJob.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void missingDataSetSaysHowToInstallItInOneLine() throws Exception {
        Path empty = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nodata");
        Result r = run("--data-dir", empty.toString());
        assertEquals(1, r.code(), "a missing file is exit code 1, as for every command: " + r.err());
        assertTrue(r.err().startsWith("snn train: Fashion-MNIST not found"), r.err());
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
        assertTrue(Files.exists(outDir.resolve("cp/checkpoint-epoch-00002.ckpt")));
    }

    @Test
    void sequenceRowsIsParsedAndItsShapesChecked() {
        Result r = run("--sequence", "columns");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--sequence must be none or rows, got 'columns'"), r.err());
        r = run("--sequence", "rows", "--T", "4");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("inputShape is [28, 28] and timeSteps is 4"), r.err());
        r = run("--sequence", "rows", "--model", "flatten | linear(784,10) | lif");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("the network sees [28] per step"), r.err());
        r = run("--sequence", "rows", "--encoder", "poisson");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("encoder must be direct"), r.err());
    }

    @Test
    void trainsRowSequencesOfASliceOfFashionMnist() throws Exception {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        Path outDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "train-seq");
        Result r = run("--master", "local[2]", "--sequence", "rows", "--limit-train", "1024", "--limit-test", "256",
                "--epochs", "2", "--batch-size", "32", "--lr", "5e-3", "--validation-fraction", "0",
                "--model", "linear(28,32) | rlif(surrogate=ATan(alpha=2.0)) | linear(32,10) | lif", "--no-progress",
                "--output-dir", outDir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("T=28"), r.err());
        Matcher m = Pattern.compile("test_accuracy=(0\\.\\d{4})\\s*$").matcher(r.out());
        assertTrue(m.find(), r.out());
        double acc = Double.parseDouble(m.group(1));
        // 0.375 when written; chance is 0.1
        assertTrue(acc > 0.2, "above chance after 2 epochs of 1024 row sequences: " + r.out());
        Path part;
        try (java.util.stream.Stream<Path> files = Files.list(outDir.resolve("model/metadata"))) {
            part = files.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        String meta = Files.readString(part);
        assertTrue(meta.contains("\"sequenceInput\":true") && meta.contains("\"inputShape\":[28,28]"), meta);
    }

    @Test
    void holdsOutAValidationSliceAndReportsItsAccuracyEveryEpoch() throws Exception {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        Path outDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "trainval");
        Result r = run("--master", "local[2]", "--limit-train", "1024", "--limit-test", "128", "--epochs", "2",
                "--batch-size", "64", "--lr", "2e-3", "--validation-fraction", "0.1", "--no-progress",
                "--output-dir", outDir.toString());
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("epoch \\d+: .* val_acc=(\\d\\.\\d{4})").matcher(r.err());
        int epochs = 0;
        while (m.find()) {
            epochs++;
            assertTrue(Double.parseDouble(m.group(1)) > 0.2, r.err());
        }
        assertEquals(2, epochs, r.err());
        assertFalse(r.err().contains("NaN"), r.err());
        List<String> csv = Files.readAllLines(outDir.resolve("metrics.csv"));
        for (String line : csv.subList(1, csv.size())) {
            assertFalse(line.contains("NaN"), line);
        }
        // about 10% of 1024 held out: the summary counts the rest
        Matcher n = Pattern.compile("TrainingSummary\\((\\d+) samples").matcher(r.err());
        assertTrue(n.find(), r.err());
        assertTrue(Integer.parseInt(n.group(1)) > 850 && Integer.parseInt(n.group(1)) < 980, n.group());
    }

    @Test
    void withoutValidationTheColumnIsLeftOut() throws Exception {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        Path outDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "trainnoval");
        Result r = run("--master", "local[1]", "--limit-train", "256", "--limit-test", "64", "--epochs", "1",
                "--validation-fraction", "0", "--no-progress", "--output-dir", outDir.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("val_acc"), r.err());
        assertFalse(r.err().contains("NaN"), r.err());
    }

    @Test
    void aTruncatedDataFileFailingInsideATaskIsOneLineNamingTheCause() throws Exception {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "truncated");
        Path src = Path.of(TrainJob.DEFAULT_DATA);
        for (String f : new String[]{"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        // Cut the images in half: the header still promises 60,000, so reading fails inside a task.
        byte[] images = Files.readAllBytes(src.resolve("train-images-idx3-ubyte.gz"));
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), java.util.Arrays.copyOf(images, images.length / 2));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = io.github.sparksnn.cli.SnnCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("train", "--master", "local[2]", "--data-dir", dir.toString(), "--epochs", "1",
                "--no-progress", "--output-dir", dir.resolve("out").toString());
        assertEquals(1, code, err.toString());
        List<String> errorLines = err.toString().lines().filter(l -> l.startsWith("snn train:")).toList();
        assertEquals(1, errorLines.size(), err.toString());
        String line = errorLines.get(0);
        System.out.println("one-line error: " + line);
        assertTrue(line.startsWith("snn train: a Spark task failed"), line);
        assertFalse(line.contains("Job aborted"), line);
        assertFalse(line.contains("\tat "), line);
        assertTrue(line.contains("EOF") || line.toLowerCase(java.util.Locale.ROOT).contains("truncat")
                || line.toLowerCase(java.util.Locale.ROOT).contains("end of"), line);
        assertFalse(err.toString().contains("\tat "), "no stack trace without SNN_DEBUG: " + err);
    }

    @Test
    void aMasterSparkRejectsIsOneLineSayingWhy() {
        StringWriter err = new StringWriter();
        CommandLine cl = io.github.sparksnn.cli.SnnCli.newCommandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("train", "--master", "nonsense://x", "--epochs", "0", "--no-progress");
        assertEquals(1, code, err.toString());
        String s = err.toString().strip();
        assertEquals(1, s.lines().filter(l -> l.startsWith("snn train:")).count(), s);
        assertTrue(s.contains("could not start Spark on master 'nonsense://x'"), s);
        assertTrue(s.contains("nonsense://x") && s.contains("local[*]"), s);
    }

    @Test
    void theFinalProgressLineOfAnEpochIsPrintedOnce() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        StringWriter lines = new StringWriter();
        TrainJob.ProgressListener l = new TrainJob.ProgressListener(new PrintWriter(lines, true), false,
                new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        for (int epoch = 0; epoch < 2; epoch++) {
            l.onEpochStart(epoch, 2, 10);
            for (int step = 0; step < 10; step++) {
                l.onStep(epoch, 2, step, 10, 0.5, 64, 1000);
                Thread.sleep(step == 8 ? 700 : 5); // the periodic refresh (500 ms) runs before the last step
            }
            Thread.sleep(700); // and again after it, before the epoch's line
            l.onEpoch(new io.github.sparksnn.ml.train.state.EpochMetrics(epoch + 1, 0.5, 0.8, 0.7, 1, 640, 10, 100, 90, 90));
        }
        String bars = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        for (String epoch : new String[]{"epoch 1/2", "epoch 2/2"}) {
            long finals = java.util.Arrays.stream(bars.split("[\\r\\n]+"))
                    .filter(s -> s.contains(epoch) && s.contains("100%")).count();
            assertEquals(1, finals, epoch + ": the final progress line once:\n" + bars.replace("\r", "\\r\n"));
        }
        assertEquals(2, lines.toString().lines().filter(s -> s.startsWith("epoch ")).count(), lines.toString());
    }

    @Test
    void theProgressConsumerDropsALineEqualToTheOneBefore() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        TrainJob.ProgressListener.NoRepeats c = new TrainJob.ProgressListener.NoRepeats(
                new me.tongfei.progressbar.ConsoleProgressBarConsumer(new java.io.PrintStream(bytes, true)));
        for (String line : new String[]{"a 100%", "a 100%", "b", "a 100%"}) {
            c.accept(line);
        }
        c.close();
        String out = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(List.of("a 100%", "b", "a 100%"), java.util.Arrays.stream(out.split("[\\r\\n]+"))
                .filter(l -> !l.isEmpty()).toList(), out);
    }
}
