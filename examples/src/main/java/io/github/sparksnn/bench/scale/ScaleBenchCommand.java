package io.github.sparksnn.bench.scale;

import io.github.sparksnn.cli.SnnCli;
import io.github.sparksnn.examples.TrainJob;
import io.github.sparksnn.train.EngineConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code snn bench scale}: data-parallel training on an emulated cluster of {@code --hosts} machines on this one.
 * Each host is a network namespace with its own address and a link of {@code --link-gbit} each way to a bridge
 * ({@link NamespacePlan}); each runs a Spark Worker; the driver runs, with the Master, in a namespace and a shaped link
 * of its own ({@link EmulatedCluster}). The measuring JVM ({@link ScaleDriver}) is started inside the driver's
 * namespace and trains with P = 1, 2, 4 ... hosts in turn; the table gives per step the time, its compute and
 * communication, the bytes on the busiest link and the driver's in vectors, the link-bound limit, weak-scaling
 * efficiency and {@link ScaleCostModel}'s prediction, then one summary line.
 *
 * <p>With {@code --compute simulated} (the default) each task's engine is {@link SimulatedEngineFactory}'s wait,
 * calibrated first in this JVM on the real engine for the model and batch, so two cores can stand in for P machines
 * as far as the network is concerned. Needs root (namespaces, tc): otherwise one line and exit 3, as a check that
 * cannot run here.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = {"Training on an emulated multi-host cluster: network namespaces joined by a bridge, every link "
                + "shaped to --link-gbit each way (tc HTB), one Spark Worker per host, the driver in a namespace of its "
                + "own. Rows P = 1, 2, 4 ... --hosts; needs root.",
                "Exit 3 when it cannot run here (not root, no ip/tc)."})
public final class ScaleBenchCommand implements Callable<Integer> {

    /** How each task computes. */
    public enum Compute { real, simulated }

    @Spec
    CommandSpec spec;

    // Options are declared per command on purpose: picocli reads them from fields, and names and defaults differ.
    @Option(names = "--hosts", required = true, description = "Emulated hosts (the largest P), 1 .. 64.")
    int hosts;

    @Option(names = "--link-gbit", defaultValue = "1", description = "Every link's rate each way, Gbit/s (default: ${DEFAULT-VALUE}).")
    double gbit;

    @Option(names = "--model", defaultValue = TrainJob.DEFAULT_MODEL, description = "Model spec (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--batch-per-task", defaultValue = "128", description = "Images per task per step; the global batch is "
            + "tasks x this (weak scaling; default: ${DEFAULT-VALUE}).")
    int batchPerTask;

    @Option(names = "--compute", defaultValue = "simulated", description = "real: the engine computes; simulated: each "
            + "task waits the real engine's calibrated time per image and sends real-sized vectors (default: ${DEFAULT-VALUE}).")
    Compute compute;

    @Option(names = "--fan-in", defaultValue = "2", description = "Aggregation tree fan-in, 0 = star (default: ${DEFAULT-VALUE}).")
    int fanIn;

    @Option(names = "--tasks-per-host", defaultValue = "1", description = "Task slots (cores) per host (default: ${DEFAULT-VALUE}).")
    int tasksPerHost;

    @Option(names = "--threads-per-task", defaultValue = "1", description = "CPUs per task (spark.task.cpus): each "
            + "task's engine runs that many threads, so a host of N cores can be one endpoint of the tree instead of N "
            + "(default: ${DEFAULT-VALUE}).")
    int threadsPerTask;

    @Option(names = "--steps", defaultValue = "40", description = "Steps per epoch of each row; the second epoch's steps after its "
            + "first are measured (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup-steps", defaultValue = "100", description = "Steps of one unreported run on all hosts first "
            + "(default: ${DEFAULT-VALUE}: the executors' JIT has then compiled the transport's loops; after 30, the "
            + "MLP's one-host step measured 42 ms against 32 ms after 200).")
    int warmupSteps;

    @Option(names = "--data-dir", defaultValue = TrainJob.DEFAULT_DATA, description = "Fashion-MNIST IDX directory; seeded "
            + "random images when absent (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--executor-memory", defaultValue = "1g", description = "Each executor's heap (default: ${DEFAULT-VALUE}).")
    String executorMemory;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = spec.qualifiedName();
        String usage = usageError(hosts, gbit, batchPerTask, fanIn, tasksPerHost, steps, warmupSteps);
        if (usage == null && (threadsPerTask < 1 || threadsPerTask > 64)) {
            usage = "--threads-per-task must be in [1, 64], got " + threadsPerTask;
        }
        if (usage != null) {
            err.println(name + ": " + usage);
            return 2;
        }
        EngineConfig cfg;
        try {
            cfg = EngineConfig.builder().modelSpec(model).inputShape(1, 28, 28).timeSteps(4).encoder("direct")
                    .loss("mse").seed(42).threads(threadsPerTask).build();
        } catch (IllegalArgumentException e) {
            // The parser's message may add the spec and a caret on further lines: one line here.
            err.println(name + ": invalid --model: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return 2;
        }
        String cannot = cannotRunHere();
        if (cannot != null) {
            err.println(name + ": " + cannot);
            return SnnCli.EXIT_CHECK_FAILED;
        }
        removeStale(err);

        long t0 = System.nanoTime();
        List<String> driverArgs = new ArrayList<>();
        if (compute == Compute.simulated) {
            err.println("calibrating: the real engine on " + threadsPerTask + " thread(s), batch " + batchPerTask
                    + " ...");
            err.flush();
            double ns = Calibration.nanosPerImage(cfg, batchPerTask, dataDir, 100, 30);
            out.printf(Locale.ROOT, "calibration: the real engine takes %.1f us per image here (%s, batch %d, %d "
                    + "thread(s): %.2f ms a task's step); simulated tasks wait that long%n", ns / 1e3, model, batchPerTask,
                    threadsPerTask, ns * batchPerTask / 1e6);
            out.flush();
            driverArgs.addAll(List.of("--nanos-per-image", Double.toString(ns)));
            String schedule = Calibration.finalSchedule(cfg, batchPerTask, dataDir, 10);
            out.printf(Locale.ROOT, "calibration: the backward pass makes the gradient final range by range (start@"
                    + "fraction of the call, the last layer first): %s; simulated tasks send it as it does%n",
                    schedule.isEmpty() ? "all at the end" : schedule);
            out.flush();
            if (!schedule.isEmpty()) {
                driverArgs.addAll(List.of("--final-schedule", schedule));
            }
        }

        long pid = ProcessHandle.current().pid();
        NamespacePlan plan = new NamespacePlan(pid, hosts, gbit);
        Path work = Files.createTempDirectory("snn-bench-scale-" + pid + "-");
        EmulatedCluster cluster = new EmulatedCluster(plan, work, err);
        Thread hook = new Thread(cluster::close, "snn bench scale cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean ok = false;
        try {
            err.printf(Locale.ROOT, "network: %d host namespaces + driver + switch (%s*), links %s each way; logs in %s%n",
                    hosts, plan.switchNs().replaceAll("sw$", ""), plan.tcRate(), work);
            err.flush();
            cluster.build();
            cluster.startMaster(java(true));
            err.printf(Locale.ROOT, "master up at %s after %.1f s; starting %d workers ...%n", cluster.masterUrl(),
                    (System.nanoTime() - t0) / 1e9, hosts);
            err.flush();
            cluster.startWorkers(java(true), tasksPerHost * threadsPerTask);
            err.printf(Locale.ROOT, "cluster ready after %.1f s; starting the driver in %s%n",
                    (System.nanoTime() - t0) / 1e9, plan.driverNs());
            err.flush();
            List<String> cmd = java(false);
            cmd.add(ScaleDriver.class.getName());
            cmd.addAll(List.of("--master", cluster.masterUrl(), "--driver-address", plan.driverAddress(),
                    "--switch-ns", plan.switchNs(), "--hosts", Integer.toString(hosts), "--tasks-per-host",
                    Integer.toString(tasksPerHost), "--threads-per-task", Integer.toString(threadsPerTask), "--link-gbit", Double.toString(gbit), "--model", model,
                    "--batch-per-task", Integer.toString(batchPerTask), "--fan-in", Integer.toString(fanIn),
                    "--steps", Integer.toString(steps), "--warmup-steps", Integer.toString(warmupSteps),
                    "--data-dir", dataDir.toString(), "--executor-memory", executorMemory));
            cmd.addAll(driverArgs);
            Process driver = cluster.startDriver(cmd);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(driver.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.println(line);
                    out.flush();
                }
            }
            int code = driver.waitFor();
            if (code == SnnCli.EXIT_CHECK_FAILED) { // --compute real: the bits differ from local mode's (line above)
                ok = true;
                err.println(name + ": the emulated cluster's parameters differ from the same training in one JVM");
                return SnnCli.EXIT_CHECK_FAILED;
            }
            if (code != 0) {
                err.println(name + ": the measuring driver failed (exit " + code + "; its error is above; daemon logs in "
                        + work + ")");
                return 1;
            }
            ok = true;
            err.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (IOException e) {
            err.println(name + ": " + e.getMessage());
            return 1;
        } finally {
            cluster.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook has run close() too
            }
            if (ok) {
                deleteTree(work);
            }
            err.flush();
        }
    }

    /** P of each row: 1, 2, 4 ... below {@code hosts}, then {@code hosts}. */
    public static List<Integer> rowHosts(int hosts) {
        List<Integer> p = new ArrayList<>();
        for (int k = 1; k < hosts; k *= 2) {
            p.add(k);
        }
        p.add(hosts);
        return p;
    }

    /** The usage problem with these options, or null. */
    static String usageError(int hosts, double gbit, int batchPerTask, int fanIn, int tasksPerHost, int steps,
                             int warmupSteps) {
        if (hosts < 1 || hosts > 64) {
            return "--hosts must be in [1, 64], got " + hosts;
        }
        if (!(gbit >= 0.001 && gbit <= 1000)) {
            return "--link-gbit must be in [0.001, 1000], got " + gbit;
        }
        if (batchPerTask < 1) {
            return "--batch-per-task must be >= 1, got " + batchPerTask;
        }
        if (fanIn < 0) {
            return "--fan-in must be >= 0 (0: star), got " + fanIn;
        }
        if (tasksPerHost < 1 || tasksPerHost > 64) {
            return "--tasks-per-host must be in [1, 64], got " + tasksPerHost;
        }
        if (steps < 3) {
            return "--steps must be >= 3 (the measured window starts after the first step), got " + steps;
        }
        if (warmupSteps < 0) {
            return "--warmup-steps must be >= 0, got " + warmupSteps;
        }
        return null;
    }

    /** Why this machine cannot run the bench (not root, no ip or tc), or null when it can. */
    static String cannotRunHere() {
        return cannotRunHere(effectiveUid(), ScaleBenchCommand::onPath);
    }

    /** As {@link #cannotRunHere()} for the given effective uid and PATH lookup. */
    static String cannotRunHere(long uid, java.util.function.Predicate<String> onPath) {
        if (uid != 0) {
            return "needs root to create network namespaces and shape links (effective uid " + uid + "); run it as root";
        }
        for (String tool : new String[]{"ip", "tc"}) {
            if (!onPath.test(tool)) {
                return "needs the '" + tool + "' command (package iproute2) on PATH";
            }
        }
        return null;
    }

    static long effectiveUid() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) {
                    return Long.parseLong(l.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of((path == null ? "" : path).split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Deletes namespaces an earlier run of this bench left behind when it was killed (see NamespacePlan.stale). */
    private static void removeStale(PrintWriter err) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            List<String> names = text.lines().map(l -> l.trim().split("\\s+")[0]).toList();
            for (String n : NamespacePlan.stale(names, pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                    .orElse(false))) {
                err.println("removing namespace " + n + " left by an earlier, killed run of this bench");
                try {
                    EmulatedCluster.run(List.of("ip", "netns", "del", n));
                } catch (IOException e) {
                    err.println("  " + e.getMessage());
                }
            }
        } catch (IOException | InterruptedException e) {
            err.println("could not list network namespaces: " + e.getMessage());
        }
    }

    /**
     * This JVM's java and its module flags (daemons) or all its options (the driver), and the classpath. Daemons do
     * not get the command line's log configuration: their logs must say when they are up (INFO).
     */
    private static List<String> java(boolean daemon) {
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            boolean module = a.startsWith("--add-") || a.startsWith("-XX:+IgnoreUnrecognized")
                    || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty");
            if (module || (!daemon && !a.startsWith("-agentlib") && !a.startsWith("-javaagent"))) {
                c.add(a);
            }
        }
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        return c;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder
        }
    }
}
