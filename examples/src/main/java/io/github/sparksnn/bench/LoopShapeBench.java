package io.github.sparksnn.bench;

import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.LeakyKReLU;
import io.github.sparksnn.surrogate.Rect;
import io.github.sparksnn.surrogate.SurrogateFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Why a surrogate's bulk backward falls short of the copy bandwidth: the library's loops next to rewrites of the
 * same math, timed in one run (method as {@link SurrogateBandwidthBench}: small-slice JIT warm-up, interleaved
 * rounds, median).
 *
 * <p>Two loop shapes are compared. <b>Two offsets</b>: {@code gradIn[gOff+i] = gradOut[gOff+i] * g'(x[xOff+i])},
 * the library's signature; C2 on JDK 17 cannot rule out that {@code x} and {@code gradIn} overlap at a distance
 * when the offsets differ, so it does not vectorize. <b>One index</b>: {@code gradIn[i] = gradOut[i] * g'(x[i])}
 * for {@code i} in {@code [off, off+n)}, usable when {@code xOff == gOff}; it vectorizes when the body does. And
 * two selects for piecewise-constant gradients: the sign-bit int select (not vectorized on JDK 17: no
 * float/int reinterpretation in SuperWord) and a float min/max step, {@code step(t) = min(1, max(0, t * 2^200))}
 * = 1 if t > 0 else 0 (exact for every non-NaN float, because a difference of distinct floats is never 0).
 */
public final class LoopShapeBench {
    private static final float BIG = 0x1p100f;
    private static volatile float sink;

    /** One row: name and median milliseconds. */
    public record Result(String kernel, double medianMillis, double minMillis) {
    }

    @FunctionalInterface
    private interface Op {
        void run(float[] go, float[] x, int xOff, float[] gi, int gOff, int n);
    }

    private record Kernel(String name, Op op) {
    }

    private final int size;
    private final float[] x;
    private final float[] gradOut;
    private final float[] gradIn;

    public LoopShapeBench(int size, long seed) {
        if (size < 4096) {
            throw new IllegalArgumentException("size must be at least 4096, got " + size);
        }
        this.size = size;
        x = new float[size];
        gradOut = new float[size];
        gradIn = new float[size];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 4 - 2);
            gradOut[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
    }

    static float step(float t) {
        return Math.min(1f, Math.max(0f, t * BIG * BIG));
    }

    private List<Kernel> kernels() {
        SurrogateFunction atan = new ATan(2.0);
        SurrogateFunction rect = new Rect(1.0);
        SurrogateFunction leaky = new LeakyKReLU(0.0, 1.0);
        final float atanK = (float) (Math.PI / 2 * 2.0);
        final float atanA = 1f;
        final float rectA = 1f;
        final float rectHw = 0.5f;
        List<Kernel> ks = List.of(
                new Kernel("copy, one index", (go, xx, xo, gi, g, n) -> {
                    for (int i = g, e = g + n; i < e; i++) {
                        gi[i] = xx[i];
                    }
                }),
                new Kernel("multiply, two offsets", (go, xx, xo, gi, g, n) -> {
                    for (int i = 0; i < n; i++) {
                        gi[g + i] = go[g + i] * xx[xo + i];
                    }
                }),
                new Kernel("multiply, one index", (go, xx, xo, gi, g, n) -> {
                    for (int i = g, e = g + n; i < e; i++) {
                        gi[i] = go[i] * xx[i];
                    }
                }),
                new Kernel("ATan library backward", atan::backward),
                new Kernel("ATan, one index", (go, xx, xo, gi, g, n) -> {
                    for (int i = g, e = g + n; i < e; i++) {
                        float z = atanK * xx[i];
                        gi[i] = go[i] * (atanA / (1f + z * z));
                    }
                }),
                new Kernel("Rect library backward", rect::backward),
                new Kernel("Rect min/max step, two offsets", (go, xx, xo, gi, g, n) -> {
                    for (int i = 0; i < n; i++) {
                        gi[g + i] = go[g + i] * (rectA * step(rectHw - Math.abs(xx[xo + i])));
                    }
                }),
                new Kernel("Rect min/max step, one index", (go, xx, xo, gi, g, n) -> {
                    for (int i = g, e = g + n; i < e; i++) {
                        gi[i] = go[i] * (rectA * step(rectHw - Math.abs(xx[i])));
                    }
                }),
                new Kernel("LeakyKReLU library backward", leaky::backward),
                new Kernel("LeakyKReLU min/max step, one index", (go, xx, xo, gi, g, n) -> {
                    for (int i = g, e = g + n; i < e; i++) {
                        float s = 1f - step(-xx[i]); // 1 for x >= 0 (-0.0 included), else 0
                        gi[i] = go[i] * (1f * s + 0f * (1f - s));
                    }
                }));
        return ks;
    }

    /** Pairs (rewrite, reference) of kernel indices in {@link #kernels()} that must give identical floats. */
    private static final int[][] SAME_RESULT = {{1, 2}, {4, 3}, {6, 5}, {7, 5}, {9, 8}};

    /**
     * Checks that every rewrite computes bit for bit what the library computes on this bench's data, so that the
     * timings compare the same math; throws IllegalStateException naming the first difference.
     */
    public void verify() {
        List<Kernel> ks = kernels();
        float[] a = new float[size];
        float[] b = new float[size];
        for (int[] pair : SAME_RESULT) {
            ks.get(pair[0]).op.run(gradOut, x, 0, a, 0, size);
            ks.get(pair[1]).op.run(gradOut, x, 0, b, 0, size);
            for (int i = 0; i < size; i++) {
                if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
                    throw new IllegalStateException(ks.get(pair[0]).name + " differs from " + ks.get(pair[1]).name
                            + " at x=" + x[i] + ": " + a[i] + " vs " + b[i]);
                }
            }
        }
    }

    public List<Result> run(int warmup, int repeat) {
        verify();
        List<Kernel> ks = kernels();
        for (Kernel k : ks) {
            for (int c = 0; c < 3000; c++) {
                int off = (int) ((long) c * 4096 % (size - 4096 + 1));
                k.op.run(gradOut, x, off, gradIn, off, 4096);
            }
        }
        double[][] ms = new double[ks.size()][repeat];
        for (int round = -warmup; round < repeat; round++) {
            for (int k = 0; k < ks.size(); k++) {
                long t0 = System.nanoTime();
                ks.get(k).op.run(gradOut, x, 0, gradIn, 0, size);
                long t1 = System.nanoTime();
                sink += gradIn[(round & 0xffff) * 7919 % size];
                if (round >= 0) {
                    ms[k][round] = (t1 - t0) * 1e-6;
                }
            }
        }
        List<Result> out = new ArrayList<>();
        for (int k = 0; k < ks.size(); k++) {
            double[] s = ms[k].clone();
            Arrays.sort(s);
            double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            out.add(new Result(ks.get(k).name, median, s[0]));
        }
        return out;
    }
}
