package io.github.sparksnn.backend;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.nio.FloatBuffer;

/**
 * The reference backend: off-heap float tensors, GEMM through native OpenBLAS (pure-Java fallback with a
 * logged warning), everything else as fused single-pass Java loops. Not thread-safe (it owns scratch arrays).
 */
public final class CpuBackend implements Backend {
    private static final System.Logger LOG = System.getLogger(CpuBackend.class.getName());
    private static final int CHUNK = 1024;
    /** Staging arrays' length: a chunk and room for vector loops that run past its end (see {@link VectorPool}). */
    private static final int STAGE = CHUNK + 64;
    /** The spiking neuron forward's charge-fire-reset on the Vector API ({@link VectorNeuron}; same results). */
    private static final boolean VECTOR = io.github.sparksnn.surrogate.SurrogateMath.vectorized();
    /**
     * Fewer neurons per call take the scalar loops: until C2 has compiled the vector loop, every Vector API operation
     * allocates, and small calls (a small model's steady state) reach C2 late; large layers compile it in a few calls.
     */
    private static final int VECTOR_MIN_NEURONS = 16384;

    private final Gemm gemm;
    private final int threads;
    // staging arrays: chunks of off-heap tensors are copied in, computed on as plain arrays, copied out
    private final float[] stage1 = new float[STAGE];
    private final float[] stage2 = new float[STAGE];
    private final float[] stage3 = new float[STAGE];
    private final float[] stage4 = new float[STAGE];
    private final float[] stage5 = new float[STAGE];
    private final float[] stage6 = new float[STAGE];
    private final float[] stage7 = new float[STAGE];
    private final float[] stage8 = new float[STAGE];
    private final float[] stage9 = new float[STAGE];
    private final float[] stage10 = new float[STAGE];
    private float[] colAcc = new float[0];
    private boolean profiling;
    private long gemmNanos;
    private long gemmCalls;
    private double gemmFlops;
    private float[] rowIn = new float[0];
    private float[] rowOut = new float[0];
    private int[] thresholds = new int[0];
    private long[] hashes = new long[0];
    /** {@code f * CounterRng.GOLDEN}: the counter offsets of a row's draws (see {@link CounterRng#state}). */
    private long[] rngOffsets = new long[0];

    /** One BLAS thread (the default: one thread per Spark task). */
    public CpuBackend() {
        this(1);
    }

    /** {@code threads} BLAS threads (process-wide OpenBLAS setting). */
    public CpuBackend(int threads) {
        this(threads, false);
    }

    /**
     * The backend name of the CPU backend with the pure-Java GEMM. Native GEMM kernels are chosen per CPU (OpenBLAS
     * by its core type, with or without FMA, in its own summation order), so the same training run gives other bits
     * on another CPU. Everything else in this backend computes the same floats on every x86-64 CPU: the Vector API
     * kernels give the scalar loops' floats at any lane width, and Java's float arithmetic is IEEE 754 without
     * contraction. With the pure-Java GEMM the whole engine does, at several times the cost of a native GEMM.
     */
    public static final String PORTABLE = "cpu-portable";

    /** {@code forceJava} selects the pure-Java GEMM ({@link #PORTABLE}; also for tests and comparisons). */
    public CpuBackend(int threads, boolean forceJava) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.gemm = forceJava ? new JavaGemm() : loadGemm(threads);
    }

    private static Gemm loadGemm(int threads) {
        try {
            return new NativeGemm(threads);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "native OpenBLAS could not be loaded (" + t
                    + "); falling back to the pure-Java GEMM, which is many times slower");
            return new JavaGemm();
        }
    }

    /** Whether GEMMs run through native OpenBLAS. */
    public boolean nativeBlas() {
        return gemm instanceof NativeGemm;
    }

    /** Turns on GEMM timing (a {@code nanoTime} pair per GEMM call) and resets the counters. */
    public void setProfiling(boolean on) {
        profiling = on;
        gemmNanos = 0;
        gemmCalls = 0;
        gemmFlops = 0;
    }

    /** Nanoseconds spent in GEMM calls since profiling was turned on. */
    public long gemmNanos() {
        return gemmNanos;
    }

    public long gemmCalls() {
        return gemmCalls;
    }

    /** Floating-point operations ({@code 2 m n k} per call) since profiling was turned on. */
    public double gemmFlops() {
        return gemmFlops;
    }

    @Override
    public String describe() {
        return "cpu (" + gemm.describe() + ")";
    }

    public int threads() {
        return threads;
    }

    private static CpuTensor t(Tensor t) {
        return (CpuTensor) t;
    }

    private static FloatBuffer b(Tensor t) {
        return ((CpuTensor) t).buf;
    }

    @Override
    public Tensor alloc(int n) {
        return new CpuTensor(n);
    }

    @Override
    public void upload(float[] src, int srcOff, Tensor dst, int dstOff, int n) {
        b(dst).put(dstOff, src, srcOff, n);
    }

    @Override
    public void download(Tensor src, int srcOff, float[] dst, int dstOff, int n) {
        b(src).get(srcOff, dst, dstOff, n);
    }

    @Override
    public void fill(Tensor t, int off, int n, float value) {
        if (n <= 0) {
            return;
        }
        if (off == 0 && Float.floatToRawIntBits(value) == 0) {
            // memset ignores a Pointer's position, so only whole-tensor-prefix zeroing takes this path
            org.bytedeco.javacpp.Pointer.memset(t(t).ptr, 0, 4L * n);
            return;
        }
        FloatBuffer x = b(t);
        final float[] c = stage1;
        java.util.Arrays.fill(c, value);
        for (int i = 0; i < n; i += CHUNK) {
            x.put(off + i, c, 0, Math.min(CHUNK, n - i));
        }
    }

    @Override
    public void copy(Tensor src, int sOff, Tensor dst, int dOff, int n) {
        b(dst).put(dOff, b(src), sOff, n);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOff, int lda,
                     Tensor b, int bOff, int ldb, float beta, Tensor c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (!profiling) {
            gemm.sgemm(transA, transB, m, n, k, alpha, t(a), aOff, lda, t(b), bOff, ldb, beta, t(c), cOff, ldc);
            return;
        }
        long t0 = System.nanoTime();
        gemm.sgemm(transA, transB, m, n, k, alpha, t(a), aOff, lda, t(b), bOff, ldb, beta, t(c), cOff, ldc);
        gemmNanos += System.nanoTime() - t0;
        gemmCalls++;
        gemmFlops += 2.0 * m * n * k;
    }

    @Override
    public void addRowBias(Tensor y, int yOff, int rows, int cols, Tensor bias, int bOff) {
        FloatBuffer Y = b(y), B = b(bias);
        final float[] bc = stage1, row = stage2;
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int len = Math.min(CHUNK, cols - c0);
            B.get(bOff + c0, bc, 0, len);
            for (int r = 0; r < rows; r++) {
                int at = yOff + r * cols + c0;
                Y.get(at, row, 0, len);
                for (int j = 0; j < len; j++) {
                    row[j] += bc[j];
                }
                Y.put(at, row, 0, len);
            }
        }
    }

    @Override
    public void accumulateColumnSums(Tensor dy, int dyOff, int rows, int cols, Tensor g, int gOff) {
        FloatBuffer D = b(dy), G = b(g);
        if (colAcc.length < cols) {
            colAcc = new float[cols];
        }
        final float[] acc = colAcc, row = stage1;
        java.util.Arrays.fill(acc, 0, cols, 0f);
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int len = Math.min(CHUNK, cols - c0);
            for (int r = 0; r < rows; r++) {   // row by row: contiguous reads
                D.get(dyOff + r * cols + c0, row, 0, len);
                for (int j = 0; j < len; j++) {
                    acc[c0 + j] += row[j];
                }
            }
        }
        for (int c = 0; c < cols; c++) {
            G.put(gOff + c, G.get(gOff + c) + acc[c]);
        }
    }

    @Override
    public void addChannelBias(Tensor y, int batch, int channels, int hw, Tensor bias, int bOff) {
        FloatBuffer Y = b(y), B = b(bias);
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                float v = B.get(bOff + c);
                int base = (n * channels + c) * hw;
                for (int i = 0; i < hw; i++) {
                    Y.put(base + i, Y.get(base + i) + v);
                }
            }
        }
    }

    @Override
    public void accumulateChannelSums(Tensor dy, int batch, int channels, int hw, Tensor g, int gOff) {
        FloatBuffer D = b(dy), G = b(g);
        for (int c = 0; c < channels; c++) {
            double s = 0;
            for (int n = 0; n < batch; n++) {
                int base = (n * channels + c) * hw;
                for (int i = 0; i < hw; i++) {
                    s += D.get(base + i);
                }
            }
            G.put(gOff + c, G.get(gOff + c) + (float) s);
        }
    }

    @Override
    public void repeat(Tensor x, int n, int times, Tensor out) {
        for (int t = 0; t < times; t++) {
            copy(x, 0, out, t * n, n);
        }
    }

    @Override
    public void sumOverTime(Tensor x, int n, int times, Tensor out) {
        FloatBuffer X = b(x), O = b(out);
        final float[] acc = stage1, row = stage2;
        for (int c = 0; c < n; c += CHUNK) {
            int len = Math.min(CHUNK, n - c);
            X.get(c, acc, 0, len);
            for (int t = 1; t < times; t++) {
                X.get(t * n + c, row, 0, len);
                for (int j = 0; j < len; j++) {
                    acc[j] += row[j];
                }
            }
            O.put(c, acc, 0, len);
        }
    }

    @Override
    public void poissonEncode(Tensor x, int samples, int features, int timeSteps, long seed, long counterBase,
                              Tensor out) {
        FloatBuffer X = b(x), O = b(out);
        int nf = samples * features;
        if (rowIn.length < features) {
            rowIn = new float[features];
            rowOut = new float[features];
            thresholds = new int[features];
            hashes = new long[features];
            rngOffsets = new long[features];
            for (int f = 0; f < features; f++) {
                rngOffsets[f] = f * CounterRng.GOLDEN;
            }
        }
        final float[] xr = rowIn, or = rowOut;
        final int[] thr = thresholds;
        final long[] hz = hashes;
        final long[] offs = rngOffsets;
        for (int s = 0; s < samples; s++) {
            X.get(s * features, xr, 0, features);
            // u < x  <=>  u24 < ceil(clamp(x, 0, 1) * 2^24) for the integer u24 = u * 2^24 (exact scaling);
            // NaN clamps to NaN and converts to 0: never fires, as u < NaN
            for (int f = 0; f < features; f++) {
                thr[f] = (int) Math.ceil(Math.min(1f, Math.max(0f, xr[f])) * 16777216f);
            }
            for (int t = 0; t < timeSteps; t++) {
                final long ctr = counterBase + ((long) s * timeSteps + t) * features;
                final long state = CounterRng.state(seed, ctr);
                for (int f = 0; f < features; f++) { // phase 1: the 24-bit draws (a tight, vectorized hashing loop)
                    hz[f] = CounterRng.mix(state + offs[f]) >>> 40;
                }
                for (int f = 0; f < features; f++) { // phase 2: branch-free integer compares
                    or[f] = (((int) hz[f]) - thr[f]) >>> 31;
                }
                O.put(t * nf + s * features, or, 0, features);
            }
        }
    }

    /** Branch-free Heaviside {@code z >= 0 ? 1 : 0} ({@code + 0f} turns -0 into +0, which counts as >= 0). */
    private static float step(float z) {
        return 1 - (Float.floatToRawIntBits(z + 0f) >>> 31);
    }

    @Override
    public void dropoutMask(Tensor mask, int samples, int features, float p, long seed, long counterBase) {
        FloatBuffer M = b(mask);
        float keep = 1f / (1f - p);
        int n = samples * features;
        for (int i = 0; i < n; i++) {
            M.put(i, CounterRng.uniform(seed, counterBase + i) >= p ? keep : 0f);
        }
    }

    @Override
    public void multiplyShared(Tensor x, Tensor mask, int n, int times, Tensor out) {
        FloatBuffer X = b(x), M = b(mask), O = b(out);
        for (int t = 0; t < times; t++) {
            int base = t * n;
            for (int i = 0; i < n; i++) {
                O.put(base + i, X.get(base + i) * M.get(i));
            }
        }
    }

    /*
     * Neuron kernels. The charge is written as one affine map h = cv v + cx x + c0:
     *   IF: cv = 1, cx = 1, c0 = 0;  LIF decay_input: cv = 1 - k, cx = k, c0 = k v_r;  otherwise cv = 1 - k, cx = 1, c0 = k v_r
     * (v_r = the reset potential in the charge, 0 for a soft reset). Loops stage chunks of the off-heap tensors
     * through small arrays (bulk copies), so the arithmetic runs on plain arrays in L1.
     */
    @Override
    public void neuronForward(NeuronOp op, int timeSteps, int n, Tensor x, Tensor h, Tensor s, Tensor v) {
        neuronForward(op, timeSteps, n, x, false, h, s, v, 0, 0, 0, 0, null, null);
    }

    /** Fused: the static input is read once per chunk for all steps; {@code xt} is not used. */
    @Override
    public void neuronForwardStatic(NeuronOp op, int timeSteps, int n, Tensor x, Tensor xt, Tensor h, Tensor s,
                                    Tensor v) {
        neuronForward(op, timeSteps, n, x, true, h, s, v, 0, 0, 0, 0, null, null);
    }

    /** Fused: each chunk of whole planes is pooled while its spikes are in L1 (planes up to {@code CHUNK} floats). */
    @Override
    public void neuronForwardMaxPool(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticInput, Tensor xt,
                                     Tensor h, Tensor s, Tensor v, int height, int width, int k, int stride, Tensor y,
                                     Tensor argmax) {
        if (height * width > CHUNK) {
            Backend.super.neuronForwardMaxPool(op, timeSteps, n, x, staticInput, xt, h, s, v, height, width, k, stride,
                    y, argmax);
            return;
        }
        neuronForward(op, timeSteps, n, x, staticInput, h, s, v, height, width, k, stride, y, argmax);
    }

    /** Fused, and nothing kept but {@code y} and {@code v}: {@link #neuronBackwardMaxPoolRecompute} recomputes. */
    @Override
    public void neuronForwardMaxPoolRecomputable(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticInput,
                                                 Tensor xt, Tensor h, Tensor s, Tensor v, int height, int width,
                                                 int k, int stride, Tensor y, Tensor argmax) {
        if (height * width > CHUNK) { // planes beyond a chunk: stored, and the backward reads them (same test there)
            fill(v, 0, n, op.vInit());
            neuronForwardMaxPool(op, timeSteps, n, x, staticInput, xt, h, s, v, height, width, k, stride, y, argmax);
            return;
        }
        neuronForward(op, timeSteps, n, x, staticInput, h, s, v, height, width, k, stride, y, argmax, true);
    }

    private void neuronForward(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticX, Tensor h, Tensor s,
                               Tensor v, int ph, int pw, int pk, int ps, Tensor y, Tensor argmax) {
        neuronForward(op, timeSteps, n, x, staticX, h, s, v, ph, pw, pk, ps, y, argmax, false);
    }

    /**
     * {@code staticX}: {@code x} is {@code [n]}, the same at every step, instead of {@code [T, n]}. With {@code y}
     * non-null the spikes are also max-pooled (planes {@code ph x pw}, window {@code pk}, stride {@code ps}) into
     * {@code y} and {@code argmax}, chunk by chunk of whole planes. {@code lean}: the pass starts from the initial
     * potential (not read from {@code v}), and only {@code y} and {@code v} are written (not {@code h}, {@code s},
     * {@code argmax}).
     */
    private void neuronForward(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticX, Tensor h, Tensor s,
                               Tensor v, int ph, int pw, int pk, int ps, Tensor y, Tensor argmax, boolean lean) {
        FloatBuffer X = b(x), Hs = b(h), S = b(s), V = b(v);
        final boolean pool = y != null;
        final FloatBuffer Y = pool ? b(y) : null, A = pool ? b(argmax) : null;
        final int phw = ph * pw, pohw = pool ? ((ph - pk) / ps + 1) * ((pw - pk) / ps + 1) : 0;
        final int chunk = pool ? CHUNK / phw * phw : CHUNK;
        final float[] yp = stage6, ap = stage7;
        final boolean vector = vectorNeurons(op, n);
        final float[] xa = stage1, va = stage2, ha = stage3, sa = stage4, za = stage5;
        for (int c = 0; c < n; c += chunk) {
            final int len = Math.min(chunk, n - c);
            if (lean) { // a fresh pass: from the initial potential, not read from v
                java.util.Arrays.fill(va, 0, len, op.vInit());
            } else {
                V.get(c, va, 0, len);
            }
            if (staticX) {
                X.get(c, xa, 0, len);
            }
            for (int t = 0; t < timeSteps; t++) {
                final int base = t * n + c;
                if (!staticX) {
                    X.get(base, xa, 0, len);
                }
                chargeFireReset(op, vector, xa, va, ha, sa, 0, za, len);
                if (!lean) {
                    Hs.put(base, ha, 0, len);
                    S.put(base, sa, 0, len);
                }
                if (pool) {
                    final int planes = len / phw, first = base / phw;
                    if (lean && vector && pk == 2 && ps == 2 && VectorPool.fits(ph, pw, planes, STAGE)) {
                        VectorPool.maxSpikes2x2(sa, planes, ph, pw, yp); // no argmax: the backward finds the maxima
                    } else {
                        maxPoolSpikes(op, sa, planes, ph, pw, pk, ps, yp, ap);
                    }
                    Y.put(first * pohw, yp, 0, planes * pohw);
                    if (!lean) {
                        A.put(first * pohw, ap, 0, planes * pohw);
                    }
                }
            }
            V.put(c, va, 0, len);
        }
    }

    /** Whether the spiking neuron's forward of {@code n} neurons runs on {@link VectorNeuron} (same bits). */
    private static boolean vectorNeurons(NeuronOp op, int n) {
        return VECTOR && op.surrogate().isSpiking() && n >= VECTOR_MIN_NEURONS;
    }

    /**
     * One step of one chunk, {@code h = charge(v, x)}, {@code s = fire(h)}, {@code v = reset(h, s)}: the forward's
     * arithmetic, shared with the backward that recomputes it, so that both give the same bits. The charges and
     * spikes go to {@code ha[o..]}, {@code sa[o..]}; {@code za} is scratch.
     */
    private static void chargeFireReset(NeuronOp op, boolean vector, float[] xa, float[] va, float[] ha, float[] sa,
                                        int o, float[] za, int len) {
        final boolean leaky = op.leaky(), hard = op.hardReset();
        final float k = op.k(), th = op.vThreshold(), vr = op.vReset(), cr = op.chargeReset();
        final float cv = leaky ? 1f - k : 1f, cx = leaky && op.decayInput() ? k : 1f, c0 = leaky ? k * cr : 0f;
        if (vector) { // charge, fire and reset in one pass
            VectorNeuron.chargeFire(xa, va, ha, sa, o, len, cv, cx, c0, th, vr, hard);
            return;
        }
        for (int j = 0; j < len; j++) {
            ha[o + j] = cv * va[j] + cx * xa[j] + c0;
        }
        final SurrogateFunction sg = op.surrogate();
        if (sg.isSpiking()) {
            for (int j = 0; j < len; j++) {
                sa[o + j] = step(ha[o + j] - th);
            }
        } else {
            for (int j = 0; j < len; j++) {
                za[j] = ha[o + j] - th;
            }
            sg.primitive(za, 0, sa, o, len);
        }
        if (hard) {
            for (int j = 0; j < len; j++) {
                va[j] = ha[o + j] + sa[o + j] * (vr - ha[o + j]);
            }
        } else {
            for (int j = 0; j < len; j++) {
                va[j] = ha[o + j] - th * sa[o + j];
            }
        }
    }

    /** Max pooling of {@code planes} planes of spikes {@code sa} into {@code yp}, {@code ap} ({@link #maxPoolPlanes}). */
    private static void maxPoolSpikes(NeuronOp op, float[] sa, int planes, int ph, int pw, int pk, int ps, float[] yp,
                                      float[] ap) {
        if (op.surrogate().isSpiking() && pk == 2 && ps == 2) {
            maxPoolSpikes2x2(sa, planes, ph, pw, yp, ap);
        } else {
            maxPoolPlanes(sa, planes, ph, pw, pk, ps, yp, ap);
        }
    }

    @Override
    public double neuronBackward(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor x,
                                 Tensor dX, boolean wantDk) {
        return neuronBackward(op, timeSteps, n, dS, h, s, x, dX, wantDk, false, 0, 0, 0, 0, null, null);
    }

    /**
     * Fused: each chunk's input gradients of all steps stay in a staging array and are summed in step order (as
     * {@link #sumOverTime}); {@code dXt} is not used.
     */
    @Override
    public void neuronBackwardStatic(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor dXt,
                                     Tensor dXSum) {
        neuronBackward(op, timeSteps, n, dS, h, s, null, dXSum, false, true, 0, 0, 0, 0, null, null);
    }

    /**
     * Fused: each chunk of whole planes takes its spike gradients from the pooled gradient and the argmax in L1
     * ({@code dS} is not written).
     */
    @Override
    public void neuronBackwardMaxPool(NeuronOp op, int timeSteps, int n, Tensor dy, Tensor argmax, int height,
                                      int width, int k, int stride, Tensor dS, Tensor h, Tensor s, boolean staticInput,
                                      Tensor dXt, Tensor dX) {
        if (height * width > CHUNK) {
            Backend.super.neuronBackwardMaxPool(op, timeSteps, n, dy, argmax, height, width, k, stride, dS, h, s,
                    staticInput, dXt, dX);
            return;
        }
        neuronBackward(op, timeSteps, n, dy, h, s, null, dX, false, staticInput, height, width, k, stride, argmax,
                null);
    }

    /** Fused, recomputing the charge of each chunk from {@code x} (see {@link #neuronForwardMaxPoolRecomputable}). */
    @Override
    public void neuronBackwardMaxPoolRecompute(NeuronOp op, int timeSteps, int n, Tensor x, Tensor dy, Tensor argmax,
                                               int height, int width, int k, int stride, Tensor dS, Tensor h,
                                               Tensor s, boolean staticInput, Tensor dXt, Tensor dX) {
        if (height * width > CHUNK) { // the forward stored them (same test there)
            neuronBackwardMaxPool(op, timeSteps, n, dy, argmax, height, width, k, stride, dS, h, s, staticInput, dXt,
                    dX);
            return;
        }
        neuronBackward(op, timeSteps, n, dy, null, null, null, dX, false, staticInput, height, width, k, stride,
                null, x);
    }

    private float[] stepStage = new float[0];
    /** The recomputed charges and spikes of one chunk, all steps ({@code [T, chunk]}). */
    private float[] recomputedH = new float[0];
    private float[] recomputedS = new float[0];

    /**
     * {@code sumOverSteps}: {@code dX} is {@code [n]} and receives the gradients summed over the steps. With
     * {@code argmax} non-null, {@code dS} is the gradient of the max-pooled spikes (planes {@code ph x pw}, window
     * {@code pk}, stride {@code ps}), routed to the maxima chunk by chunk of whole planes. With {@code recomputeX}
     * non-null (the forward's input, {@code [n]} when {@code sumOverSteps}, else {@code [T, n]}; pooling only) the
     * charges, spikes and maxima are not read but recomputed, chunk by chunk, from the initial potential.
     */
    private double neuronBackward(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor x,
                                  Tensor dX, boolean wantDk, boolean sumOverSteps, int ph, int pw, int pk, int ps,
                                  Tensor argmax, Tensor recomputeX) {
        final boolean recompute = recomputeX != null;
        FloatBuffer DS = b(dS), DX = b(dX);
        final FloatBuffer Hs = recompute ? null : b(h), S = recompute ? null : b(s);
        final FloatBuffer RX = recompute ? b(recomputeX) : null;
        final boolean pool = argmax != null || recompute;
        final FloatBuffer A = argmax != null ? b(argmax) : null;
        final int phw = ph * pw, pohw = pool ? ((ph - pk) / ps + 1) * ((pw - pk) / ps + 1) : 0;
        final int chunk = pool ? CHUNK / phw * phw : CHUNK;
        final float[] gp = stage8, ap = stage9;
        if (sumOverSteps && stepStage.length < timeSteps * CHUNK) {
            stepStage = new float[timeSteps * CHUNK];
        }
        final float[] steps = stepStage;
        if (recompute && recomputedH.length < timeSteps * chunk + STAGE - CHUNK) { // room past the end, as the stages
            recomputedH = new float[timeSteps * chunk + STAGE - CHUNK];
            recomputedS = new float[timeSteps * chunk + STAGE - CHUNK];
        }
        final float[] rh = recomputedH, rs = recomputedS, yp = stage10;
        final boolean vector = recompute && vectorNeurons(op, n);
        // the vector loops read the recomputed charges and spikes where they lie, step t at t * chunk (no copies)
        final boolean direct = vector && pk == 2 && ps == 2 && VectorPool.fits(ph, pw, chunk / phw, STAGE);
        // the step's gradient on the Vector API (same bits; PLIF's dL/dk sits between its two halves)
        final boolean vectorBackward = VECTOR && !wantDk && n >= VECTOR_MIN_NEURONS;
        FloatBuffer X = wantDk ? b(x) : null;
        final boolean leaky = op.leaky(), decayInput = op.decayInput(), hard = op.hardReset();
        final boolean detach = op.detachReset();
        final float k = op.k(), th = op.vThreshold(), vr = op.vReset(), cr = op.chargeReset();
        final float dHdV = leaky ? 1f - k : 1f;           // dH[t]/dV[t-1]
        final float dHdX = leaky && decayInput ? k : 1f;   // dH[t]/dX[t]
        final SurrogateFunction sg = op.surrogate();
        final float vInit = op.vInit();
        final float[] dv = stage1, ha = stage2, sa = stage3, ga = stage4, da = stage5, hp = stage6, sp = stage7;
        double dk = 0;
        for (int c = 0; c < n; c += chunk) {
            final int len = Math.min(chunk, n - c);
            if (recompute) { // the forward of this chunk again, as neuronForward runs it (hp, sp, ga as its scratch)
                java.util.Arrays.fill(sp, 0, len, vInit);
                if (sumOverSteps) {
                    RX.get(c, hp, 0, len);
                }
                for (int t = 0; t < timeSteps; t++) {
                    if (!sumOverSteps) {
                        RX.get(t * n + c, hp, 0, len);
                    }
                    chargeFireReset(op, vector, hp, sp, rh, rs, t * chunk, ga, len);
                }
            }
            java.util.Arrays.fill(dv, 0, len, 0f);   // dL/dV[T-1] = 0: the final state is not an output
            for (int t = timeSteps - 1; t >= 0; t--) {
                final int base = t * n + c;
                if (direct) {
                    // read in place below
                } else if (recompute) {
                    System.arraycopy(rh, t * chunk, ha, 0, len);
                    System.arraycopy(rs, t * chunk, sa, 0, len);
                } else {
                    Hs.get(base, ha, 0, len);
                    S.get(base, sa, 0, len);
                }
                if (pool) {
                    final int planes = len / phw, first = base / phw;
                    DS.get(first * pohw, gp, 0, planes * pohw);
                    if (direct) {
                        VectorPool.routeSpikes2x2(rs, t * chunk, gp, planes, ph, pw, da);
                    } else {
                        if (recompute) {
                            maxPoolSpikes(op, sa, planes, ph, pw, pk, ps, yp, ap);
                        } else {
                            A.get(first * pohw, ap, 0, planes * pohw);
                        }
                        maxPoolBackPlanes(gp, ap, planes, ph, pw, pk, ps, da);
                    }
                } else {
                    DS.get(base, da, 0, len);
                }
                if (vectorBackward) {
                    final float[] hh = direct ? rh : ha, ss = direct ? rs : sa;
                    final int o = direct ? t * chunk : 0;
                    VectorNeuron.minusThreshold(hh, o, th, ga, len);
                    sg.gradient(ga, 0, ga, 0, len);
                    VectorNeuron.chargeGradient(hh, ss, o, da, dv, ga, len, hard, detach, th, vr, dHdV, dHdX);
                } else {
                    chargeGradient(sg, ha, sa, da, dv, ga, len, hard, detach, th, vr);
                }
                if (wantDk) {
                    // dH/dk = x - (V[t-1] - v_r) (decay_input) or -(V[t-1] - v_r); V[t-1] rebuilt from H, S at t-1
                    if (t > 0) {
                        Hs.get(base - n, hp, 0, len);
                        S.get(base - n, sp, 0, len);
                    }
                    X.get(base, ga, 0, len);
                    double acc = 0;
                    for (int j = 0; j < len; j++) {
                        float vp = t == 0 ? vInit : hard ? hp[j] + sp[j] * (vr - hp[j]) : hp[j] - th * sp[j];
                        float dHdk = decayInput ? ga[j] - (vp - cr) : -(vp - cr);
                        acc += (double) da[j] * dHdk;
                    }
                    dk += acc;
                }
                if (!vectorBackward) {
                    for (int j = 0; j < len; j++) {
                        dv[j] = da[j] * dHdV;
                        da[j] *= dHdX;
                    }
                }
                if (sumOverSteps) {
                    System.arraycopy(da, 0, steps, t * CHUNK, len);
                } else {
                    DX.put(base, da, 0, len);
                }
            }
            if (sumOverSteps) {
                // sumOverTime's order: ((dX[0] + dX[1]) + dX[2]) + ...
                if (vectorBackward) {
                    VectorNeuron.sumSteps(steps, timeSteps, CHUNK, len);
                } else {
                    for (int t = 1; t < timeSteps; t++) {
                        final int o = t * CHUNK;
                        for (int j = 0; j < len; j++) {
                            steps[j] += steps[o + j];
                        }
                    }
                }
                DX.put(c, steps, 0, len);
            }
        }
        return dk;
    }

    /**
     * {@code da} from {@code dL/dS[t]} to {@code dL/dH[t]}, with {@code dL/dV[t]} in {@code dv}, the step's charges
     * and spikes in {@code ha}, {@code sa}; {@code ga} is scratch. A method of its own: inside the long backward
     * kernel C2 left these loops scalar (3 ns a neuron and step), alone it vectorizes them.
     */
    private static void chargeGradient(SurrogateFunction sg, float[] ha, float[] sa, float[] da, float[] dv,
                                       float[] ga, int len, boolean hard, boolean detach, float th, float vr) {
        for (int j = 0; j < len; j++) {
            ga[j] = ha[j] - th;
        }
        sg.gradient(ga, 0, ga, 0, len);
        // dL/dH = dL/dV[t] dV/dH + (dL/dS[t] + dL/dV[t] dV/dS) dS/dH; the reset's dV/dS term is cut by detach
        // one loop per case: C2 leaves a loop with the detach test inside scalar (3 ns a neuron and step)
        if (hard && detach) {
            for (int j = 0; j < len; j++) {
                float dSt = da[j] + 0f;
                da[j] = dv[j] * (1f - sa[j]) + dSt * ga[j];
            }
        } else if (hard) {
            for (int j = 0; j < len; j++) {
                float dSt = da[j] + dv[j] * (vr - ha[j]);
                da[j] = dv[j] * (1f - sa[j]) + dSt * ga[j];
            }
        } else if (detach) {
            for (int j = 0; j < len; j++) {
                float dSt = da[j] - 0f;
                da[j] = dv[j] + dSt * ga[j];
            }
        } else {
            for (int j = 0; j < len; j++) {
                float dSt = da[j] - dv[j] * th;
                da[j] = dv[j] + dSt * ga[j];
            }
        }
    }

    @Override
    public void addTransposed(Tensor src, int rows, int cols, Tensor dst, int dOff) {
        FloatBuffer S = b(src), D = b(dst);
        for (int c = 0; c < cols; c++) {
            int db = dOff + c * rows;
            for (int r = 0; r < rows; r++) {
                D.put(db + r, D.get(db + r) + S.get(r * cols + c));
            }
        }
    }

    @Override
    public void neuronVoltage(NeuronOp op, int timeSteps, int n, Tensor h, Tensor s, Tensor v) {
        FloatBuffer Hs = b(h), S = b(s), V = b(v);
        boolean hard = op.hardReset();
        float th = op.vThreshold(), vr = op.vReset();
        for (int i = 0; i < timeSteps * n; i++) {
            float hh = Hs.get(i), ss = S.get(i);
            V.put(i, hard ? hh * (1f - ss) + vr * ss : hh - th * ss);
        }
    }

    private float[] big1 = new float[0];
    /** One row of columns for {@link ConvColumns#unfoldInto}. */
    private float[] columnRow = new float[0];
    private final double[] gradientSums = new double[2];
    private float[] big2 = new float[0];
    private float[] big3 = new float[0];

    private float[] big1(int n) {
        if (big1.length < n) {
            big1 = new float[n];
        }
        return big1;
    }

    private float[] big2(int n) {
        if (big2.length < n) {
            big2 = new float[n];
        }
        return big2;
    }

    private float[] big3(int n) {
        if (big3.length < n) {
            big3 = new float[n];
        }
        return big3;
    }

    @Override
    public void im2col(Tensor x, int xOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       Tensor col, int colOff) {
        FloatBuffer X = b(x), C = b(col);
        int ho = (h + 2 * ph - kh) / sh + 1, wo = (w + 2 * pw - kw) / sw + 1, hw = ho * wo;
        if (ConvColumns.flat(h, w, kh, kw, sh, sw, ph, pw)) {
            float[] img = big1(c * h * w);
            X.get(xOff, img, 0, c * h * w);
            if (columnRow.length < hw) {
                columnRow = new float[hw];
            }
            ConvColumns.unfoldInto(img, c, h, w, kh, kw, ph, pw, C, colOff, columnRow);
            return;
        }
        float[] img = big1(c * h * w), cols = big2(c * kh * kw * hw);
        X.get(xOff, img, 0, c * h * w);
        ConvColumns.unfold(img, c, h, w, kh, kw, sh, sw, ph, pw, cols);
        C.put(colOff, cols, 0, c * kh * kw * hw);
    }

    @Override
    public void col2im(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       Tensor dx, int dxOff) {
        col2im(col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff, false);
    }

    /** The image starts as zeros in a heap array: no read of {@code dx}, and no zeroing pass over it before. */
    @Override
    public void col2imSet(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                          Tensor dx, int dxOff) {
        col2im(col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff, true);
    }

    private void col2im(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                        Tensor dx, int dxOff, boolean fromZero) {
        FloatBuffer C = b(col), D = b(dx);
        int ho = (h + 2 * ph - kh) / sh + 1, wo = (w + 2 * pw - kw) / sw + 1, hw = ho * wo;
        float[] img = big1(c * h * w), cols = big2(c * kh * kw * hw);
        if (fromZero) {
            java.util.Arrays.fill(img, 0, c * h * w, 0f);
        } else {
            D.get(dxOff, img, 0, c * h * w);
        }
        C.get(colOff, cols, 0, c * kh * kw * hw);
        ConvColumns.fold(cols, c, h, w, kh, kw, sh, sw, ph, pw, img);
        D.put(dxOff, img, 0, c * h * w);
    }

    /** Planes per bulk copy in the pooling loops (amortizes the per-call cost of the buffer copies). */
    private static int planesPerBatch(int planeSize) {
        return Math.max(1, 16384 / Math.max(1, planeSize));
    }

    @Override
    public void maxPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y, Tensor argmax) {
        FloatBuffer X = b(x), Y = b(y), A = b(argmax);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        int per = planesPerBatch(hw);
        float[] xp = big1(per * hw), yp = big2(per * ohw), ap = big3(per * ohw);
        for (int p0 = 0; p0 < planes; p0 += per) {
            int np = Math.min(per, planes - p0);
            X.get(p0 * hw, xp, 0, np * hw);
            maxPoolPlanes(xp, np, h, w, k, s, yp, ap);
            Y.put(p0 * ohw, yp, 0, np * ohw);
            A.put(p0 * ohw, ap, 0, np * ohw);
        }
    }

    /** Max pooling of {@code np} planes at {@code xp[0..]} into {@code yp}, {@code ap} (see {@link #maxPoolForward}). */
    private static void maxPoolPlanes(float[] xp, int np, int h, int w, int k, int s, float[] yp, float[] ap) {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        for (int q = 0; q < np; q++) {
            int xb = q * hw, yb = q * ohw;
            if (k == 2 && s == 2) {
                for (int oi = 0; oi < ho; oi++) {
                    int r0 = 2 * oi * w, r1 = r0 + w;
                    for (int oj = 0; oj < wo; oj++) {
                        int c0 = 2 * oj;
                        // first maximum in row-major window order wins ties
                        int bi = r0 + c0;
                        float best = xp[xb + bi];
                        if (xp[xb + r0 + c0 + 1] > best) {
                            best = xp[xb + r0 + c0 + 1];
                            bi = r0 + c0 + 1;
                        }
                        if (xp[xb + r1 + c0] > best) {
                            best = xp[xb + r1 + c0];
                            bi = r1 + c0;
                        }
                        if (xp[xb + r1 + c0 + 1] > best) {
                            best = xp[xb + r1 + c0 + 1];
                            bi = r1 + c0 + 1;
                        }
                        yp[yb + oi * wo + oj] = best;
                        ap[yb + oi * wo + oj] = bi;
                    }
                }
                continue;
            }
            for (int oi = 0; oi < ho; oi++) {
                for (int oj = 0; oj < wo; oj++) {
                    int bi = (oi * s) * w + oj * s;
                    float best = xp[xb + bi];
                    for (int ki = 0; ki < k; ki++) {
                        int rb = (oi * s + ki) * w + oj * s;
                        for (int kj = 0; kj < k; kj++) {
                            float v = xp[xb + rb + kj];
                            if (v > best) {
                                best = v;
                                bi = rb + kj;
                            }
                        }
                    }
                    yp[yb + oi * wo + oj] = best;
                    ap[yb + oi * wo + oj] = bi;
                }
            }
        }
    }

    /**
     * {@link #maxPoolPlanes} 2x2, stride 2, of spikes, which are exactly 0 or 1 ({@link #step}): the maximum is the
     * OR of the window and the first maximum the first spike (the window's first pixel when none fired), chosen with
     * integer masks instead of branches that spikes make unpredictable. Same values and indices as the general loop.
     */
    private static void maxPoolSpikes2x2(float[] sp, int np, int h, int w, float[] yp, float[] ap) {
        int ho = h / 2, wo = w / 2, hw = h * w, ohw = ho * wo;
        for (int q = 0; q < np; q++) {
            for (int oi = 0; oi < ho; oi++) {
                int r0 = q * hw + 2 * oi * w, r1 = r0 + w, yb = q * ohw + oi * wo, ib = 2 * oi * w;
                for (int oj = 0; oj < wo; oj++) {
                    int a = (int) sp[r0 + 2 * oj], b = (int) sp[r0 + 2 * oj + 1];
                    int c = (int) sp[r1 + 2 * oj], d = (int) sp[r1 + 2 * oj + 1];
                    int na = 1 - a, nab = na & (1 - b), nabc = nab & (1 - c);
                    yp[yb + oj] = a | b | c | d;
                    ap[yb + oj] = ib + 2 * oj + (na & b) + (nab & c) * w + (nabc & d) * (w + 1);
                }
            }
        }
    }

    @Override
    public void maxPoolBackward(Tensor dy, Tensor argmax, int planes, int h, int w, int k, int s, Tensor dx) {
        FloatBuffer DY = b(dy), A = b(argmax), DX = b(dx);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        int per = planesPerBatch(hw);
        float[] dp = big1(per * hw), gp = big2(per * ohw), ap = big3(per * ohw);
        for (int p0 = 0; p0 < planes; p0 += per) {
            int np = Math.min(per, planes - p0);
            DY.get(p0 * ohw, gp, 0, np * ohw);
            A.get(p0 * ohw, ap, 0, np * ohw);
            maxPoolBackPlanes(gp, ap, np, h, w, k, s, dp);
            DX.put(p0 * hw, dp, 0, np * hw);
        }
    }

    /** {@code dp[0 .. np*h*w)} = the pooled gradients {@code gp} routed to the maxima {@code ap}, zero elsewhere. */
    private static void maxPoolBackPlanes(float[] gp, float[] ap, int np, int h, int w, int k, int s, float[] dp) {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, hw = h * w, ohw = ho * wo;
        java.util.Arrays.fill(dp, 0, np * hw, 0f);
        for (int q = 0; q < np; q++) {
            int xb = q * hw, yb = q * ohw;
            for (int i = 0; i < ohw; i++) {
                dp[xb + (int) ap[yb + i]] += gp[yb + i];
            }
        }
    }

    @Override
    public void avgPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y) {
        FloatBuffer X = b(x), Y = b(y);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        float inv = 1f / (k * k);
        float[] xp = big1(h * w), yp = big2(ho * wo);
        for (int p = 0; p < planes; p++) {
            X.get(p * h * w, xp, 0, h * w);
            for (int oi = 0; oi < ho; oi++) {
                for (int oj = 0; oj < wo; oj++) {
                    float sum = 0f;
                    for (int ki = 0; ki < k; ki++) {
                        int rb = (oi * s + ki) * w + oj * s;
                        for (int kj = 0; kj < k; kj++) {
                            sum += xp[rb + kj];
                        }
                    }
                    yp[oi * wo + oj] = sum * inv;
                }
            }
            Y.put(p * ho * wo, yp, 0, ho * wo);
        }
    }

    @Override
    public void avgPoolBackward(Tensor dy, int planes, int h, int w, int k, int s, Tensor dx) {
        FloatBuffer DY = b(dy), DX = b(dx);
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        float inv = 1f / (k * k);
        float[] dp = big1(h * w), gp = big2(ho * wo);
        for (int p = 0; p < planes; p++) {
            java.util.Arrays.fill(dp, 0, h * w, 0f);
            DY.get(p * ho * wo, gp, 0, ho * wo);
            for (int oi = 0; oi < ho; oi++) {
                for (int oj = 0; oj < wo; oj++) {
                    float g = gp[oi * wo + oj] * inv;
                    for (int ki = 0; ki < k; ki++) {
                        int rb = (oi * s + ki) * w + oj * s;
                        for (int kj = 0; kj < k; kj++) {
                            dp[rb + kj] += g;
                        }
                    }
                }
            }
            DX.put(p * h * w, dp, 0, h * w);
        }
    }

    @Override
    public void batchNormForward(Tensor x, int batch, int channels, int hw, Tensor params, int pOff, float eps,
                                 boolean training, float momentum, Tensor runningMean, Tensor runningVar,
                                 Tensor mean, Tensor invStd, Tensor y) {
        FloatBuffer X = b(x), P = b(params), RM = b(runningMean), RV = b(runningVar), M = b(mean), IS = b(invStd),
                Y = b(y);
        long cnt = (long) batch * hw;
        // one channel's planes are copied in once ([batch, hw], L2-sized for the CNN layers) and every pass runs on
        // the copy; the arithmetic and its order are those of the plane-by-plane loops they replace
        float[] pl = big1(batch * hw);
        for (int c = 0; c < channels; c++) {
            for (int n = 0; n < batch; n++) {
                X.get((n * channels + c) * hw, pl, n * hw, hw);
            }
            float mu, is;
            if (training) {
                // two passes in double: the mean, then the centred sum of squares (no cancellation). Each plane's
                // float partial is one running sum in index order (the CUDA twin's order, bit for bit), added to the
                // double in plane order
                double sum = planeSums(pl, batch, hw);
                double m = sum / cnt;
                float mf = (float) m;
                double ss = planeSquares(pl, batch, hw, mf);
                double var = ss / cnt;
                mu = mf;
                is = (float) (1.0 / Math.sqrt(var + eps));
                double unbiased = cnt > 1 ? ss / (cnt - 1) : var;
                RM.put(c, (float) ((1 - momentum) * RM.get(c) + momentum * m));
                RV.put(c, (float) ((1 - momentum) * RV.get(c) + momentum * unbiased));
            } else {
                mu = RM.get(c);
                is = (float) (1.0 / Math.sqrt(RV.get(c) + (double) eps));
            }
            M.put(c, mu);
            IS.put(c, is);
            float gamma = P.get(pOff + c), beta = P.get(pOff + channels + c);
            float a = gamma * is, bb = beta - mu * a;
            for (int i = 0, e = batch * hw; i < e; i++) {
                pl[i] = pl[i] * a + bb;
            }
            for (int n = 0; n < batch; n++) {
                Y.put((n * channels + c) * hw, pl, n * hw, hw);
            }
        }
    }

    /**
     * {@code sum_n (float) sum_i pl[n hw + i]}: each plane's float running sum in index order, added to a double in
     * plane order (batch norm's statistics; the CUDA twin sums the same way). Eight planes' chains run side by side:
     * one chain alone waits on the add's latency, and eight keep both of a core's add units busy.
     */
    private static double planeSums(float[] pl, int batch, int hw) {
        double sum = 0;
        int n = 0;
        for (; n + 8 <= batch; n += 8) {
            float p0 = 0f, p1 = 0f, p2 = 0f, p3 = 0f, p4 = 0f, p5 = 0f, p6 = 0f, p7 = 0f;
            for (int i = n * hw, e = i + hw; i < e; i++) {
                p0 += pl[i];
                p1 += pl[i + hw];
                p2 += pl[i + 2 * hw];
                p3 += pl[i + 3 * hw];
                p4 += pl[i + 4 * hw];
                p5 += pl[i + 5 * hw];
                p6 += pl[i + 6 * hw];
                p7 += pl[i + 7 * hw];
            }
            sum += p0;
            sum += p1;
            sum += p2;
            sum += p3;
            sum += p4;
            sum += p5;
            sum += p6;
            sum += p7;
        }
        for (; n < batch; n++) {
            float part = 0f;
            for (int i = n * hw, e = i + hw; i < e; i++) {
                part += pl[i];
            }
            sum += part;
        }
        return sum;
    }

    /** {@link #planeSums} of the squares {@code (pl[i] - mf)^2}, in the same order. */
    private static double planeSquares(float[] pl, int batch, int hw, float mf) {
        double ss = 0;
        int n = 0;
        for (; n + 8 <= batch; n += 8) {
            float p0 = 0f, p1 = 0f, p2 = 0f, p3 = 0f, p4 = 0f, p5 = 0f, p6 = 0f, p7 = 0f;
            for (int i = n * hw, e = i + hw; i < e; i++) {
                float d0 = pl[i] - mf, d1 = pl[i + hw] - mf, d2 = pl[i + 2 * hw] - mf, d3 = pl[i + 3 * hw] - mf;
                float d4 = pl[i + 4 * hw] - mf, d5 = pl[i + 5 * hw] - mf, d6 = pl[i + 6 * hw] - mf;
                float d7 = pl[i + 7 * hw] - mf;
                p0 += d0 * d0;
                p1 += d1 * d1;
                p2 += d2 * d2;
                p3 += d3 * d3;
                p4 += d4 * d4;
                p5 += d5 * d5;
                p6 += d6 * d6;
                p7 += d7 * d7;
            }
            ss += p0;
            ss += p1;
            ss += p2;
            ss += p3;
            ss += p4;
            ss += p5;
            ss += p6;
            ss += p7;
        }
        for (; n < batch; n++) {
            float part = 0f;
            for (int i = n * hw, e = i + hw; i < e; i++) {
                float d = pl[i] - mf;
                part += d * d;
            }
            ss += part;
        }
        return ss;
    }

    /**
     * {@code out = {sum dy, sum dy (x - mu)}} over the planes of {@code gp} (dy) and {@code xp} (x), in
     * {@link #planeSums}'s order (batch norm's backward); four planes side by side, two chains each (measured: eight
     * planes' sixteen chains run slower, 0.61 against 0.42 ns an element).
     */
    private static void planeGradientSums(float[] gp, float[] xp, int batch, int hw, float mu, double[] out) {
        double sdy = 0, sdyx = 0;
        int n0 = 0;
        for (; n0 + 4 <= batch; n0 += 4) {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, b0 = 0f, b1 = 0f, b2 = 0f, b3 = 0f;
            for (int i = n0 * hw, j = i + hw, k = j + hw, l = k + hw, e = j; i < e; i++, j++, k++, l++) {
                a0 += gp[i];
                b0 += gp[i] * (xp[i] - mu);
                a1 += gp[j];
                b1 += gp[j] * (xp[j] - mu);
                a2 += gp[k];
                b2 += gp[k] * (xp[k] - mu);
                a3 += gp[l];
                b3 += gp[l] * (xp[l] - mu);
            }
            sdy += a0;
            sdyx += b0;
            sdy += a1;
            sdyx += b1;
            sdy += a2;
            sdyx += b2;
            sdy += a3;
            sdyx += b3;
        }
        for (int n = n0; n < batch; n++) {
            float a = 0f, bsum = 0f;
            for (int i = n * hw, e = i + hw; i < e; i++) {
                a += gp[i];
                bsum += gp[i] * (xp[i] - mu);
            }
            sdy += a;
            sdyx += bsum;
        }
        out[0] = sdy;
        out[1] = sdyx;
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, int batch, int channels, int hw, Tensor params, int pOff,
                                  Tensor mean, Tensor invStd, Tensor dx, Tensor grads, int gOff) {
        FloatBuffer DY = b(dy), X = b(x), P = b(params), M = b(mean), IS = b(invStd), DX = b(dx), G = b(grads);
        long cnt = (long) batch * hw;
        // one channel's planes of x and dy are copied in once and both passes run on the copies (same arithmetic)
        float[] xp = big1(batch * hw), gp = big2(batch * hw);
        final double[] sums = gradientSums;
        for (int c = 0; c < channels; c++) {
            float mu = M.get(c), is = IS.get(c), gamma = P.get(pOff + c);
            for (int n = 0; n < batch; n++) {
                int base = (n * channels + c) * hw;
                DY.get(base, gp, n * hw, hw);
                X.get(base, xp, n * hw, hw);
            }
            // the sums of dy and dy (x - mean), plane partials in index order as the forward's statistics
            planeGradientSums(gp, xp, batch, hw, mu, sums);
            double sdy = sums[0], sdyx = sums[1];
            sdyx *= is;
            G.put(gOff + c, G.get(gOff + c) + (float) sdyx);
            G.put(gOff + channels + c, G.get(gOff + channels + c) + (float) sdy);
            // dx = gamma invStd (dy - mean(dy) - xhat mean(dy xhat))
            float a = gamma * is;
            float mdy = (float) (sdy / cnt), mdyx = (float) (sdyx / cnt);
            for (int i = 0, e = batch * hw; i < e; i++) {
                float xh = (xp[i] - mu) * is;
                gp[i] = a * (gp[i] - mdy - xh * mdyx);
            }
            for (int n = 0; n < batch; n++) {
                DX.put((n * channels + c) * hw, gp, n * hw, hw);
            }
        }
    }
}
