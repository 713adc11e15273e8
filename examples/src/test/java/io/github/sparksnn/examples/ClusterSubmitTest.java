package io.github.sparksnn.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a newcomer runs, through {@code bin/snn} itself: {@code cluster start --workers 2} (a standalone Master and
 * two Workers from the project's jars), {@code submit} (Spark's SparkSubmit with an application jar and the training
 * job on a slice of Fashion-MNIST), {@code cluster status}, {@code cluster stop} (which must end exactly the
 * processes it started, and their executors), and {@code train --master local-cluster[2,1,1024]}.
 *
 * <p>Inside {@code mvn verify} the project is not packaged yet: {@code SNN_CLASSPATH} hands bin/snn the test
 * classpath (no nested Maven build), and the application jar is made here from the modules' classes, as
 * {@code -Pdist} would (its dependencies are already in the cluster's jars folder).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSubmitTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path SNN = ROOT.resolve("bin/snn");
    static Path work;
    static Path runDir;
    static Map<String, String> env;
    static int masterPort;
    static final Set<Long> started = new LinkedHashSet<>();

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void setUp() throws IOException {
        assumeTrue(TrainJob.missingDataFile(Path.of(TrainJob.DEFAULT_DATA)) == null, "no Fashion-MNIST here");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is needed for bin/snn");
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "cluster-it");
        runDir = work.resolve("run");
        List<String> cp = testClassPath();
        env = new LinkedHashMap<>();
        env.put("SNN_CLASSPATH", String.join(File.pathSeparator, cp));
        env.put("SNN_APP_JAR", appJar(cp, work.resolve("app.jar")).toString());
        env.put("SNN_JAVA_OPTS", "-Xmx1g");
        env.put("SNN_CLUSTER_DIR", runDir.toString()); // submit finds the cluster's secret there
        masterPort = freePort();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (runDir != null && Files.isDirectory(runDir)) {
            snn("cluster", "stop", "--dir", runDir.toString()); // in case a test failed half-way
        }
        for (long pid : started) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    @Order(1)
    void clusterStartsSubmitTrainsAndStopEndsExactlyWhatStarted() throws Exception {
        int webui = freePort();
        Run start = snn("cluster", "start", "--workers", "2", "--cores", "1", "--memory", "1g", "--port",
                Integer.toString(masterPort), "--webui-port", Integer.toString(webui), "--dir", runDir.toString());
        long master = pid("master");
        long w1 = pid("worker-1");
        long w2 = pid("worker-2");
        started.addAll(List.of(master, w1, w2));
        assertEquals(0, start.code(), start.toString());
        assertTrue(start.out().contains("spark://127.0.0.1:" + masterPort), start.out());
        assertTrue(start.out().contains("http://127.0.0.1:" + webui), "master web UI printed: " + start.out());
        assertEquals(2, start.out().lines().filter(l -> l.startsWith("worker-") && l.contains("running")).count(),
                start.out());
        // spark.authenticate with a secret only this user can read, never on a daemon's command line.
        Path auth = runDir.resolve("spark-auth.conf");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(auth)));
        Matcher secret = Pattern.compile("(?m)^spark\\.authenticate\\.secret ([0-9a-f]{64})$").matcher(Files.readString(auth));
        assertTrue(secret.find(), "a 256-bit secret");
        for (long pid : List.of(master, w1, w2)) {
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
            assertFalse(cmdline.contains(secret.group(1)), "the secret stays off the command line of " + pid);
        }
        for (String log : List.of("master", "worker-1", "worker-2")) {
            assertTrue(Files.readString(runDir.resolve("logs/" + log + ".log")).contains("authentication enabled"),
                    log + " runs with spark.authenticate");
        }

        Path out = work.resolve("out");
        Run submit = snn("submit", "--master", "spark://127.0.0.1:" + masterPort, "--conf",
                "spark.executor.memory=768m", "--", "--limit-train", "1024", "--limit-test", "256", "--epochs", "1",
                "--batch-size", "64", "--lr", "2e-3", "--partitions", "2", "--no-progress", "--output-dir",
                out.toString());
        assertEquals(0, submit.code(), submit.toString());
        Matcher m = Pattern.compile("test_accuracy=(0\\.\\d{4})").matcher(submit.out());
        assertTrue(m.find(), submit.toString());
        assertTrue(Double.parseDouble(m.group(1)) > 0.3, submit.out());
        assertTrue(Files.isDirectory(out.resolve("model/metadata")), "saved model");
        assertTrue(Files.isDirectory(out.resolve("model/data")), "saved model");
        assertTrue(Files.size(out.resolve("training-curve.png")) > 1000);
        // The executors ran under the workers (their work folders hold the application's executor logs).
        try (Stream<Path> s = Files.walk(runDir.resolve("work"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().equals("stderr")), "executor logs under work/");
        }

        Run status = snn("cluster", "status", "--dir", runDir.toString());
        assertEquals(0, status.code(), status.toString());
        assertEquals(3, status.out().lines().filter(l -> l.contains("running")).count(), status.out());

        Set<Long> tree = new LinkedHashSet<>(List.of(master, w1, w2));
        for (long pid : List.of(master, w1, w2)) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> tree.add(d.pid())));
        }
        Run stop = snn("cluster", "stop", "--dir", runDir.toString());
        assertEquals(0, stop.code(), stop.toString());
        assertEquals(3, stop.out().lines().filter(l -> l.startsWith("stopped ")).count(), stop.out());
        for (long pid : tree) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still runs");
        }
        Run after = snn("cluster", "status", "--dir", runDir.toString());
        assertEquals(1, after.code(), after.toString());
        assertFalse(Files.exists(auth), "stop removes the secret");
    }

    @Test
    @Order(2)
    void trainOnLocalClusterThroughBinSnn() throws Exception {
        Path out = work.resolve("lc");
        Run r = snn("train", "--master", "local-cluster[2,1,1024]", "--limit-train", "512", "--limit-test", "128",
                "--epochs", "1", "--batch-size", "64", "--no-progress", "--output-dir", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Pattern.compile("test_accuracy=0\\.\\d{4}").matcher(r.out()).find(), r.toString());
        assertFalse(r.err().contains("Cannot find any build directories"), r.err());
    }

    @Test
    @Order(3)
    void snnDebugKeepsTheTraceAfterTheOneLine() throws Exception {
        Path dir = Files.createDirectories(work.resolve("truncated"));
        Path src = Path.of(TrainJob.DEFAULT_DATA);
        for (String f : new String[]{"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        byte[] images = Files.readAllBytes(src.resolve("train-images-idx3-ubyte.gz"));
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), java.util.Arrays.copyOf(images, images.length / 2));
        env.put("SNN_DEBUG", "1");
        try {
            Run r = snn("train", "--master", "local[1]", "--data-dir", dir.toString(), "--epochs", "1", "--no-progress",
                    "--output-dir", work.resolve("dbg").toString());
            assertEquals(1, r.code(), r.toString());
            List<String> lines = r.err().lines().toList();
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("snn train: a Spark task failed")) {
                    at = i;
                }
            }
            assertTrue(at >= 0, r.err());
            assertTrue(lines.get(at).contains("truncated IDX file"), lines.get(at));
            assertTrue(lines.subList(at + 1, lines.size()).stream().anyMatch(l -> l.startsWith("\tat ")),
                    "SNN_DEBUG=1: the trace follows the line: " + r.err());
        } finally {
            env.remove("SNN_DEBUG");
        }
    }

    // ---- helpers ----

    static long pid(String name) throws IOException {
        Path f = runDir.resolve(name + ".pid");
        return Files.exists(f) ? Long.parseLong(Files.readString(f).strip()) : -1;
    }

    static Run snn(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", SNN.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("bin/snn " + String.join(" ", args) + " did not finish in 8 minutes");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The test JVM's classpath entries (surefire runs from a manifest-only jar: its Class-Path lists them). */
    static List<String> testClassPath() throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = new ArrayList<>();
        for (String e : cp.split(File.pathSeparator)) {
            File f = new File(e);
            if (f.isFile() && e.endsWith(".jar")) {
                try (JarFile jar = new JarFile(f)) {
                    String list = jar.getManifest() == null ? null
                            : jar.getManifest().getMainAttributes().getValue("Class-Path");
                    if (list != null && !list.isBlank()) {
                        for (String u : list.trim().split("\\s+")) {
                            entries.add(new File(URI.create(u).getPath()).getPath());
                        }
                        continue;
                    }
                }
            }
            entries.add(e);
        }
        return entries.stream().filter(e -> new File(e).exists()).distinct().toList();
    }

    /**
     * The application jar: the main classes of every project module on the classpath (directories under the
     * repository, test classes left out), service registrations merged, as the -Pdist jar has them.
     */
    static Path appJar(List<String> cp, Path jar) throws IOException {
        Map<String, StringBuilder> services = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String e : cp) {
                Path dir = Path.of(e).toAbsolutePath().normalize();
                if (dir.startsWith(ROOT) && Files.isRegularFile(dir) && dir.toString().endsWith(".jar")) {
                    copyJar(dir, out, services, seen); // a module's jar (mvn verify resolves siblings to them)
                    continue;
                }
                if (!Files.isDirectory(dir) || !dir.startsWith(ROOT) || !dir.endsWith(Path.of("target", "classes"))) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        String name = dir.relativize(f).toString().replace(File.separatorChar, '/');
                        if (name.startsWith("META-INF/services/")) {
                            services.computeIfAbsent(name, k -> new StringBuilder())
                                    .append(Files.readString(f)).append('\n');
                        } else if (seen.add(name)) {
                            out.putNextEntry(new JarEntry(name));
                            Files.copy(f, out);
                            out.closeEntry();
                        }
                    }
                }
            }
            for (Map.Entry<String, StringBuilder> s : services.entrySet()) {
                out.putNextEntry(new JarEntry(s.getKey()));
                OutputStream o = out;
                o.write(s.getValue().toString().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        assertTrue(seen.contains("io/github/sparksnn/examples/TrainJob.class"), "examples classes in " + cp);
        assertTrue(seen.stream().anyMatch(n -> n.startsWith("io/github/sparksnn/ml/")), "spark-snn classes in " + cp);
        return jar;
    }

    private static void copyJar(Path jar, JarOutputStream out, Map<String, StringBuilder> services, Set<String> seen)
            throws IOException {
        try (JarFile in = new JarFile(jar.toFile())) {
            for (JarEntry e : (Iterable<JarEntry>) in.stream()::iterator) {
                String name = e.getName();
                if (e.isDirectory() || name.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                if (name.startsWith("META-INF/services/")) {
                    services.computeIfAbsent(name, k -> new StringBuilder())
                            .append(new String(in.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8)).append('\n');
                } else if (seen.add(name)) {
                    out.putNextEntry(new JarEntry(name));
                    in.getInputStream(e).transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }
}
