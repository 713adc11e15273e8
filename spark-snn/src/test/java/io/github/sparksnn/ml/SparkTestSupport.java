package io.github.sparksnn.ml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import org.apache.spark.sql.SparkSession;

/**
 * Builds SparkSessions for tests: {@code local[1]}, {@code local[2]} and {@code local-cluster[2,1,1024]}
 * (two real executor JVMs launched by in-process workers).
 *
 * <p>Usage (one session per test class, to save start-up time):
 * <pre>{@code
 * static SparkSession spark;
 * @BeforeAll static void start() { spark = SparkTestSupport.local(2); }
 * @AfterAll  static void stop()  { SparkTestSupport.stop(spark); }
 * }</pre>
 *
 * <p>{@code local-cluster} from plain Maven jars (no Spark distribution) needs, as measured in
 * MACHINE-FACTS: {@code spark.executor.extraClassPath} = the test JVM's classpath, and the executor environment
 * {@code SPARK_SCALA_VERSION=2.13} and {@code SPARK_TESTING=1}. The executors also get the same
 * {@code --add-opens} flags surefire gives the test JVM (root pom property {@code spark.jvm.opens}), read here from
 * the running JVM's input arguments so the two never drift apart. Executor start-up costs about 10 s:
 * use {@link #localCluster(String)} only for the few tests that must prove executors in separate JVMs work.
 *
 * <p>Only one SparkSession can be active per JVM; {@link #stop(SparkSession)} clears the active and default
 * sessions so the next test class can build its own with a different master.
 */
public final class SparkTestSupport {

    /**
     * The module flags Spark's launcher passes ({@code org.apache.spark.launcher.JavaModuleOptions}); the same list
     * as the root pom's {@code spark.jvm.opens}. Used when the test JVM's own arguments cannot be read.
     */
    public static final String JVM_OPENS = "-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector"
            + " --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
            + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED"
            + " --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
            + " --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
            + " --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"
            + " --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
            + " --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED"
            + " --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
            + " -Dio.netty.tryReflectionSetAccessible=true";

    private SparkTestSupport() {
    }

    /** A {@code local[threads]} session named after the caller, with small memory and shuffle settings. */
    public static SparkSession local(int threads) {
        return local(threads, callerName());
    }

    /** A {@code local[threads]} session with the given application name. */
    public static SparkSession local(int threads, String appName) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return common(SparkSession.builder().master("local[" + threads + "]").appName(appName)).getOrCreate();
    }

    /** A {@code local[threads]} session whose tasks each take {@code taskCpus} of them ({@code spark.task.cpus}). */
    public static SparkSession localWithTaskCpus(int threads, int taskCpus, String appName) {
        return common(SparkSession.builder().master("local[" + threads + "]").appName(appName))
                .config("spark.task.cpus", Integer.toString(taskCpus)).getOrCreate();
    }

    /** {@code local-cluster[2,1,1024]}: two executor JVMs with one core and 1024 MB each. */
    public static SparkSession localCluster() {
        return localCluster(callerName());
    }

    /** {@code local-cluster[2,1,1024]} with the given application name. */
    public static SparkSession localCluster(String appName) {
        return localCluster(2, 1, 1024, appName);
    }

    /**
     * {@code local-cluster[workers,coresPerWorker,memoryPerWorkerMb]}. The executors run the test classpath (so
     * classes under test, test classes and Spark itself are all found) with the test JVM's module flags.
     */
    public static SparkSession localCluster(int workers, int coresPerWorker, int memoryPerWorkerMb, String appName) {
        String master = "local-cluster[" + workers + "," + coresPerWorker + "," + memoryPerWorkerMb + "]";
        return common(SparkSession.builder().master(master).appName(appName))
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .config("spark.executorEnv.SPARK_TESTING", "1")
                .config("spark.executor.extraJavaOptions", executorJavaOptions())
                // Executor heap must fit in the worker's memory; 1024 MB worker -> 768m executor leaves room.
                .config("spark.executor.memory", Math.max(256, memoryPerWorkerMb * 3 / 4) + "m")
                .config("spark.executor.cores", Integer.toString(coresPerWorker))
                // A barrier stage resubmitted while a killed executor is replaced waits for free slots; Spark
                // re-checks every 15 s by default.
                .config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s")
                .getOrCreate();
    }

    /** Stops the session (if any) and clears the thread's active and the JVM's default session. */
    public static void stop(SparkSession spark) {
        if (spark != null) {
            spark.stop();
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /** A fresh temporary directory under {@code target/} (not {@code /tmp}), for save/load tests. */
    public static Path tempDir(String prefix) throws IOException {
        Path base = Path.of("target", "spark-test-tmp");
        Files.createDirectories(base);
        return Files.createTempDirectory(base, prefix).toAbsolutePath();
    }

    /** The {@code --add-opens} flags for executors: the test JVM's own module flags, or {@link #JVM_OPENS}. */
    static String executorJavaOptions() {
        StringBuilder sb = new StringBuilder();
        Pattern keep = Pattern.compile("^(--add-opens=|--add-exports=|--add-modules=|-XX:\\+IgnoreUnrecognizedVMOptions"
                + "|-Djdk\\.reflect\\.useDirectMethodHandle=|-Dio\\.netty\\.tryReflectionSetAccessible=).*");
        try {
            for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (keep.matcher(arg).matches()) {
                    sb.append(sb.length() == 0 ? "" : " ").append(arg);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // java.management may be absent in a trimmed runtime: fall back to the fixed list.
            sb.setLength(0);
        }
        String opens = sb.indexOf("--add-opens=java.base/java.lang=") >= 0 ? sb.toString() : JVM_OPENS;
        return opens + " -Dlog4j2.level=WARN";
    }

    private static SparkSession.Builder common(SparkSession.Builder b) {
        return b.config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "4")
                .config("spark.driver.memory", "1g")
                .config("spark.sql.adaptive.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.warehouse.dir", Path.of("target", "spark-warehouse").toAbsolutePath().toString())
                .config("spark.local.dir", Path.of("target", "spark-local").toAbsolutePath().toString())
                .config("spark.port.maxRetries", "64");
    }

    private static String callerName() {
        StackTraceElement[] st = new Throwable().getStackTrace();
        for (StackTraceElement e : st) {
            if (!e.getClassName().equals(SparkTestSupport.class.getName())) {
                String c = e.getClassName();
                return c.substring(c.lastIndexOf('.') + 1);
            }
        }
        return "spark-snn-test";
    }
}
