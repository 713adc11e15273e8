package io.github.sparksnn.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.ATan;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Sigmoid;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's fused operations against the interface's unfused defaults ({@link UnfusedBackend}) on the same
 * backend: bit-identical outputs, over sizes that cross the kernels' chunk and plane boundaries.
 */
class FusedOpsTest {

    static float[] random(int n, double lo, double hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return x;
    }

    static List<NeuronOp> neuronOps(SurrogateFunction sg) {
        List<NeuronOp> ops = new ArrayList<>();
        ops.add(new NeuronOp(false, false, 0f, 1f, 0f, sg, false));                 // IF, hard reset
        ops.add(new NeuronOp(true, true, 0.5f, 1f, 0f, sg, false));                 // LIF decay_input
        ops.add(new NeuronOp(true, false, 0.3f, 0.8f, -0.2f, sg, true));            // LIF, detach_reset
        ops.add(new NeuronOp(true, true, 0.4f, 1f, Float.NaN, sg, false));          // soft reset
        ops.add(new NeuronOp(false, false, 0f, 0.5f, Float.NaN, sg, true));         // IF soft, detach
        return ops;
    }

    /** {@link #neuronOps} with ATan, and a smooth (non-spiking) LIF, whose spikes the pooling compares as floats. */
    private static List<NeuronOp> poolingNeuronOps() {
        List<NeuronOp> ops = new ArrayList<>(neuronOps(new ATan()));
        Sigmoid smooth = new Sigmoid();
        smooth.setSpikingMode(false);
        ops.add(new NeuronOp(true, true, 0.5f, 1f, 0f, smooth, false));
        return ops;
    }

    private static float[] get(Backend be, Tensor t) {
        float[] out = new float[t.size()];
        be.download(t, 0, out, 0, out.length);
        return out;
    }

    private static Tensor put(Backend be, float[] x) {
        Tensor t = be.alloc(x.length);
        be.upload(x, 0, t, 0, x.length);
        return t;
    }

    @Test
    void staticInputNeuronMatchesRepeatThenNeuronBitForBit() {
        int T = 5, n = 2 * 1024 + 77;
        try (CpuBackend cpu = new CpuBackend()) {
            Backend plain = UnfusedBackend.wrap(cpu);
            List<NeuronOp> ops = new ArrayList<>(neuronOps(new ATan()));
            Sigmoid smooth = new Sigmoid();
            smooth.setSpikingMode(false); // the forward through the surrogate's primitive
            ops.add(new NeuronOp(true, true, 0.5f, 1f, 0f, smooth, false));
            long seed = 1;
            for (NeuronOp op : ops) {
                float[] x = random(n, -0.5, 1.5, seed++), v0 = random(n, -0.2, 0.9, seed++);
                float[] ds = random(T * n, -1, 1, seed++);
                float[][] got = new float[2][];
                float[][] hs = new float[4][];
                int k = 0;
                for (Backend be : new Backend[]{cpu, plain}) {
                    try (Tensor xt = put(be, x); Tensor ws = be.alloc(T * n); Tensor h = be.alloc(T * n);
                         Tensor s = be.alloc(T * n); Tensor v = put(be, v0); Tensor dS = put(be, ds);
                         Tensor dxs = be.alloc(n)) {
                        be.neuronForwardStatic(op, T, n, xt, ws, h, s, v);
                        be.neuronBackwardStatic(op, T, n, dS, h, s, ws, dxs);
                        hs[2 * k] = get(be, h);
                        hs[2 * k + 1] = get(be, s);
                        float[] vv = get(be, v), dx = get(be, dxs);
                        float[] all = new float[2 * n];
                        System.arraycopy(vv, 0, all, 0, n);
                        System.arraycopy(dx, 0, all, n, n);
                        got[k++] = all;
                    }
                }
                assertArrayEquals(hs[2], hs[0], "h " + op);
                assertArrayEquals(hs[3], hs[1], "s " + op);
                assertArrayEquals(got[1], got[0], "v and summed dX " + op);
                double norm = 0;
                for (int i = n; i < 2 * n; i++) {
                    norm += Math.abs(got[0][i]);
                }
                assertTrue(norm > 0, "a non-zero input gradient " + op);
            }
        }
    }

    @Test
    void maxPoolPicksTheFirstMaximumAsTheSequentialScan() {
        SplittableRandom r = new SplittableRandom(4);
        float[] pool = {0f, -0f, 1f, -1f, 2f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        // h, w, planes: odd sizes drop the last row / column; 21 * 21 * 40 planes span several bulk batches
        int[][] shapes = {{28, 28, 70}, {7, 9, 5}, {2, 2, 1}, {21, 21, 40}};
        try (CpuBackend cpu = new CpuBackend()) {
            for (int[] sh : shapes) {
                for (int kind = 0; kind < 4; kind++) {
                    int h = sh[0], w = sh[1], planes = sh[2], ho = h / 2, wo = w / 2;
                    float[] x = new float[planes * h * w];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = kind == 0 ? (r.nextBoolean() ? 1f : 0f)                       // spikes
                                : kind == 1 ? pool[r.nextInt(pool.length)]                     // ties, zeros, infinities
                                : (float) r.nextGaussian();
                    }
                    if (kind == 3) {
                        x[r.nextInt(x.length)] = Float.NaN; // NaN never wins a comparison but stays where it starts a window
                        x[0] = Float.NaN;
                    }
                    float[] y = new float[planes * ho * wo], a = new float[y.length];
                    try (Tensor xt = put(cpu, x); Tensor yt = cpu.alloc(y.length); Tensor at = cpu.alloc(y.length)) {
                        cpu.maxPoolForward(xt, planes, h, w, 2, 2, yt, at);
                        y = get(cpu, yt);
                        a = get(cpu, at);
                    }
                    for (int q = 0; q < planes; q++) {
                        for (int oi = 0; oi < ho; oi++) {
                            for (int oj = 0; oj < wo; oj++) {
                                int[] idx = {2 * oi * w + 2 * oj, 2 * oi * w + 2 * oj + 1, (2 * oi + 1) * w + 2 * oj,
                                    (2 * oi + 1) * w + 2 * oj + 1};
                                int bi = idx[0];
                                float best = x[q * h * w + bi];
                                for (int j = 1; j < 4; j++) {
                                    if (x[q * h * w + idx[j]] > best) {
                                        best = x[q * h * w + idx[j]];
                                        bi = idx[j];
                                    }
                                }
                                int at = q * ho * wo + oi * wo + oj;
                                String where = java.util.Arrays.toString(sh) + " kind " + kind + " at " + at;
                                assertTrue(Float.floatToRawIntBits(best) == Float.floatToRawIntBits(y[at]), where);
                                assertTrue(bi == (int) a[at], where);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void neuronWithMaxPoolMatchesTheTwoOpsBitForBit() {
        int T = 3;
        // plane h, w, window, stride, planes per step: 28x28 and 14x14 as in the CNN, odd planes, an overlapping window
        int[][] pools = {{28, 28, 2, 2, 5}, {14, 14, 2, 2, 9}, {7, 9, 2, 2, 30}, {9, 9, 3, 2, 13}, {40, 40, 2, 2, 2}};
        try (CpuBackend cpu = new CpuBackend()) {
            Backend plain = UnfusedBackend.wrap(cpu);
            List<NeuronOp> ops = poolingNeuronOps();
            long seed = 100;
            for (int[] pl : pools) {
                int ph = pl[0], pw = pl[1], k = pl[2], st = pl[3], n = pl[4] * ph * pw;
                int out = T * pl[4] * ((ph - k) / st + 1) * ((pw - k) / st + 1);
                for (NeuronOp op : ops) {
                    for (boolean stat : new boolean[]{true, false}) {
                        float[] x = random(stat ? n : T * n, -0.5, 1.5, seed++), v0 = random(n, -0.2, 0.9, seed++);
                        float[] dy = random(out, -1, 1, seed++);
                        float[][][] got = new float[2][][];
                        int b = 0;
                        for (Backend be : new Backend[]{cpu, plain}) {
                            try (Tensor xt = put(be, x); Tensor ws = be.alloc(T * n); Tensor h = be.alloc(T * n);
                                 Tensor s = be.alloc(T * n); Tensor v = put(be, v0); Tensor y = be.alloc(out);
                                 Tensor am = be.alloc(out); Tensor dyt = put(be, dy); Tensor ds = be.alloc(T * n);
                                 Tensor dx = be.alloc(stat ? n : T * n)) {
                                be.neuronForwardMaxPool(op, T, n, xt, stat, ws, h, s, v, ph, pw, k, st, y, am);
                                be.neuronBackwardMaxPool(op, T, n, dyt, am, ph, pw, k, st, ds, h, s, stat, ws, dx);
                                got[b++] = new float[][]{get(be, h), get(be, s), get(be, v), get(be, y), get(be, am),
                                    get(be, dx)};
                            }
                        }
                        String[] names = {"h", "s", "v", "pooled", "argmax", "dX"};
                        for (int i = 0; i < names.length; i++) {
                            assertArrayEquals(got[1][i], got[0][i], names[i] + " " + java.util.Arrays.toString(pl)
                                    + (stat ? " static " : " ") + op);
                        }
                    }
                }
            }
        }
    }

    /**
     * The pair that recomputes the charges in the backward gives the stored pair's pooled spikes, final potential and
     * input gradient bit for bit; its charges, spikes and maxima are filled with NaN before and after the forward,
     * so a backward that read any of them would fail, and so is the potential, which the pass does not read.
     */
    @Test
    void recomputingNeuronWithMaxPoolMatchesTheStoredPairBitForBit() {
        int T = 4;
        // 21 planes of 28x28: over 16,384 neurons, the spiking forward's vector path
        // (and of the vector pooling: even widths, here also with an odd height and a width that is no multiple of 8)
        int[][] pools = {{28, 28, 2, 2, 21}, {14, 14, 2, 2, 90}, {9, 10, 2, 2, 190}, {7, 9, 2, 2, 30}, {9, 9, 3, 2, 13},
            {40, 40, 2, 2, 2}};
        try (CpuBackend cpu = new CpuBackend()) {
            Backend plain = UnfusedBackend.wrap(cpu);
            List<NeuronOp> ops = poolingNeuronOps();
            long seed = 500;
            for (int[] pl : pools) {
                int ph = pl[0], pw = pl[1], k = pl[2], st = pl[3], n = pl[4] * ph * pw;
                int out = T * pl[4] * ((ph - k) / st + 1) * ((pw - k) / st + 1);
                boolean recomputes = ph * pw <= 1024; // larger planes fall back to storing them
                for (NeuronOp op : ops) {
                    for (boolean stat : new boolean[]{true, false}) {
                        float[] x = random(stat ? n : T * n, -0.5, 1.5, seed++), dy = random(out, -1, 1, seed++);
                        float[][][] got = new float[2][][];
                        int b = 0;
                        for (Backend be : new Backend[]{cpu, plain}) {
                            try (Tensor xt = put(be, x); Tensor ws = be.alloc(T * n); Tensor h = be.alloc(T * n);
                                 Tensor s = be.alloc(T * n); Tensor v = be.alloc(n); Tensor y = be.alloc(out);
                                 Tensor am = be.alloc(out); Tensor dyt = put(be, dy); Tensor ds = be.alloc(T * n);
                                 Tensor dx = be.alloc(stat ? n : T * n)) {
                                be.fill(v, 0, n, Float.NaN); // the pass starts from vInit whatever v holds
                                Tensor[] kept = {h, s, am};
                                if (be == cpu && recomputes) {
                                    for (Tensor t : kept) {
                                        be.fill(t, 0, t.size(), Float.NaN);
                                    }
                                }
                                be.neuronForwardMaxPoolRecomputable(op, T, n, xt, stat, ws, h, s, v, ph, pw, k, st, y,
                                        am);
                                if (be == cpu && recomputes) {
                                    for (Tensor t : kept) {
                                        assertTrue(Float.isNaN(get(be, t)[0]), "left unwritten");
                                    }
                                }
                                be.neuronBackwardMaxPoolRecompute(op, T, n, xt, dyt, am, ph, pw, k, st, ds, h, s, stat,
                                        ws, dx);
                                got[b++] = new float[][]{get(be, v), get(be, y), get(be, dx)};
                            }
                        }
                        String[] names = {"v", "pooled", "dX"};
                        for (int i = 0; i < names.length; i++) {
                            assertArrayEquals(got[1][i], got[0][i], names[i] + " " + java.util.Arrays.toString(pl)
                                    + (stat ? " static " : " ") + op);
                        }
                    }
                }
            }
        }
    }

    /**
     * col2im into an image that starts at zero, on the CPU (from a zeroed heap image) and as the interface's
     * default (zero, then accumulate): the same bits as zeroing and accumulating, stale values in {@code dx}
     * ignored, signed zeros included, and nothing outside the image touched.
     */
    @Test
    void col2imSetIsZeroThenAccumulate() {
        int c = 3, h = 5, w = 7, hw = h * w, rows = c * 9, off = 4;
        float[] cols = random(rows * hw, -1, 1, 902);
        for (int i = 0; i < cols.length; i += 5) {
            cols[i] = -0f;
        }
        java.util.Arrays.fill(cols, 0, hw, -0f); // a row of -0: pixels that only ever receive -0 stay +0 (0 + -0)
        float[] stale = random(off + c * hw + 3, -1, 1, 903);
        try (CpuBackend cpu = new CpuBackend()) {
            float[] want;
            try (Tensor col = put(cpu, cols); Tensor dx = put(cpu, stale)) {
                cpu.fill(dx, off, c * hw, 0f);
                cpu.col2im(col, 0, c, h, w, 3, 3, 1, 1, 1, 1, dx, off);
                want = get(cpu, dx);
            }
            for (Backend be : new Backend[]{cpu, UnfusedBackend.wrap(cpu)}) {
                try (Tensor col = put(be, cols); Tensor dx = put(be, stale)) {
                    be.col2imSet(col, 0, c, h, w, 3, 3, 1, 1, 1, 1, dx, off);
                    float[] got = get(be, dx);
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                (be == cpu ? "cpu" : "default") + " at " + i);
                    }
                }
            }
        }
    }

    /** The CPU's in-place transpose-add against its definition and the interface's default (through the host). */
    @Test
    void addTransposedAddsTheTransposeAsTheDefaultDoes() {
        int rows = 37, cols = 11, off = 5;
        float[] src = random(rows * cols, -1, 1, 900), dst = random(off + rows * cols + 3, -1, 1, 901);
        float[] want = dst.clone();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                want[off + c * rows + r] += src[r * cols + c];
            }
        }
        try (CpuBackend cpu = new CpuBackend()) {
            for (Backend be : new Backend[]{cpu, UnfusedBackend.wrap(cpu)}) {
                try (Tensor s = put(be, src); Tensor d = put(be, dst)) {
                    be.addTransposed(s, rows, cols, d, off);
                    assertArrayEquals(want, get(be, d), be == cpu ? "cpu" : "default");
                }
            }
        }
    }
}
