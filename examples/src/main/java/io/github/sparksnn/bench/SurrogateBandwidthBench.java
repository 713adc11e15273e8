package io.github.sparksnn.bench;

import io.github.sparksnn.surrogate.SurrogateFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Memory bandwidth of the surrogates' bulk backward ({@code gradIn[i] = gradOut[i] * g'(x[i])}) on one thread,
 * next to two array copies of the same length measured in the same run, a plain Java loop and
 * {@link System#arraycopy}, and a plain multiply {@code gradIn = gradOut * x} (the same traffic as a backward
 * with the cheapest possible g').
 *
 * <p>Bytes are counted as read + written per element, as STREAM does: the backward reads {@code gradOut} and
 * {@code x} and writes {@code gradIn} (12 bytes), a copy reads one array and writes another (8 bytes). Inputs
 * are {@code x ~ U[-2, 2)} (the surrogates' interesting range, so branchy code sees unpredictable branches, as
 * with real membrane potentials) and {@code gradOut ~ U[-1, 1)}, fixed seed.
 *
 * <p>Method: each kernel is first JIT-compiled on small slices (thousands of calls, so the loop is compiled
 * as a normal method, not only on-stack-replaced), then all kernels run {@code warmup} untimed rounds and
 * {@code repeat} timed rounds; rounds are interleaved (every kernel once per round) so that noise from other
 * processes hits all kernels alike. The figure is the median round. One element of every output is folded
 * into a volatile sink (a blackhole) after each call, so no result is dead.
 */
public final class SurrogateBandwidthBench {

    /** One kernel's figures. */
    public record Result(String kernel, String parameters, int bytesPerElement, double medianSeconds,
                         double minSeconds, double maxSeconds, long elements) {
        /** Median bandwidth in GB/s (1e9 bytes per second), bytes read + written. */
        public double gbPerSecond() {
            return elements * (double) bytesPerElement / medianSeconds / 1e9;
        }

        /** Median nanoseconds per element. */
        public double nsPerElement() {
            return medianSeconds * 1e9 / elements;
        }
    }

    /** Name of the plain-loop copy baseline. */
    public static final String COPY_LOOP = "copy (Java loop)";
    /** Name of the System.arraycopy baseline. */
    public static final String COPY_ARRAYCOPY = "copy (System.arraycopy)";
    /** Name of the 12-byte baseline: {@code gradIn = gradOut * x}, the cheapest possible backward. */
    public static final String MULTIPLY = "multiply (gradOut * x)";

    private static final int JIT_SLICE = 1 << 12;
    private static final int JIT_CALLS = 3_000;

    /** Consumes one element of each output so the JIT cannot drop any computation. */
    private static volatile float sink;

    private final int size;
    private final float[] x;
    private final float[] gradOut;
    private final float[] gradIn;

    public SurrogateBandwidthBench(int size, long seed) {
        if (size < JIT_SLICE) {
            throw new IllegalArgumentException("size must be at least " + JIT_SLICE + " elements, got " + size);
        }
        this.size = size;
        this.x = new float[size];
        this.gradOut = new float[size];
        this.gradIn = new float[size];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 4.0 - 2.0);
            gradOut[i] = (float) (rnd.nextDouble() * 2.0 - 1.0);
        }
    }

    /** A named operation over {@code n} elements starting at offset {@code off} of the bench's arrays. */
    private record Kernel(String name, String parameters, int bytesPerElement, SliceOp op) {
    }

    @FunctionalInterface
    private interface SliceOp {
        void run(int off, int n);
    }

    /**
     * Runs the baselines (loop copy, arraycopy, multiply) and every function's backward; results are in that order.
     *
     * @param progress called with the round number (warm-up rounds negative) before each round; may be null
     */
    public List<Result> run(List<SurrogateFunction> functions, int warmup, int repeat, IntConsumer progress) {
        if (repeat < 1 || warmup < 0) {
            throw new IllegalArgumentException("need repeat >= 1 and warmup >= 0, got repeat=" + repeat + ", warmup=" + warmup);
        }
        List<Kernel> kernels = new ArrayList<>();
        kernels.add(new Kernel(COPY_LOOP, "", 8, (off, n) -> copyLoop(x, gradIn, off, n)));
        kernels.add(new Kernel(COPY_ARRAYCOPY, "", 8, (off, n) -> System.arraycopy(x, off, gradIn, off, n)));
        kernels.add(new Kernel(MULTIPLY, "", 12, (off, n) -> multiplyLoop(gradOut, x, gradIn, off, n)));
        for (SurrogateFunction f : functions) {
            SurrogateFunction g = f.copy();
            kernels.add(new Kernel(g.name(), parameters(g), 12, (off, n) -> g.backward(gradOut, x, off, gradIn, off, n)));
        }

        for (Kernel k : kernels) {
            for (int c = 0; c < JIT_CALLS; c++) {
                int off = (int) ((long) c * JIT_SLICE % (size - JIT_SLICE + 1));
                k.op.run(off, JIT_SLICE);
                sink += gradIn[off];
            }
        }
        double[][] seconds = new double[kernels.size()][repeat];
        for (int round = -warmup; round < repeat; round++) {
            if (progress != null) {
                progress.accept(round);
            }
            for (int k = 0; k < kernels.size(); k++) {
                long t0 = System.nanoTime();
                kernels.get(k).op.run(0, size);
                long t1 = System.nanoTime();
                sink += gradIn[(round & 0xffff) * 7919 % size];
                if (round >= 0) {
                    seconds[k][round] = (t1 - t0) * 1e-9;
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (int k = 0; k < kernels.size(); k++) {
            double[] s = seconds[k].clone();
            Arrays.sort(s);
            double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            Kernel kernel = kernels.get(k);
            results.add(new Result(kernel.name, kernel.parameters, kernel.bytesPerElement, median, s[0], s[s.length - 1], size));
        }
        return results;
    }

    /** The plain-loop copy baseline: what a Java loop touching one input and one output per element achieves. */
    static void copyLoop(float[] src, float[] dst, int off, int n) {
        for (int i = 0; i < n; i++) {
            dst[off + i] = src[off + i];
        }
    }

    /**
     * The roofline of a backward: same traffic (two reads, one write per element), one multiply. One index for
     * all three arrays, so that C2 can vectorize it (with distinct offsets it could not rule out overlap).
     */
    static void multiplyLoop(float[] a, float[] b, float[] dst, int off, int n) {
        int end = off + n;
        for (int i = off; i < end; i++) {
            dst[i] = a[i] * b[i];
        }
    }

    private static String parameters(SurrogateFunction f) {
        StringBuilder sb = new StringBuilder();
        if (f instanceof io.github.sparksnn.surrogate.Formula formula) { // the formula's text is part of what ran
            sb.append(formula.hasPrimitive() ? "g=" + formula.primitiveText() : "g'=" + formula.gradientText());
        }
        f.parameters().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }
}
