package io.github.sparksnn.examples;

import io.github.sparksnn.ml.util.NioLocalFileSystem;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Starts the training job's SparkSession so that the masters people try on one machine work, and a master that
 * cannot start says why in one line.
 *
 * <ul>
 *   <li>{@code local-cluster[N,C,MB]} (real executor JVMs launched by in-process workers, what the tests use) run
 *   from Maven jars needs what a Spark distribution would provide: the executors get the driver's classpath
 *   ({@code spark.executor.extraClassPath}), its {@code --add-opens} flags, {@code SPARK_SCALA_VERSION=2.13}, and
 *   {@code SPARK_TESTING=1} unless {@code SPARK_HOME} names a folder with a {@code jars/} directory ({@code bin/snn}
 *   sets one up). Values the user set are kept.</li>
 *   <li>A master URL Spark rejects, or a cluster whose master gives up (unreachable, executors that cannot launch),
 *   becomes a {@link IllegalStateException} whose message names the reason Spark logged and what to check, instead
 *   of the later {@code Cannot call methods on a stopped SparkContext}.</li>
 * </ul>
 */
public final class SparkLaunch {
    private SparkLaunch() {
    }

    /** How long to wait for the first executor on a cluster master before training starts anyway. */
    static final long EXECUTOR_WAIT_SECONDS = Long.getLong("snn.executorWaitSeconds", 150);

    /** Builds (or gets) the session for {@code master} (null: spark-submit's or the builder's), see the class doc. */
    public static SparkSession start(SparkSession.Builder b, String master) {
        String m = master != null ? master : System.getProperty("spark.master", "");
        if (m.startsWith("local-cluster")) {
            localClusterDefaults(b);
        }
        localFileSettings().forEach(b::config);
        OncePerJvm.install();
        StartupErrors errors = StartupErrors.install();
        SparkSession spark;
        QuietConsole quiet = QuietConsole.install();
        try {
            spark = b.getOrCreate();
        } catch (Exception e) { // SparkException is checked, yet Scala code throws it from getOrCreate
            quiet.remove();
            errors.remove();
            throw failure(m, errors.reason(), e);
        }
        // Spark started after all: what it logged as an error while starting is shown, one line each.
        for (String held : quiet.remove()) {
            System.err.println("warning: Spark logged while starting: " + held);
        }
        // Executors come up with the application on a cluster master; with dynamic allocation only once tasks wait.
        if (!m.startsWith("local[") && !m.equals("local") && !m.isEmpty()
                && !spark.sparkContext().getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            try {
                awaitExecutor(spark.sparkContext(), m, errors);
            } catch (RuntimeException e) {
                errors.remove();
                throw e;
            }
        }
        // Kept until the JVM ends: if the cluster goes away during training, explain() names Spark's reason.
        return spark;
    }

    /**
     * The error to report when training failed because Spark stopped underneath it (the master gave up, every
     * executor was lost): the context's state says so; other errors pass unchanged.
     */
    public static RuntimeException explain(SparkSession spark, RuntimeException e) {
        if (spark.sparkContext().isStopped()) {
            String why = StartupErrors.current != null ? StartupErrors.current.reason() : null;
            return new Failure("Spark stopped during training on master '" + spark.sparkContext().master() + "'"
                    + (why != null ? ": " + why : "") + " (executors lost or the master went away; see the master"
                    + " and worker logs, e.g. `bin/snn cluster status`)", e);
        }
        return e;
    }

    /** The session's Hadoop setting for the {@code file:} scheme, unless the user set one. */
    static final String LOCAL_FS_CONF = "spark.hadoop." + NioLocalFileSystem.CONF;

    /**
     * Local files through {@link NioLocalFileSystem} (no {@code chmod} child process per file created, about twenty
     * per micro-batch of a streaming query), unless the user named a {@code file:} implementation.
     */
    static java.util.Map<String, String> localFileSettings() {
        return System.getProperty(LOCAL_FS_CONF) != null ? java.util.Map.of()
                : java.util.Map.of(LOCAL_FS_CONF, NioLocalFileSystem.class.getName());
    }

    static void localClusterDefaults(SparkSession.Builder b) {
        localClusterSettings(System.getenv("SPARK_HOME")).forEach(b::config);
    }

    /**
     * What local-cluster executors need from a JVM started from Maven jars, less what the user set as {@code spark.*}
     * system properties: see the class doc. {@code sparkHome}: the driver's {@code SPARK_HOME}, or null.
     */
    static java.util.Map<String, String> localClusterSettings(String sparkHome) {
        java.util.Map<String, String> c = new java.util.LinkedHashMap<>();
        c.put("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        c.put("spark.executorEnv.SPARK_SCALA_VERSION",
                scala.util.Properties.versionNumberString().replaceAll("^(\\d+\\.\\d+).*", "$1"));
        if (sparkHome == null || !new File(sparkHome, "jars").isDirectory()) {
            // Without a distribution's jars/ folder the worker's launcher looks for a Spark build tree and fails
            // with "Cannot find any build directories"; the testing flag makes it use the extraClassPath alone.
            c.put("spark.executorEnv.SPARK_TESTING", "1");
        }
        c.put("spark.executor.extraJavaOptions", moduleFlags());
        c.keySet().removeIf(k -> System.getProperty(k) != null);
        return c;
    }

    /** This JVM's {@code --add-opens}/{@code --add-modules} flags (bin/snn and surefire pass Spark's list). */
    static String moduleFlags() {
        Pattern keep = Pattern.compile("^(--add-opens=|--add-exports=|--add-modules=|-XX:\\+IgnoreUnrecognizedVMOptions"
                + "|-Djdk\\.reflect\\.useDirectMethodHandle=|-Dio\\.netty\\.tryReflectionSetAccessible=).*");
        StringBuilder sb = new StringBuilder();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (keep.matcher(arg).matches()) {
                sb.append(sb.length() == 0 ? "" : " ").append(arg);
            }
        }
        return sb.toString();
    }

    private static void awaitExecutor(SparkContext sc, String master, StartupErrors errors) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXECUTOR_WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (sc.isStopped()) {
                throw failure(master, errors.reason(), null);
            }
            if (sc.statusTracker().getExecutorInfos().length > 1) { // the driver is listed too
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        System.err.printf(Locale.ROOT, "warning: no executor registered with master '%s' after %d s; waiting on "
                + "(is a worker running with enough cores and memory? bin/snn cluster status)%n", master,
                EXECUTOR_WAIT_SECONDS);
    }

    private static Failure failure(String master, String logged, Exception e) {
        String why = logged != null ? logged.replaceFirst("^Error initializing SparkContext\\.: ", "")
                : e != null ? rootMessage(e) : "it stopped while starting";
        String hint = master.startsWith("spark://")
                ? "is the master running and reachable? `bin/snn cluster status`, or start one: `bin/snn cluster start`;"
                        + " a cluster of `bin/snn cluster start` takes applications through `bin/snn submit`, which"
                        + " passes its secret (spark.authenticate)"
                : master.startsWith("local-cluster")
                ? "local-cluster[workers,cores,memoryMB] needs memoryMB >= the executor memory (spark.executor.memory)"
                : "use local[*], local-cluster[2,1,1024] or spark://host:port";
        return new Failure("could not start Spark on master '" + (master.isEmpty() ? "(default)" : master)
                + "': " + why + " (" + hint + ")", e);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** Spark could not start or stopped underneath the job; the message says why and what to check. */
    public static final class Failure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Shows each distinct line of {@code BackendEngineFactory} (which backend an engine runs on, and why not the GPU)
     * and of {@code CpuBackend} (why not native OpenBLAS) once per JVM on the console: it is logged for every engine created, so a local run printed the same
     * {@code libcuda.so.1} reason once per epoch and once more for the evaluation.
     */
    static final class OncePerJvm extends org.apache.logging.log4j.core.filter.AbstractFilter {
        static final java.util.Set<String> LOGGERS = java.util.Set.of("io.github.sparksnn.ml.train.engine.BackendEngineFactory",
                "io.github.sparksnn.backend.CpuBackend");
        private static OncePerJvm installed;
        private static org.apache.logging.log4j.core.config.Configuration installedOn;
        private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

        private OncePerJvm() {
            super(Result.DENY, Result.NEUTRAL);
        }

        /** On this JVM's console appenders, once per logging configuration. */
        static synchronized void install() {
            if (!(LogManager.getContext(false) instanceof org.apache.logging.log4j.core.LoggerContext ctx)
                    || ctx.getConfiguration() == installedOn) {
                return;
            }
            if (installed == null) {
                installed = new OncePerJvm();
                installed.start();
            }
            installedOn = ctx.getConfiguration();
            for (org.apache.logging.log4j.core.Appender a : installedOn.getAppenders().values()) {
                if (a instanceof org.apache.logging.log4j.core.appender.ConsoleAppender c) {
                    c.addFilter(installed);
                }
            }
        }

        @Override
        public Result filter(LogEvent event) {
            return LOGGERS.contains(event.getLoggerName()) && !seen.add(event.getMessage().getFormattedMessage())
                    ? Result.DENY : Result.NEUTRAL;
        }
    }

    /**
     * Keeps Spark's WARN and ERROR lines off the console while a session starts: a master URL it rejects is logged
     * as {@code ERROR SparkContext: Error initializing SparkContext.} with a stack trace (and a WARN of the metrics
     * system it stops), before the exception that {@link #start} turns into one line. The lines are held (message and root cause, one line each) and printed as
     * warnings if the session starts after all.
     */
    static final class QuietConsole extends org.apache.logging.log4j.core.filter.AbstractFilter {
        private final java.util.List<org.apache.logging.log4j.core.appender.ConsoleAppender> consoles =
                new java.util.ArrayList<>();
        private final java.util.List<String> held = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

        private QuietConsole() {
            super(Result.DENY, Result.NEUTRAL);
        }

        static QuietConsole install() {
            QuietConsole q = new QuietConsole();
            q.start();
            if (LogManager.getContext(false) instanceof org.apache.logging.log4j.core.LoggerContext ctx) {
                for (org.apache.logging.log4j.core.Appender a : ctx.getConfiguration().getAppenders().values()) {
                    if (a instanceof org.apache.logging.log4j.core.appender.ConsoleAppender c) {
                        c.addFilter(q);
                        q.consoles.add(c);
                    }
                }
            }
            return q;
        }

        /** Takes the filter off the consoles; the lines it held. */
        java.util.List<String> remove() {
            for (org.apache.logging.log4j.core.appender.ConsoleAppender c : consoles) {
                c.removeFilter(this);
            }
            stop();
            synchronized (held) {
                return java.util.List.copyOf(held);
            }
        }

        @Override
        public Result filter(LogEvent event) {
            if (event.getLevel().isMoreSpecificThan(org.apache.logging.log4j.Level.WARN)
                    && event.getLoggerName().startsWith("org.apache.spark")) {
                String msg = event.getMessage().getFormattedMessage();
                Throwable t = event.getThrown();
                held.add((msg + (t != null ? ": " + rootMessage(t) : "")).strip().replaceAll("\\s*[\\r\\n]+\\s*", " "));
                return Result.DENY;
            }
            return Result.NEUTRAL;
        }
    }

    /**
     * Collects the ERROR lines Spark logs while a session starts (why the master gave up, why an executor could not
     * launch): the reason the user needs, which Spark only logs before it stops the context.
     */
    static final class StartupErrors extends AbstractAppender {
        private volatile String last;
        private volatile String firstExecutorError;

        private StartupErrors() {
            super("spark-snn-startup-errors", null, null, true, Property.EMPTY_ARRAY);
        }

        /**
         * Where the reasons are logged: Spark as a whole, and the standalone scheduler backend by name, because
         * conf/log4j2.properties keeps that logger off the console (this one line reports what it says).
         */
        private static final String[] LOGGERS = {"org.apache.spark",
            "org.apache.spark.scheduler.cluster.StandaloneSchedulerBackend"};
        static volatile StartupErrors current;

        static synchronized StartupErrors install() {
            if (current != null) {
                current.remove();
            }
            StartupErrors a = new StartupErrors();
            a.start();
            for (String name : LOGGERS) {
                if (LogManager.getLogger(name) instanceof org.apache.logging.log4j.core.Logger l) {
                    l.addAppender(a);
                }
            }
            current = a;
            return a;
        }

        synchronized void remove() {
            for (String name : LOGGERS) {
                if (LogManager.getLogger(name) instanceof org.apache.logging.log4j.core.Logger l) {
                    l.removeAppender(this);
                }
            }
            stop();
            if (current == this) {
                current = null;
            }
        }

        @Override
        public void append(LogEvent event) {
            if (!event.getLevel().isMoreSpecificThan(org.apache.logging.log4j.Level.ERROR)) {
                return;
            }
            String msg = event.getMessage().getFormattedMessage();
            Throwable t = event.getThrown();
            if (t != null) {
                msg = msg + ": " + rootMessage(t);
            }
            msg = msg.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
            if (firstExecutorError == null && event.getLoggerName().contains("ExecutorRunner")) {
                firstExecutorError = msg;
            }
            last = msg;
        }

        /** The most telling error seen: an executor's launch failure first, else the last ERROR line. */
        String reason() {
            return firstExecutorError != null ? firstExecutorError : last;
        }
    }
}
