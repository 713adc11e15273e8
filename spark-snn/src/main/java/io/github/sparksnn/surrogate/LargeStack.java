package io.github.sparksnn.surrogate;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs the recursive work on a {@link Formula} (parsing, differentiating, generating code, Janino's compile, the
 * kink scan, CUDA code) on threads of its own with a {@link #STACK_BYTES} stack, so that no caller's stack size
 * matters: a Spark task thread's default stack (1 MB on 64-bit Linux) is far from what Janino takes for a deep
 * expression (its parser alone recurses about 15 frames per parenthesis), and a StackOverflowError is fatal to a
 * Spark executor. The limits of {@link Formula} bound the recursion within this stack; should it still overflow,
 * the error stays on this thread and comes back as an {@link IllegalArgumentException}.
 *
 * <p>The threads are daemons of a cached pool (one per concurrent caller, gone after a minute idle); the stack is
 * address space reserved per thread and committed only as deep as a walk goes. Work submitted from such a thread
 * runs inline.
 */
final class LargeStack {
    /** The stack of a formula thread: 64 MB, about 50 times what the worst formula within the limits needs. */
    static final long STACK_BYTES = 64L << 20;

    private static final ExecutorService POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new FormulaThread(r);
                t.setDaemon(true);
                return t;
            });

    private static final class FormulaThread extends Thread {
        FormulaThread(Runnable r) {
            super(null, r, "snn-formula", STACK_BYTES);
        }
    }

    private LargeStack() {
    }

    /** {@code work.get()} on a large-stack thread; its exceptions and errors are rethrown here as they are. */
    static <T> T call(Supplier<T> work) {
        if (Thread.currentThread() instanceof FormulaThread) {
            return work.get();
        }
        Future<T> f = POOL.submit(() -> {
            try {
                return work.get();
            } catch (StackOverflowError e) {
                throw new IllegalArgumentException("Formula: formula too large: its processing exceeded the "
                        + (STACK_BYTES >> 20) + " MB stack of the formula thread; shorten the formula", e);
            }
        });
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt(); // a cancelled Spark task: the work finishes alone and is dropped
            throw new IllegalStateException("Formula: interrupted while compiling", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            } else if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }
}
