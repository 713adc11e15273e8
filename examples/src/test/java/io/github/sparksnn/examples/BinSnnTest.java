package io.github.sparksnn.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bin/snn}'s shell commands, {@code cluster} and {@code submit}, without starting Spark: help that answers,
 * the exit-code rule ({@code 1} failed, {@code 2} usage, one line {@code snn COMMAND: REASON}), and the pid check
 * of {@code cluster status/stop}, which must match the recorded daemon's arguments exactly.
 */
class BinSnnTest {
    static final Path SNN = ClusterSubmitTest.ROOT.resolve("bin/snn");
    Path work;
    final List<Process> decoys = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is needed for bin/snn");
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bin-snn");
    }

    @AfterEach
    void tearDown() {
        decoys.forEach(Process::destroyForcibly);
    }

    /** bin/snn with a classpath given (no Maven build; the shell commands here start no JVM). */
    ClusterSubmitTest.Run snn(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", SNN.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
        pb.environment().put("SNN_CLASSPATH", work.resolve("no-jars").toString());
        pb.environment().put("SNN_CLUSTER_DIR", work.resolve("cluster").toString());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("bin/snn " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        return new ClusterSubmitTest.Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    ClusterSubmitTest.Run snn(String... args) throws Exception {
        return snn(Map.of(), args);
    }

    static void oneError(ClusterSubmitTest.Run r, String command, int code) {
        assertEquals(code, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), "one line: " + r);
        assertTrue(r.err().startsWith("snn " + command + ": "), r.toString());
    }

    @Test
    void clusterAndSubmitAnswerHelp() throws Exception {
        for (String[] args : new String[][]{{"cluster", "--help"}, {"cluster", "-h"}, {"help", "cluster"},
                {"cluster", "start", "--help"}}) {
            ClusterSubmitTest.Run r = snn(args);
            assertEquals(0, r.code(), String.join(" ", args) + ": " + r);
            assertTrue(r.out().startsWith("Usage: snn cluster start"), String.join(" ", args) + ": " + r);
            assertTrue(r.out().contains("spark.authenticate"), r.out());
        }
        for (String[] args : new String[][]{{"submit", "--help"}, {"help", "submit"}}) {
            ClusterSubmitTest.Run r = snn(args);
            assertEquals(0, r.code(), String.join(" ", args) + ": " + r);
            assertTrue(r.out().startsWith("Usage: snn submit"), r.toString());
        }
    }

    @Test
    void shellCommandsFollowTheExitCodeRule() throws Exception {
        oneError(snn("cluster"), "cluster", 2);
        oneError(snn("cluster", "restart"), "cluster", 2);
        oneError(snn("cluster", "start", "--workers", "0"), "cluster", 2);
        oneError(snn("cluster", "start", "--no-such-option"), "cluster", 2);
        ClusterSubmitTest.Run status = snn("cluster", "status");
        assertEquals(1, status.code(), "status of no cluster: " + status);
        assertTrue(status.out().contains("no cluster started"), status.toString());
        oneError(snn(Map.of("SNN_APP_JAR", work.resolve("missing.jar").toString()), "submit"), "submit", 1);
    }

    @Test
    void trainOnAMasterSparkRejectsIsOneLine() throws Exception {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        String cp = String.join(java.io.File.pathSeparator, ClusterSubmitTest.testClassPath());
        ClusterSubmitTest.Run r = snn(Map.of("SNN_CLASSPATH", cp, "SNN_JAVA_OPTS", "-Xmx512m"), "train", "--master", "x",
                "--no-progress", "--output-dir", work.resolve("out").toString());
        oneError(r, "train", 1);
        assertTrue(r.err().startsWith("snn train: could not start Spark on master 'x': "), r.toString());
        assertTrue(r.err().contains("local[*]"), "says which masters work: " + r);
    }

    /** A CPU-only local run: the backend line (libcuda.so.1's absence) once, each epoch's final progress line once. */
    @Test
    void aLocalRunSaysEachThingOnce() throws Exception {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        assumeTrue(!io.github.sparksnn.gpu.CudaBackends.isAvailable(), "a GPU: no libcuda.so.1 line to count");
        String cp = String.join(java.io.File.pathSeparator, ClusterSubmitTest.testClassPath());
        ClusterSubmitTest.Run r = snn(Map.of("SNN_CLASSPATH", cp, "SNN_JAVA_OPTS", "-Xmx1g"), "train", "--master",
                "local[2]", "--limit-train", "768", "--limit-test", "128", "--epochs", "2", "--batch-size", "64",
                "--output-dir", work.resolve("out").toString());
        assertEquals(0, r.code(), r.toString());
        List<String> lines = List.of(r.err().split("[\\r\\n]+"));
        assertEquals(1, lines.stream().filter(l -> l.contains("libcuda.so.1")).count(), "once per JVM: " + r.err());
        for (String epoch : new String[]{"epoch 1/2", "epoch 2/2"}) {
            assertEquals(1, lines.stream().filter(l -> l.contains(epoch) && l.contains("100%")).count(),
                    epoch + " ends once: " + r.err().replace("\r", "\\r\n"));
        }
    }

    /** A process that looks like a daemon to a substring match: its arguments, NUL-separated, are {@code args}. */
    long decoy(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", "sleep 120; :"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        decoys.add(p);
        return p.pid();
    }

    @Test
    void thePidCheckMatchesArgumentsExactly() throws Exception {
        Path dir = Files.createDirectories(work.resolve("cluster"));
        String own = "-Dsnn.cluster.dir=" + dir.toAbsolutePath().normalize();
        String master = "org.apache.spark.deploy.master.Master";
        // Each contains "-Dsnn.cluster.dir=DIR " once the arguments are joined with spaces, none is the daemon.
        long[] impostors = {
            decoy(own + " ", master),                          // an argument with more after the folder
            decoy("x" + own, master),                          // the text inside another argument
            decoy(own, "grep", master + "X"),                  // the folder, but not a daemon's main class
        };
        for (long pid : impostors) {
            Files.writeString(dir.resolve("master.pid"), pid + "\n");
            ClusterSubmitTest.Run status = snn("cluster", "status");
            assertEquals(1, status.code(), status.toString());
            assertTrue(status.out().startsWith("master    stopped"), status.toString());
            ClusterSubmitTest.Run stop = snn("cluster", "stop");
            assertEquals(0, stop.code(), stop.toString());
            assertTrue(stop.out().contains("nothing to stop"), stop.toString());
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " untouched");
        }
        // The control: the same check does see a process with exactly the daemon's arguments, and stop ends it.
        long real = decoy(own, master);
        Files.writeString(dir.resolve("master.pid"), real + "\n");
        Files.writeString(dir.resolve("master.url"), "spark://127.0.0.1:1\n");
        ClusterSubmitTest.Run status = snn("cluster", "status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().startsWith("master    running  pid " + real), status.toString());
        ClusterSubmitTest.Run stop = snn("cluster", "stop");
        assertTrue(stop.out().contains("stopped master (pid " + real + ")"), stop.toString());
        assertFalse(ProcessHandle.of(real).map(ProcessHandle::isAlive).orElse(false), "stopped");
    }
}
