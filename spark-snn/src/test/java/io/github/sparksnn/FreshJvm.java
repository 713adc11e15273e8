package io.github.sparksnn;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM with this JVM's classpath and flags (plus extra flags and environment), for tests
 * that need a JVM of their own: other native kernel choices (OpenBLAS and libtorch read theirs from the environment
 * at load time, C2 its instruction set at start), or a JIT that has compiled nothing else.
 */
public final class FreshJvm {
    private FreshJvm() {
    }

    /** The child's standard output and error, merged; fails unless it exits 0 within {@code timeoutSeconds}. */
    public static String run(Class<?> main, List<String> extraFlags, Map<String, String> env, int timeoutSeconds,
                             String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-javaagent")) {
                cmd.add(a);
            }
        }
        cmd.addAll(extraFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(main.getSimpleName() + " in a fresh JVM did not end in "
                        + timeoutSeconds + " s");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(main.getSimpleName() + " in a fresh JVM exited " + p.exitValue()
                        + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("could not start a fresh JVM for " + main.getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a fresh JVM ran " + main.getSimpleName(), e);
        }
    }

    /** The value of the first output line {@code key=value}; fails naming the output when there is none. */
    public static String value(String output, String key) {
        for (String line : output.split("\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        throw new IllegalStateException("the fresh JVM printed no " + key + "=: " + output);
    }
}
