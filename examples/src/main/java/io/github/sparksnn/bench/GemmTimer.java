package io.github.sparksnn.bench;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.Tensor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Wraps a {@link Backend} so that every {@code gemm} call is timed and its FLOPs ({@code 2 m n k}) counted per
 * shape, and every other operation is timed by name with its compulsory memory traffic (see {@link #bytes}). A dynamic proxy, so the wrapper follows the backend
 * interface as it grows; its cost (a reflective call, ~0.1-0.3 us) is negligible next to a training step of
 * milliseconds, and the bench reports the unwrapped engine's throughput separately anyway.
 */
final class GemmTimer implements InvocationHandler {

    /** One GEMM shape as the engine calls it (row-major, with the stored matrices' row strides). */
    record Shape(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc, float beta) {
        long flops() {
            return 2L * m * n * k;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%s%s m=%d n=%d k=%d%s", transA ? "T" : "N", transB ? "T" : "N",
                    m, n, k, beta == 0f ? "" : " beta=" + beta);
        }
    }

    /** Accumulated calls and time of one shape, and a copy of its first call's operands for standalone replays. */
    static final class Tally {
        long calls;
        long nanos;
        float alpha;
        float[] a;
        float[] b;
        float[] c;
        int offA;
        int offB;
        int offC;
    }

    /** Calls, time and compulsory bytes of one non-GEMM operation (by method name). */
    static final class OpTally {
        long calls;
        long nanos;
        long bytes;
    }

    private final Backend target;
    private final Map<Shape, Tally> tallies = new LinkedHashMap<>();
    private final Map<String, OpTally> ops = new LinkedHashMap<>();
    private long totalNanos;
    private long totalFlops;

    private GemmTimer(Backend target) {
        this.target = target;
    }

    /** A backend that forwards to {@code target}, timing its GEMMs into the returned timer's tallies. */
    static GemmTimer wrap(Backend target) {
        return new GemmTimer(target);
    }

    Backend backend() {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        try {
            if (!method.getName().equals("gemm")) {
                long b = bytes(method.getName(), args);
                if (b < 0) { // describe, close and other non-compute calls
                    return method.invoke(target, args);
                }
                long t0 = System.nanoTime();
                Object r = method.invoke(target, args);
                long dt = System.nanoTime() - t0;
                OpTally o = ops.computeIfAbsent(method.getName(), x -> new OpTally());
                o.calls++;
                o.nanos += dt;
                o.bytes += b;
                return r;
            }
            Shape s = new Shape((Boolean) args[0], (Boolean) args[1], (Integer) args[2], (Integer) args[3],
                    (Integer) args[4], (Integer) args[8], (Integer) args[11], (Integer) args[15], (Float) args[12]);
            Tally t = tallies.computeIfAbsent(s, x -> new Tally());
            if (t.a == null) {
                // The operands of this call, before it ran (C read when beta != 0), for replays on the same values.
                t.alpha = (Float) args[5];
                t.offA = (Integer) args[7];
                t.offB = (Integer) args[10];
                t.offC = (Integer) args[14];
                t.a = copy((Tensor) args[6]);
                t.b = copy((Tensor) args[9]);
                t.c = copy((Tensor) args[13]);
            }
            long t0 = System.nanoTime();
            Object r = method.invoke(target, args);
            long dt = System.nanoTime() - t0;
            t.calls++;
            t.nanos += dt;
            totalNanos += dt;
            totalFlops += s.flops();
            return r;
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private float[] copy(Tensor t) {
        float[] x = new float[t.size()];
        target.download(t, 0, x, 0, x.length);
        return x;
    }

    /**
     * Native sgemm alone, replaying {@code calls} calls of a shape on copies of the operands the engine passed (same
     * values, same offsets and strides, fresh memory so the engine's state is untouched); seconds in all.
     */
    static double replaySeconds(Backend be, Shape s, Tally t, long calls) {
        try (Tensor a = be.alloc(t.a.length); Tensor b = be.alloc(t.b.length); Tensor c = be.alloc(t.c.length)) {
            be.upload(t.a, 0, a, 0, t.a.length);
            be.upload(t.b, 0, b, 0, t.b.length);
            be.upload(t.c, 0, c, 0, t.c.length);
            be.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), t.alpha, a, t.offA, s.lda(), b, t.offB, s.ldb(),
                    s.beta(), c, t.offC, s.ldc());
            long t0 = System.nanoTime();
            for (long i = 0; i < calls; i++) {
                be.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), t.alpha, a, t.offA, s.lda(), b, t.offB, s.ldb(),
                        s.beta(), c, t.offC, s.ldc());
            }
            return (System.nanoTime() - t0) * 1e-9;
        }
    }

    private static int i(Object[] a, int k) {
        return (Integer) a[k];
    }

    private static int outSize(int in, int k, int stride, int pad) {
        return (in + 2 * pad - k) / stride + 1;
    }

    /**
     * Compulsory memory traffic of one backend call in bytes: every input read once, every output written once
     * (read-modify-write outputs count twice), floats of 4 bytes; what a perfect single-pass kernel moves. -1 for
     * calls that are not compute (describe, close). A time divided into these bytes, next to a copy's bandwidth,
     * says how far an op is from its memory bound.
     */
    static long bytes(String op, Object[] a) {
        switch (op) {
            case "alloc": return 4L * i(a, 0);
            case "upload": case "download": return 8L * i(a, 4);
            case "fill": return 4L * i(a, 2);
            case "copy": return 8L * i(a, 4);
            case "addRowBias": return 8L * i(a, 2) * i(a, 3);
            case "accumulateColumnSums": return 4L * i(a, 2) * i(a, 3);
            case "addChannelBias": return 8L * i(a, 1) * i(a, 2) * i(a, 3);
            case "accumulateChannelSums": return 4L * i(a, 1) * i(a, 2) * i(a, 3);
            case "repeat": return 4L * i(a, 1) * (1 + i(a, 2));
            case "sumOverTime": return 4L * i(a, 1) * (1 + i(a, 2));
            case "poissonEncode": return 4L * i(a, 1) * i(a, 2) * (1 + i(a, 3));
            case "dropoutMask": return 4L * i(a, 1) * i(a, 2);
            case "multiplyShared": return 4L * i(a, 2) * (1 + 2L * i(a, 3));
            case "neuronForward": return 4L * i(a, 2) * (3L * i(a, 1) + 2);
            case "neuronBackward": return 4L * i(a, 2) * i(a, 1) * ((Boolean) a[8] ? 5 : 4);
            case "neuronForwardStatic": return 4L * i(a, 2) * (2L * i(a, 1) + 3);
            case "neuronBackwardStatic": return 4L * i(a, 2) * (3L * i(a, 1) + 1);
            case "neuronForwardMaxPool": { // x (once when static), h, s, v; the pooled spikes and their argmax
                long tn = (long) i(a, 1) * i(a, 2);
                long out = tn / ((long) i(a, 9) * i(a, 10)) * outSize(i(a, 9), i(a, 11), i(a, 12), 0)
                        * outSize(i(a, 10), i(a, 11), i(a, 12), 0);
                return 4 * (((Boolean) a[4] ? i(a, 2) : tn) + 2 * tn + 2L * i(a, 2) + 2 * out);
            }
            case "neuronBackwardMaxPool": { // the pooled gradient and argmax, h, s; dX (once when static)
                long tn = (long) i(a, 1) * i(a, 2);
                long out = tn / ((long) i(a, 5) * i(a, 6)) * outSize(i(a, 5), i(a, 7), i(a, 8), 0)
                        * outSize(i(a, 6), i(a, 7), i(a, 8), 0);
                return 4 * (2 * out + 2 * tn + ((Boolean) a[12] ? i(a, 2) : tn));
            }
            case "neuronForwardMaxPoolRecomputable": { // x (once when static), the final v, the pooled spikes
                long tn = (long) i(a, 1) * i(a, 2);
                long out = tn / ((long) i(a, 9) * i(a, 10)) * outSize(i(a, 9), i(a, 11), i(a, 12), 0)
                        * outSize(i(a, 10), i(a, 11), i(a, 12), 0);
                return 4 * (((Boolean) a[4] ? i(a, 2) : tn) + i(a, 2) + out);
            }
            case "neuronBackwardMaxPoolRecompute": { // x and dX (once each when static), the pooled gradient
                long tn = (long) i(a, 1) * i(a, 2);
                long out = tn / ((long) i(a, 6) * i(a, 7)) * outSize(i(a, 6), i(a, 8), i(a, 9), 0)
                        * outSize(i(a, 7), i(a, 8), i(a, 9), 0);
                return 4 * (out + 2 * ((Boolean) a[13] ? i(a, 2) : tn));
            }
            case "addTransposed": return 12L * i(a, 1) * i(a, 2); // the source read, the destination updated
            case "neuronVoltage": return 12L * i(a, 1) * i(a, 2);
            case "im2col": case "col2im": case "col2imSet": {
                long img = (long) i(a, 2) * i(a, 3) * i(a, 4);
                long col = (long) i(a, 2) * i(a, 5) * i(a, 6) * outSize(i(a, 3), i(a, 5), i(a, 7), i(a, 9))
                        * outSize(i(a, 4), i(a, 6), i(a, 8), i(a, 10));
                // col2im reads the image and writes it back; col2imSet only writes it
                return op.equals("im2col") || op.equals("col2imSet") ? 4 * (img + col) : 4 * (col + 2 * img);
            }
            case "maxPoolForward": case "maxPoolBackward": case "avgPoolForward": case "avgPoolBackward": {
                int o = op.equals("maxPoolBackward") ? 1 : 0; // its argmax comes second
                long planes = i(a, 1 + o);
                long in = planes * i(a, 2 + o) * i(a, 3 + o);
                long out = planes * outSize(i(a, 2 + o), i(a, 4 + o), i(a, 5 + o), 0)
                        * outSize(i(a, 3 + o), i(a, 4 + o), i(a, 5 + o), 0);
                long idx = op.startsWith("max") ? out : 0; // the argmax plane
                return 4 * (in + out + idx);
            }
            case "batchNormForward": return 8L * i(a, 1) * i(a, 2) * i(a, 3);
            case "batchNormBackward": return 12L * i(a, 2) * i(a, 3) * i(a, 4);
            default: return -1;
        }
    }

    Map<String, OpTally> ops() {
        return ops;
    }

    long opNanos() {
        long n = 0;
        for (OpTally o : ops.values()) {
            n += o.nanos;
        }
        return n;
    }

    /** Clears the times and counts, keeping the captured operands. */
    void reset() {
        ops.clear();
        for (Tally t : tallies.values()) {
            t.calls = 0;
            t.nanos = 0;
        }
        totalNanos = 0;
        totalFlops = 0;
    }

    Map<Shape, Tally> tallies() {
        return tallies;
    }

    long totalNanos() {
        return totalNanos;
    }

    long totalFlops() {
        return totalFlops;
    }

    /**
     * Native sgemm alone on {@code shape}: fresh tensors of the right sizes filled with random values, one warm-up
     * call, then the best of {@code rounds} timings of {@code reps} back-to-back calls, in seconds per call.
     */
    static double standaloneSeconds(Backend be, Shape s, int reps, int rounds, long seed) {
        int aSize = (s.transA() ? s.k() : s.m()) * s.lda();
        int bSize = (s.transB() ? s.n() : s.k()) * s.ldb();
        int cSize = s.m() * s.ldc();
        Random r = new Random(seed);
        try (Tensor a = be.alloc(aSize); Tensor b = be.alloc(bSize); Tensor c = be.alloc(cSize)) {
            be.upload(randomArray(r, aSize), 0, a, 0, aSize);
            be.upload(randomArray(r, bSize), 0, b, 0, bSize);
            for (int w = 0; w < Math.max(3, reps / 4); w++) {
                be.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), 1f, a, 0, s.lda(), b, 0, s.ldb(), s.beta(), c, 0,
                        s.ldc());
            }
            double[] times = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    be.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), 1f, a, 0, s.lda(), b, 0, s.ldb(), s.beta(), c, 0,
                            s.ldc());
                }
                times[round] = (System.nanoTime() - t0) * 1e-9 / reps;
            }
            return java.util.Arrays.stream(times).min().orElseThrow();
        }
    }

    private static float[] randomArray(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextFloat() - 0.5f;
        }
        return x;
    }
}
