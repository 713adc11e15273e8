package io.github.sparksnn.bench.scale;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The emulated hosts of a {@link NamespacePlan}, built, populated and torn down: the namespaces and shaped links,
 * a Spark standalone Master in the driver's namespace and one Worker per host namespace, each bound to its own
 * address and started from this JVM's classpath (no Spark distribution: {@code SPARK_HOME} is a folder with an empty
 * {@code jars/}, and the executors get the classpath through {@code spark.executor.extraClassPath}, as
 * {@code snn cluster} does with its links).
 *
 * <p>The daemons run with a small heap, the serial collector and C1 only: they do little, and on a machine of two
 * cores the C2 compiler threads of N + 1 daemons would compete with the measurement.
 *
 * <p>{@link #close()} ends every process this object started and whatever still runs inside its namespaces (only
 * processes it started, and their children, can be there), then deletes exactly the namespaces whose creation it ran.
 * It is idempotent and is also what the bench's shutdown hook calls on Ctrl-C.
 */
public final class EmulatedCluster implements AutoCloseable {
    private final NamespacePlan plan;
    private final Path workDir;
    private final PrintWriter err;
    private final List<String> created = Collections.synchronizedList(new ArrayList<>());
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean closed = new AtomicBoolean();

    public EmulatedCluster(NamespacePlan plan, Path workDir, PrintWriter err) {
        this.plan = plan;
        this.workDir = workDir;
        this.err = err;
    }

    public NamespacePlan plan() {
        return plan;
    }

    /** Runs the plan's setup commands; a failing command is an exception naming it and what it printed. */
    public void build() throws IOException, InterruptedException {
        for (List<String> c : plan.setup()) {
            run(c);
            if (c.size() == 4 && c.get(0).equals("ip") && c.get(1).equals("netns") && c.get(2).equals("add")) {
                created.add(c.get(3));
            }
        }
    }

    /** The namespaces created so far (what {@link #close()} deletes). */
    public List<String> created() {
        return List.copyOf(created);
    }

    /** Starts the Master in the driver's namespace and waits until it listens. */
    public void startMaster(List<String> java) throws IOException, InterruptedException {
        Path log = workDir.resolve("master.log");
        List<String> cmd = inNs(plan.driverNs(), java);
        cmd.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dspark.master.rest.enabled=false", "org.apache.spark.deploy.master.Master", "--host", plan.driverAddress(), "--port", "7077", "--webui-port", "8080"));
        start(cmd, log, plan.driverAddress());
        await(List.of(log), "Starting Spark master at", 120);
    }

    /** The Master's URL. */
    public String masterUrl() {
        return "spark://" + plan.driverAddress() + ":7077";
    }

    /** Starts one Worker per host (all at once) and waits until every one has registered with the Master. */
    public void startWorkers(List<String> java, int cores) throws IOException, InterruptedException {
        Path home = workDir.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        List<Path> logs = new ArrayList<>();
        for (int i = 1; i <= plan.hosts(); i++) {
            Path dir = workDir.resolve("worker-" + i);
            Files.createDirectories(dir);
            Path log = workDir.resolve("worker-" + i + ".log");
            List<String> cmd = inNs(plan.hostNs(i), java);
            cmd.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "org.apache.spark.deploy.worker.Worker", masterUrl(), "--host",
                    plan.hostAddress(i), "--cores", Integer.toString(cores), "--memory", "8g", "--work-dir",
                    dir.toString(), "--webui-port", "8081"));
            ProcessBuilder pb = builder(cmd, plan.hostAddress(i));
            pb.environment().put("SPARK_HOME", home.toString());
            pb.environment().put("SPARK_WORKER_DIR", dir.toString());
            processes.add(pb.redirectErrorStream(true).redirectOutput(log.toFile()).start());
            logs.add(log);
        }
        await(logs, "Successfully registered with master", 180);
    }

    /** Starts {@code java} (a command line without the namespace part) in the driver's namespace. */
    public Process startDriver(List<String> java) throws IOException {
        Process p = builder(inNs(plan.driverNs(), java), plan.driverAddress())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(p);
        return p;
    }

    private static List<String> inNs(String ns, List<String> java) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(java);
        return c;
    }

    private ProcessBuilder builder(List<String> cmd, String address) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_LOCAL_IP", address);
        pb.environment().put("SPARK_PUBLIC_DNS", address);
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        return pb;
    }

    private void start(List<String> cmd, Path log, String address) throws IOException {
        processes.add(builder(cmd, address).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    /** Waits until every log holds {@code text}; a process that ended, or the time running out, is an exception. */
    private void await(List<Path> logs, String text, int seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        List<Path> waiting = new ArrayList<>(logs);
        while (!waiting.isEmpty()) {
            for (Path l : new ArrayList<>(waiting)) {
                if (Files.exists(l) && Files.readString(l, StandardCharsets.UTF_8).contains(text)) {
                    waiting.remove(l);
                }
            }
            if (waiting.isEmpty()) {
                break;
            }
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IOException("a Spark daemon ended (exit " + p.exitValue() + "); logs in " + workDir);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no '" + text + "' within " + seconds + " s in " + waiting);
            }
            Thread.sleep(100);
        }
    }

    /**
     * Ends the processes (SIGTERM, then SIGKILL after 10 s), then anything left inside the namespaces, then deletes the
     * namespaces this object created. Errors are reported on stderr, never thrown: teardown goes on.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Process> ps;
        synchronized (processes) {
            ps = new ArrayList<>(processes);
        }
        Collections.reverse(ps);   // driver first, master last
        for (Process p : ps) {
            p.destroy();
        }
        for (Process p : ps) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        List<String> ns;
        synchronized (created) {
            ns = new ArrayList<>(created);
        }
        for (String n : ns) {
            endProcessesIn(n);
        }
        for (List<String> c : plan.teardown()) {
            String n = c.get(c.size() - 1);
            if (!ns.contains(n)) {
                continue;
            }
            try {
                run(c);
                created.remove(n);
            } catch (IOException | InterruptedException e) {
                err.println("snn bench scale: could not delete namespace " + n + ": " + e.getMessage()
                        + " (delete it with: ip netns del " + n + ")");
                err.flush();
            }
        }
    }

    /** Ends what still runs in namespace {@code ns} (executors a killed Worker left, say): its processes are ours. */
    private void endProcessesIn(String ns) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "pids", ns).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            List<ProcessHandle> left = new ArrayList<>();
            for (String s : out.split("\\s+")) {
                if (s.matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(s)).ifPresent(left::add);
                }
            }
            for (ProcessHandle h : left) {
                h.destroy();
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            for (ProcessHandle h : left) {
                while (h.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                if (h.isAlive()) {
                    h.destroyForcibly();
                }
            }
        } catch (IOException | InterruptedException e) {
            err.println("snn bench scale: could not list the processes in " + ns + ": " + e.getMessage());
            err.flush();
        }
    }

    /** Runs one command to completion; non-zero exit is an exception with the command and its output. */
    static void run(List<String> c) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("'" + NamespacePlan.line(c) + "' did not finish within 30 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("'" + NamespacePlan.line(c) + "' failed (exit " + p.exitValue() + ")"
                    + (out.isEmpty() ? "" : ": " + out.lines().reduce((a, b) -> b).orElse("")));
        }
    }
}
