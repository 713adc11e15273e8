package io.github.sparksnn;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * Bytes a call allocates once C2 has compiled it, told apart from a JIT mood.
 *
 * <p>Vector API kernels allocate nothing when C2 inlines every vector operation, and box every vector when it does
 * not. Which one happens depends on what else the JVM has run: in a full test suite's JVM, profiles polluted by other
 * callers sometimes compile a kernel with boxed vectors (2 of 5 full-suite runs once failed this way, while the code
 * had not changed). A real regression, code that allocates, allocates in any JVM. So a measurement runs in rounds
 * until a round is within its limit (compilation runs in the background, later on a loaded machine), and if this JVM
 * never gets there it is re-measured once in a fresh JVM that runs the call alone: only that fresh measurement decides.
 */
public final class AllocationCheck {
    /** A call to measure, with whatever it needs set up; closed after the measurement. */
    public interface Call extends Runnable, AutoCloseable {
        @Override
        default void close() {
        }
    }

    /** Builds a {@link Call} from a string argument; a public class with a public no-argument constructor. */
    public interface Probe {
        Call open(String arg);
    }

    /** What was measured: in this JVM, and (only when this JVM stayed over the limit) in a fresh one. */
    public record Result(long inThisJvm, long inFreshJvm) {
        /** The figure that decides: the fresh JVM's when one ran. */
        public long decisive() {
            return inFreshJvm >= 0 ? inFreshJvm : inThisJvm;
        }

        @Override
        public String toString() {
            return inFreshJvm < 0 ? inThisJvm + " bytes a call"
                    : inFreshJvm + " bytes a call in a fresh JVM (" + inThisJvm + " in the test suite's JVM)";
        }
    }

    private static final long ROUNDS_NANOS = 20_000_000_000L;

    private AllocationCheck() {
    }

    /**
     * Bytes per call of {@code probe.open(arg)} after warm-up rounds of {@code warmCalls} calls, measured over
     * {@code calls} calls, re-measured once in a fresh JVM if this one stays above {@code limit}.
     */
    public static Result bytesPerCall(Class<? extends Probe> probe, String arg, int warmCalls, int calls, long limit) {
        long here = measure(probe, arg, warmCalls, calls, limit);
        if (here <= limit) {
            return new Result(here, -1);
        }
        long fresh = inFreshJvm(probe, arg, warmCalls, calls, limit);
        if (fresh <= limit) {
            System.err.printf("AllocationCheck: %s(%s) allocated %d bytes a call in this JVM but %d in a fresh one: "
                    + "C2 compiled it differently here (a JIT mood, not an allocation in the code)%n",
                    probe.getSimpleName(), arg, here, fresh);
        }
        return new Result(here, fresh);
    }

    static long measure(Class<? extends Probe> probe, String arg, int warmCalls, int calls, long limit) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Call call = newProbe(probe).open(arg)) {
            long deadline = System.nanoTime() + ROUNDS_NANOS;
            long perCall;
            do {
                for (int i = 0; i < warmCalls; i++) {
                    call.run();
                }
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < calls; i++) {
                    call.run();
                }
                perCall = (mx.getCurrentThreadAllocatedBytes() - before) / calls;
            } while (perCall > limit && System.nanoTime() < deadline);
            return perCall;
        } catch (Exception e) {
            throw new IllegalStateException("allocation probe " + probe.getName() + "(" + arg + ") failed", e);
        }
    }

    private static Probe newProbe(Class<? extends Probe> probe) throws ReflectiveOperationException {
        var c = probe.getDeclaredConstructor();
        c.setAccessible(true);
        return c.newInstance();
    }

    /** Runs {@link #main} in a child JVM with this JVM's classpath and flags; returns its figure. */
    private static long inFreshJvm(Class<? extends Probe> probe, String arg, int warmCalls, int calls, long limit) {
        String out = FreshJvm.run(AllocationCheck.class, List.of(), Map.of(), 120, probe.getName(), arg,
                Integer.toString(warmCalls), Integer.toString(calls), Long.toString(limit));
        return Long.parseLong(FreshJvm.value(out, "bytesPerCall"));
    }

    /** Child JVM entry: {@code probeClass arg warmCalls calls limit}; prints {@code bytesPerCall=N}. */
    public static void main(String[] args) throws ClassNotFoundException {
        Class<? extends Probe> probe = Class.forName(args[0]).asSubclass(Probe.class);
        System.out.println("bytesPerCall=" + measure(probe, args[1], Integer.parseInt(args[2]),
                Integer.parseInt(args[3]), Long.parseLong(args[4])));
    }
}
