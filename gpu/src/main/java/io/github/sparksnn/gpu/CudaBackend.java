// Why one file: it is the Backend interface on the device, one method per operation, each a range check and a
// launch; the kernels themselves live in kernels.cu and the generated sources, the driver calls in DeviceStream.
package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link Backend} on one CUDA device: tensors in device memory, every operation a kernel (from
 * {@code kernels.cu}, or per surrogate from {@link NeuronKernelSource}) queued on this backend's own stream.
 *
 * <p>Threads: like every backend, an instance is used by one thread at a time; several instances (one per Spark
 * task) share the device's primary context ({@link CudaDevice}) and run concurrently on their own non-blocking
 * streams. Every call first makes the device's context current on the calling thread.
 *
 * <p>Device calls go through a {@link DeviceStream} ({@link JCudaStream} on a GPU; a host emulator in the tests).
 * Kernels are queued asynchronously; their errors surface at the next download (or {@link #synchronize()}), as
 * {@link CudaException}. Every range is checked in Java first: device code has no bounds checks.
 *
 * <p>Parity with {@link io.github.sparksnn.backend.CpuBackend}: bit-identical for copies, biases, column sums,
 * Poisson/dropout draws (same counter RNG), spiking neuron forward, voltage, im2col/col2im and pooling (same float
 * operations in the same order, no FMA contraction); within float rounding for GEMM (different summation order),
 * double-precision reductions (channel sums, batch norm statistics) and the neuron backward (CUDA's
 * {@code expf}/{@code atanf}... in {@code g'} vs Java's).
 *
 * <p>The CNN's fused ops ({@code neuronForwardStatic}, {@code neuronBackwardStatic}, {@code neuronForwardMaxPool},
 * {@code neuronBackwardMaxPool}, through them the recomputing pair, {@code addTransposed}, {@code col2imSet}) are
 * kernels of their own, each writing the bits of the composition it replaces; outside their reach (smooth mode, large
 * or ragged planes, long static inputs) the interface's composition runs.
 *
 * <p>The non-spiking (smooth) neuron forward runs {@link SmoothKernelSource}'s kernel: the surrogate's primitive
 * {@code g(x)} from its formula text, within a few float ulps of the CPU (another math library).
 *
 * <p>A surrogate whose neuron module cannot be had (a user-registered surrogate with no nvcc on this machine, or a
 * module the driver rejects; the built-ins ship for every parameter value, and a {@code Formula}'s PTX is written in
 * Java, {@link FormulaPtx}): with host fallback on (the
 * default; Spark's {@code backend=auto}) its neuron backward runs on the host (the tensors downloaded,
 * {@link CpuBackend}'s loop, the result uploaded), with <em>one</em> warning per JVM (per executor) naming the layer and
 * the reason, and {@link #hostFallbacks()} lists them; with it off (the backend asked for by name: Spark's
 * {@code backend=cuda}, {@code snn fit --backend cuda}) the operation fails with an {@link IllegalStateException}
 * naming the layer and what to install, rather than run on the CPU unseen. The spiking forward needs no surrogate
 * code and stays on the device.
 */
public final class CudaBackend implements Backend {
    /** Floats per staging chunk of {@link JCudaStream} (tests cross it). */
    static final int STAGING_FLOATS = JCudaStream.STAGING_FLOATS;

    private final DeviceStream dev;
    private final KernelSource kernels = KernelSource.staticKernels();
    private DevicePtr dkPartial;
    private DevicePtr bnScratch;
    private long bnScratchDoubles;
    private int dkPartialLen;
    private double[] dkHost = new double[0];
    // per-backend lookups (no lock, no source hashing in the training loop)
    private final Map<String, Object> staticFns = new HashMap<>();
    private final Map<String, NeuronKernelSource.Module> neuronSources = new HashMap<>();
    private final Map<String, NeuronKernelSource.Module> halfSources = new HashMap<>();
    private final Map<String, NeuronKernelSource.Module> smoothSources = new HashMap<>();
    /** Surrogates (by {@link NeuronKernelSource#label}) whose neuron module could not be had, with the reason. */
    private final Map<String, String> hostFallbacks = new LinkedHashMap<>();
    private CpuBackend host;
    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());
    /** The host-fallback warnings this JVM (this executor) has logged, one per layer key, in order. */
    private static final Map<String, String> WARNED = new LinkedHashMap<>();
    /** Whether an operation without device code may run on the host (else it fails naming the layer). */
    private final boolean hostFallback;
    private boolean closed;

    CudaBackend(DeviceStream dev) {
        this(dev, true);
    }

    CudaBackend(DeviceStream dev, boolean hostFallback) {
        this.dev = dev;
        this.hostFallback = hostFallback;
    }

    /** Whether an operation without device code runs on the host (true) or fails naming its layer (false). */
    public boolean hostFallback() {
        return hostFallback;
    }

    @Override
    public String describe() {
        return dev.describe();
    }

    /** Waits until every queued operation of this backend has finished (and reports kernel errors). */
    public void synchronize() {
        enter();
        dev.synchronize();
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
    }

    private CudaTensor t(Tensor t) {
        if (!(t instanceof CudaTensor ct)) {
            throw new IllegalArgumentException("the CUDA backend got a tensor of another backend: " + t);
        }
        if (ct.deviceKey != dev.deviceKey()) {
            throw new IllegalArgumentException("tensor " + ct + " belongs to another device than this backend's");
        }
        if (ct.closed()) {
            throw new IllegalStateException("tensor " + ct + " is closed");
        }
        return ct;
    }

    /** Checks that elements {@code [off, off + n)} lie inside {@code t} (device code has no bounds checks). */
    private CudaTensor range(String what, Tensor tensor, long off, long n) {
        CudaTensor ct = t(tensor);
        if (off < 0 || n < 0 || off + n > ct.size()) {
            throw new IndexOutOfBoundsException(what + ": elements [" + off + ", " + (off + n) + ") outside "
                    + ct);
        }
        return ct;
    }

    private Object fn(String name) {
        Object f = staticFns.get(name);
        if (f == null) {
            f = dev.function(kernels, name);
            staticFns.put(name, f);
        }
        return f;
    }

    /**
     * The generated module of a surrogate, keyed by class and parameters (its source and lifted arguments depend on
     * nothing else; built-ins of any parameter value share one source, {@link SurrogateArguments}).
     */
    private NeuronKernelSource.Module neuronModule(SurrogateFunction sg) {
        return neuronSources.computeIfAbsent(sg.getClass().getName() + ":" + NeuronKernelSource.label(sg),
                k -> NeuronKernelSource.module(sg));
    }

    private void launch1d(String kernel, long n, KernelArgs args) {
        launch1d(fn(kernel), n, args, kernel);
    }

    private void launch1d(Object f, long n, KernelArgs args, String name) {
        int blocks = Launch.blocks1d(n);
        if (blocks > 0) {
            dev.launch(f, blocks, 1, Launch.THREADS, args, name);
        }
    }

    private void launch(Object f, int gx, int gy, KernelArgs args, String name) {
        if (gx > 0 && gy > 0) {
            dev.launch(f, gx, gy, Launch.THREADS, args, name);
        }
    }

    // ------------------------------------------------------------------------------------------------ memory

    @Override
    public Tensor alloc(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("tensor size must be >= 0, got " + n);
        }
        enter();
        return new CudaTensor(dev, dev.alloc(4L * Math.max(1, n)), n);
    }

    @Override
    public void upload(float[] src, int srcOff, Tensor dst, int dstOff, int n) {
        CudaTensor d = range("upload", dst, dstOff, n);
        if (srcOff < 0 || n < 0 || (long) srcOff + n > src.length) {
            throw new IndexOutOfBoundsException("upload: source [" + srcOff + ", " + ((long) srcOff + n)
                    + ") outside float[" + src.length + "]");
        }
        enter();
        if (n > 0) {
            dev.upload(src, srcOff, d.at(dstOff), n);
        }
    }

    @Override
    public void download(Tensor src, int srcOff, float[] dst, int dstOff, int n) {
        CudaTensor s = range("download", src, srcOff, n);
        if (dstOff < 0 || n < 0 || (long) dstOff + n > dst.length) {
            throw new IndexOutOfBoundsException("download: target [" + dstOff + ", " + ((long) dstOff + n)
                    + ") outside float[" + dst.length + "]");
        }
        enter();
        if (n > 0) {
            dev.download(s.at(srcOff), dst, dstOff, n);
        }
    }

    @Override
    public void fill(Tensor t, int off, int n, float value) {
        CudaTensor ct = range("fill", t, off, n);
        if (n == 0) {
            return;
        }
        enter();
        dev.memsetD32(ct.at(off), Float.floatToRawIntBits(value), n);
    }

    @Override
    public void copy(Tensor src, int sOff, Tensor dst, int dOff, int n) {
        CudaTensor s = range("copy source", src, sOff, n), d = range("copy target", dst, dOff, n);
        if (n == 0) {
            return;
        }
        enter();
        dev.copy(d.at(dOff), s.at(sOff), 4L * n);
    }

    // ------------------------------------------------------------------------------------------------ GEMM

    /** Elements spanned by a row-major matrix of {@code rows x cols} with row stride {@code ld}. */
    static long span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOff, int lda,
                     Tensor b, int bOff, int ldb, float beta, Tensor c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + ", n=" + n + ", k=" + k);
        }
        // stored shapes: A is m x k (or k x m transposed), B is k x n (or n x k)
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        if ((aRows > 0 && lda < Math.max(1, aCols)) || (bRows > 0 && ldb < Math.max(1, bCols))
                || (m > 0 && ldc < Math.max(1, n))) {
            throw new IllegalArgumentException("gemm: leading dimension too small (lda=" + lda + ", ldb=" + ldb
                    + ", ldc=" + ldc + " for m=" + m + ", n=" + n + ", k=" + k + ")");
        }
        CudaTensor A = range("gemm A", a, aOff, span(aRows, aCols, lda));
        CudaTensor B = range("gemm B", b, bOff, span(bRows, bCols, ldb));
        CudaTensor C = range("gemm C", c, cOff, span(m, n, ldc));
        if (m == 0 || n == 0) {
            return;
        }
        enter();
        String name = "sgemm_" + (transA ? "t" : "n") + (transB ? "t" : "n");
        int[] grid = Launch.gemmGrid(m, n);
        launch(fn(name), grid[0], grid[1], KernelArgs.args().i(m).i(n).i(k).f(alpha).ptr(A.at(aOff)).i(lda)
                .ptr(B.at(bOff)).i(ldb).f(beta).ptr(C.at(cOff)).i(ldc), name);
    }

    // ------------------------------------------------------------------------------------------------ biases, sums

    @Override
    public void addRowBias(Tensor y, int yOff, int rows, int cols, Tensor bias, int bOff) {
        CudaTensor Y = range("addRowBias y", y, yOff, (long) rows * cols), B = range("addRowBias bias", bias, bOff, cols);
        enter();
        launch1d("add_row_bias", (long) rows * cols, KernelArgs.args().ptr(Y.at(yOff)).i(rows).i(cols).ptr(B.at(bOff)));
    }

    @Override
    public void accumulateColumnSums(Tensor dy, int dyOff, int rows, int cols, Tensor g, int gOff) {
        CudaTensor D = range("columnSums dy", dy, dyOff, (long) rows * cols), G = range("columnSums g", g, gOff, cols);
        enter();
        launch1d("column_sums", cols, KernelArgs.args().ptr(D.at(dyOff)).i(rows).i(cols).ptr(G.at(gOff)));
    }

    @Override
    public void addChannelBias(Tensor y, int batch, int channels, int hw, Tensor bias, int bOff) {
        long total = (long) batch * channels * hw;
        CudaTensor Y = range("addChannelBias y", y, 0, total), B = range("addChannelBias bias", bias, bOff, channels);
        enter();
        launch1d("add_channel_bias", total, KernelArgs.args().ptr(Y.ptr).i(batch).i(channels).i(hw).ptr(B.at(bOff)));
    }

    @Override
    public void accumulateChannelSums(Tensor dy, int batch, int channels, int hw, Tensor g, int gOff) {
        CudaTensor D = range("channelSums dy", dy, 0, (long) batch * channels * hw);
        CudaTensor G = range("channelSums g", g, gOff, channels);
        enter();
        launch(fn("channel_sums"), Launch.channelBlocks(channels), 1,
                KernelArgs.args().ptr(D.ptr).i(batch).i(channels).i(hw).ptr(G.at(gOff)), "channel_sums");
    }

    // ------------------------------------------------------------------------------------------------ encoders

    @Override
    public void repeat(Tensor x, int n, int times, Tensor out) {
        CudaTensor X = range("repeat x", x, 0, n), O = range("repeat out", out, 0, (long) n * times);
        if (n == 0) {
            return;
        }
        enter();
        for (int t = 0; t < times; t++) {
            dev.copy(O.at((long) t * n), X.ptr, 4L * n);
        }
    }

    @Override
    public void sumOverTime(Tensor x, int n, int times, Tensor out) {
        if (times < 1) {
            throw new IllegalArgumentException("sumOverTime needs times >= 1, got " + times);
        }
        CudaTensor X = range("sumOverTime x", x, 0, (long) n * times), O = range("sumOverTime out", out, 0, n);
        enter();
        launch1d("sum_over_time", n, KernelArgs.args().ptr(X.ptr).i(n).i(times).ptr(O.ptr));
    }

    @Override
    public void poissonEncode(Tensor x, int samples, int features, int timeSteps, long seed, long counterBase,
                              Tensor out) {
        long nf = (long) samples * features;
        CudaTensor X = range("poissonEncode x", x, 0, nf), O = range("poissonEncode out", out, 0, nf * timeSteps);
        enter();
        launch1d("poisson_encode", nf * timeSteps, KernelArgs.args().ptr(X.ptr).i(samples).i(features).i(timeSteps)
                .l(seed).l(counterBase).ptr(O.ptr));
    }

    @Override
    public void dropoutMask(Tensor mask, int samples, int features, float p, long seed, long counterBase) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        long n = (long) samples * features;
        CudaTensor M = range("dropoutMask", mask, 0, n);
        float keep = 1f / (1f - p);   // on the host, as the CPU backend
        enter();
        launch1d("dropout_mask", n, KernelArgs.args().ptr(M.ptr).l(n).f(p).f(keep).l(seed).l(counterBase));
    }

    @Override
    public void multiplyShared(Tensor x, Tensor mask, int n, int times, Tensor out) {
        long total = (long) n * times;
        CudaTensor X = range("multiplyShared x", x, 0, total), M = range("multiplyShared mask", mask, 0, n);
        CudaTensor O = range("multiplyShared out", out, 0, total);
        enter();
        launch1d("multiply_shared", total, KernelArgs.args().ptr(X.ptr).ptr(M.ptr).i(n).i(times).ptr(O.ptr));
    }

    // ------------------------------------------------------------------------------------------------ neurons

    @Override
    public void neuronForward(NeuronOp op, int timeSteps, int n, Tensor x, Tensor h, Tensor s, Tensor v) {
        long total = (long) timeSteps * n;
        CudaTensor X = range("neuronForward x", x, 0, total), H = range("neuronForward h", h, 0, total);
        CudaTensor S = range("neuronForward s", s, 0, total), V = range("neuronForward v", v, 0, n);
        enter();
        KernelArgs args = chargeArgs(op, timeSteps, n, X, H, S, V);
        if (op.surrogate().isSpiking()) {
            launch1d("neuron_forward", n, args);
            return;
        }
        // smooth mode: S = g(H - th) with the surrogate's primitive (SmoothKernelSource), or on the host without it
        SurrogateFunction sg = op.surrogate();
        String label = NeuronKernelSource.label(sg) + " (smooth forward)";
        Object f = withFallback(label, layer(op), () -> dev.function(smoothModule(sg).source(), "neuron_forward_smooth"),
                "its smooth (non-spiking) forward");
        if (f == null) {
            hostNeuronForward(op, timeSteps, n, x, h, s, v);
            return;
        }
        launch1d(f, n, smoothModule(sg).append(args), "neuron_forward_smooth");
    }

    /**
     * Fused: the {@code neuron_forward_static} kernel reads {@code x [n]} at every step ({@code xt} is not written);
     * the same bits as the composed default. The smooth forward takes the default (repeat, then its own kernel).
     */
    @Override
    public void neuronForwardStatic(NeuronOp op, int timeSteps, int n, Tensor x, Tensor xt, Tensor h, Tensor s,
                                    Tensor v) {
        if (!op.surrogate().isSpiking()) {
            Backend.super.neuronForwardStatic(op, timeSteps, n, x, xt, h, s, v);
            return;
        }
        long total = (long) timeSteps * n;
        CudaTensor X = range("neuronForwardStatic x", x, 0, n), H = range("neuronForwardStatic h", h, 0, total);
        CudaTensor S = range("neuronForwardStatic s", s, 0, total), V = range("neuronForwardStatic v", v, 0, n);
        enter();
        launch1d("neuron_forward_static", n, chargeArgs(op, timeSteps, n, X, H, S, V));
    }

    /** The largest plane {@code neuron_forward_max_pool} keeps in shared memory ({@code SNN_POOL_PLANE}). */
    static final int POOL_PLANE = 4096;

    /**
     * Fused: {@code neuron_forward_max_pool}, one block per plane, pools each step's spikes from shared memory (and
     * reads a static {@code x [n]} directly: {@code xt} is not written); the same bits as the composed default, which
     * takes the smooth mode, planes beyond {@link #POOL_PLANE} floats and planes that do not tile {@code n}. The
     * recomputing pair's defaults run through here (the device stores charges, spikes and argmax).
     */
    @Override
    public void neuronForwardMaxPool(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticInput, Tensor xt,
                                     Tensor h, Tensor s, Tensor v, int height, int width, int k, int stride, Tensor y,
                                     Tensor argmax) {
        checkPooling("neuronForwardMaxPool", height, width, k, stride);
        int phw = height * width;
        if (!op.surrogate().isSpiking() || phw > POOL_PLANE || n % phw != 0) {
            Backend.super.neuronForwardMaxPool(op, timeSteps, n, x, staticInput, xt, h, s, v, height, width, k, stride,
                    y, argmax);
            return;
        }
        int ho = Launch.outExtent(height, k, stride, 0), wo = Launch.outExtent(width, k, stride, 0);
        long total = (long) timeSteps * n, out = total / phw * ho * wo;
        CudaTensor X = range("neuronForwardMaxPool x", x, 0, staticInput ? n : total);
        CudaTensor H = range("neuronForwardMaxPool h", h, 0, total), S = range("neuronForwardMaxPool s", s, 0, total);
        CudaTensor V = range("neuronForwardMaxPool v", v, 0, n), Y = range("neuronForwardMaxPool y", y, 0, out);
        CudaTensor A = range("neuronForwardMaxPool argmax", argmax, 0, out);
        enter();
        KernelArgs args = chargeTail(op, KernelArgs.args().i(timeSteps).i(n).ptr(X.ptr).i(staticInput).ptr(H.ptr)
                .ptr(S.ptr).ptr(V.ptr)).i(height).i(width).i(k).i(stride).i(ho).i(wo).ptr(Y.ptr).ptr(A.ptr);
        int planes = n / phw;
        launch(fn("neuron_forward_max_pool"), Math.min(planes, Launch.MAX_BLOCKS_1D), 1, args, "neuron_forward_max_pool");
    }

    private static void checkPooling(String what, int height, int width, int k, int stride) {
        if (height < 1 || width < 1 || k < 1 || stride < 1 || k > height || k > width) {
            throw new IllegalArgumentException(what + ": planes " + height + " x " + width + ", window " + k
                    + ", stride " + stride + " (each >= 1, the window inside the plane)");
        }
    }

    /** The arguments of {@code neuron_forward[_static|_smooth]}: tensors, then {@link #chargeTail}. */
    private static KernelArgs chargeArgs(NeuronOp op, int timeSteps, int n, CudaTensor X, CudaTensor H, CudaTensor S,
                                         CudaTensor V) {
        return chargeTail(op, KernelArgs.args().i(timeSteps).i(n).ptr(X.ptr).ptr(H.ptr).ptr(S.ptr).ptr(V.ptr));
    }

    /** Reset kind and the charge as CpuBackend writes it, {@code H = cv V + cx X + c0}, then threshold and reset. */
    private static KernelArgs chargeTail(NeuronOp op, KernelArgs args) {
        boolean leaky = op.leaky();
        float k = op.k();
        // coefficients in float on the host, as the CPU
        float cv = leaky ? 1f - k : 1f, cx = leaky && op.decayInput() ? k : 1f, c0 = leaky ? k * op.chargeReset() : 0f;
        return args.i(op.hardReset()).f(cv).f(cx).f(c0).f(op.vThreshold()).f(op.vReset());
    }

    private NeuronKernelSource.Module smoothModule(SurrogateFunction sg) {
        return smoothSources.computeIfAbsent(sg.getClass().getName() + ":" + NeuronKernelSource.label(sg),
                k -> SmoothKernelSource.module(sg));
    }

    /** {@link #neuronForward} through {@link CpuBackend}: the same loop, on copies of the tensors. */
    private void hostNeuronForward(NeuronOp op, int timeSteps, int n, Tensor x, Tensor h, Tensor s, Tensor v) {
        int total = Math.toIntExact((long) timeSteps * n);
        if (host == null) {
            host = new CpuBackend(1, true);
        }
        float[] buf = new float[total];
        try (Tensor xx = host.alloc(total); Tensor hh = host.alloc(total); Tensor ss = host.alloc(total);
             Tensor vv = host.alloc(n)) {
            download(x, 0, buf, 0, total);
            host.upload(buf, 0, xx, 0, total);
            download(v, 0, buf, 0, n);
            host.upload(buf, 0, vv, 0, n);
            host.neuronForward(op, timeSteps, n, xx, hh, ss, vv);
            for (Tensor[] pair : new Tensor[][] {{hh, h}, {ss, s}}) {
                host.download(pair[0], 0, buf, 0, total);
                upload(buf, 0, pair[1], 0, total);
            }
            host.download(vv, 0, buf, 0, n);
            upload(buf, 0, v, 0, n);
        }
    }

    @Override
    public double neuronBackward(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor x,
                                 Tensor dX, boolean wantDk) {
        long total = (long) timeSteps * n;
        CudaTensor DS = range("neuronBackward dS", dS, 0, total), H = range("neuronBackward h", h, 0, total);
        CudaTensor S = range("neuronBackward s", s, 0, total), DX = range("neuronBackward dX", dX, 0, total);
        CudaTensor X = wantDk ? range("neuronBackward x", x, 0, total) : null;
        float k = op.k();
        float dHdV = op.leaky() ? 1f - k : 1f;                  // as CpuBackend, in float on the host
        float dHdX = op.leaky() && op.decayInput() ? k : 1f;
        int blocks = Launch.blocks1d(n);
        if (blocks == 0) {
            return 0;
        }
        enter();
        if (wantDk && dkPartialLen < blocks) {
            if (dkPartial != null) {
                dev.free(dkPartial);
            }
            dkPartial = dev.alloc(8L * blocks);
            dkPartialLen = blocks;
            dkHost = new double[blocks];
        }
        Object f = neuronFunction(op.surrogate(), layer(op), "neuron_backward");
        if (f == null) {
            return hostNeuronBackward(op, timeSteps, n, dS, h, s, x, dX, wantDk);
        }
        KernelArgs args = KernelArgs.args().i(timeSteps).i(n).ptr(DS.ptr).ptr(H.ptr).ptr(S.ptr)
                .ptr(wantDk ? X.ptr : DS.ptr).ptr(DX.ptr).ptr(wantDk ? dkPartial : DS.ptr).i(op.hardReset())
                .i(op.detachReset()).i(op.decayInput()).i(wantDk).f(op.vThreshold()).f(op.vReset())
                .f(op.chargeReset()).f(op.vInit()).f(dHdV).f(dHdX);
        neuronModule(op.surrogate()).append(args);
        dev.launch(f, blocks, 1, Launch.THREADS, args, "neuron_backward");
        if (!wantDk) {
            return 0;
        }
        dev.downloadDoubles(dkPartial, dkHost, blocks);
        double sum = 0;
        for (int i = 0; i < blocks; i++) {
            sum += dkHost[i];
        }
        return sum;
    }

    /**
     * Fused: {@code neuron_backward_static} sums each neuron's input gradient over the steps in step order, as the
     * CPU does, without writing {@code dXt} (the same bits as the composed default). More than
     * {@link NeuronKernelSource#STATIC_STEPS} steps, or a surrogate without device code, take the default.
     */
    @Override
    public void neuronBackwardStatic(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor dXt,
                                     Tensor dXSum) {
        long total = (long) timeSteps * n;
        CudaTensor DS = range("neuronBackwardStatic dS", dS, 0, total), H = range("neuronBackwardStatic h", h, 0, total);
        CudaTensor S = range("neuronBackwardStatic s", s, 0, total);
        CudaTensor DX = range("neuronBackwardStatic dXSum", dXSum, 0, n);
        enter();
        Object f = timeSteps > NeuronKernelSource.STATIC_STEPS ? null
                : neuronFunction(op.surrogate(), layer(op), "neuron_backward_static");
        if (f == null) {
            Backend.super.neuronBackwardStatic(op, timeSteps, n, dS, h, s, dXt, dXSum);
            return;
        }
        KernelArgs args = KernelArgs.args().i(timeSteps).i(n).ptr(DS.ptr).ptr(H.ptr).ptr(S.ptr).ptr(DX.ptr);
        launch1d(f, n, neuronModule(op.surrogate()).append(stepGradientArgs(op, args)), "neuron_backward_static");
    }

    /** The tail of {@code neuron_backward_static} / {@code _max_pool}'s arguments: reset, threshold, dH/dV, dH/dX. */
    private static KernelArgs stepGradientArgs(NeuronOp op, KernelArgs args) {
        float k = op.k();
        float dHdV = op.leaky() ? 1f - k : 1f;                  // as CpuBackend, in float on the host
        float dHdX = op.leaky() && op.decayInput() ? k : 1f;
        return args.i(op.hardReset()).i(op.detachReset()).f(op.vThreshold()).f(op.vReset()).f(dHdV).f(dHdX);
    }

    /**
     * Fused: {@code neuron_backward_max_pool} gathers each step's spike gradient from {@code dy} and {@code argmax}
     * as {@code max_pool_backward} does ({@code dS} is not written) and, for a static input, sums the input gradient
     * over the steps in the CPU's order ({@code dXt} is not written); the same bits as the composed default, which
     * takes planes that do not tile {@code n}, more than {@link NeuronKernelSource#STATIC_STEPS} static steps, and a
     * surrogate without device code.
     */
    @Override
    public void neuronBackwardMaxPool(NeuronOp op, int timeSteps, int n, Tensor dy, Tensor argmax, int height,
                                      int width, int k, int stride, Tensor dS, Tensor h, Tensor s, boolean staticInput,
                                      Tensor dXt, Tensor dX) {
        checkPooling("neuronBackwardMaxPool", height, width, k, stride);
        int phw = height * width;
        Object f = n % phw != 0 || (staticInput && timeSteps > NeuronKernelSource.STATIC_STEPS) ? null
                : neuronFunction(op.surrogate(), layer(op), "neuron_backward_max_pool");
        if (f == null) {
            Backend.super.neuronBackwardMaxPool(op, timeSteps, n, dy, argmax, height, width, k, stride, dS, h, s,
                    staticInput, dXt, dX);
            return;
        }
        int ho = Launch.outExtent(height, k, stride, 0), wo = Launch.outExtent(width, k, stride, 0);
        long total = (long) timeSteps * n, out = total / phw * ho * wo;
        CudaTensor DY = range("neuronBackwardMaxPool dy", dy, 0, out), A = range("neuronBackwardMaxPool argmax", argmax,
                0, out);
        CudaTensor H = range("neuronBackwardMaxPool h", h, 0, total), S = range("neuronBackwardMaxPool s", s, 0, total);
        CudaTensor DX = range("neuronBackwardMaxPool dX", dX, 0, staticInput ? n : total);
        enter();
        KernelArgs args = KernelArgs.args().i(timeSteps).i(n).ptr(DY.ptr).ptr(A.ptr).i(height).i(width).i(k).i(stride)
                .i(ho).i(wo).ptr(H.ptr).ptr(S.ptr).i(staticInput).ptr(DX.ptr);
        launch1d(f, n, neuronModule(op.surrogate()).append(stepGradientArgs(op, args)), "neuron_backward_max_pool");
    }

    /** In place on the device ({@code add_transposed}, one addition per element: the CPU's bits). */
    @Override
    public void addTransposed(Tensor src, int rows, int cols, Tensor dst, int dOff) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("addTransposed: negative size rows=" + rows + ", cols=" + cols);
        }
        long total = (long) rows * cols;
        CudaTensor S = range("addTransposed src", src, 0, total), D = range("addTransposed dst", dst, dOff, total);
        enter();
        launch1d("add_transposed", total, KernelArgs.args().ptr(S.ptr).i(rows).i(cols).ptr(D.at(dOff)));
    }

    @Override
    public void neuronVoltage(NeuronOp op, int timeSteps, int n, Tensor h, Tensor s, Tensor v) {
        long total = (long) timeSteps * n;
        CudaTensor H = range("neuronVoltage h", h, 0, total), S = range("neuronVoltage s", s, 0, total);
        CudaTensor V = range("neuronVoltage v", v, 0, total);
        enter();
        launch1d("neuron_voltage", total, KernelArgs.args().l(total).ptr(H.ptr).ptr(S.ptr).ptr(V.ptr).i(op.hardReset())
                .f(op.vThreshold()).f(op.vReset()));
    }

    /**
     * {@code out[i] = g'(x[i])} for the surrogate's CUDA code (the generated {@code surrogate_gradient} kernel):
     * lets tests compare each surrogate's {@code cudaCode} with its Java {@code gradient} directly.
     */
    public void surrogateGradient(SurrogateFunction sg, Tensor x, Tensor out, int n) {
        CudaTensor X = range("surrogateGradient x", x, 0, n), O = range("surrogateGradient out", out, 0, n);
        enter();
        Object f = withFallback(NeuronKernelSource.label(sg), "the surrogate " + NeuronKernelSource.label(sg),
                () -> dev.function(neuronModule(sg).source(), "surrogate_gradient"), "its gradient g'");
        if (f == null) { // on the host, as the neuron backward of such a surrogate
            float[] buf = new float[n];
            download(x, 0, buf, 0, n);
            sg.gradient(buf, 0, buf, 0, n);
            upload(buf, 0, out, 0, n);
            return;
        }
        launch1d(f, n, neuronModule(sg).append(KernelArgs.args().l(n).ptr(X.ptr).ptr(O.ptr)), "surrogate_gradient");
    }

    /** The surrogates whose neuron layers run their backward on the host, each with the reason (label to reason). */
    public Map<String, String> hostFallbacks() {
        synchronized (hostFallbacks) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(hostFallbacks));
        }
    }

    /** A kernel of the surrogate's neuron module, or null (warned once) when the module cannot be had. */
    private Object neuronFunction(SurrogateFunction sg, String layer, String kernel) {
        return withFallback(NeuronKernelSource.label(sg), layer, () -> dev.function(neuronModule(sg).source(), kernel),
                "its backward");
    }

    /**
     * The neuron layer an op belongs to, as a reader finds it in a model spec: its kind ({@code if}, or {@code lif}
     * for LIF and PLIF, whose k changes as it learns) and its surrogate. The backend sees ops, not layer names.
     */
    static String layer(NeuronOp op) {
        return "the " + (op.leaky() ? "lif/plif" : "if") + " layer with surrogate " + NeuronKernelSource.label(op.surrogate());
    }

    /**
     * {@code fetch}'s kernel, or null when it cannot be had and host fallback is on (recorded under {@code label},
     * warned once per JVM for {@code layer}); with it off, an {@link IllegalStateException} naming the layer.
     */
    private Object withFallback(String label, String layer, java.util.function.Supplier<Object> fetch, String what) {
        synchronized (hostFallbacks) {
            if (hostFallbacks.containsKey(label)) {
                return null;
            }
        }
        try {
            return fetch.get();
        } catch (RuntimeException e) { // no PTX and no nvcc, an nvcc error, a module the driver rejects, no primitive
            String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!hostFallback) {
                throw new IllegalStateException("CUDA backend (asked for by name, so no CPU fallback): " + layer
                        + " has no device code for " + what + " on this machine (" + reason + "); install the CUDA"
                        + " toolkit's nvcc here (or point SNN_NVCC at it), use a built-in surrogate (shipped for every"
                        + " parameter value) or a Formula (no compiler needed), or use backend=auto to run that layer's " + what.replace("its ", "")
                        + " on the CPU", e);
            }
            synchronized (hostFallbacks) {
                hostFallbacks.put(label, reason);
            }
            warnOnce(layer + "/" + what, "CUDA backend: " + layer + " has no device code for " + what + " ("
                    + reason + "); it runs on the host CPU (download, CPU loop, upload). Install the CUDA toolkit's"
                    + " nvcc (or SNN_NVCC) for device code; backend=cuda fails instead of falling back");
            return null;
        }
    }

    /** Logs {@code message} as a warning unless this JVM already logged one for {@code key}. */
    private static void warnOnce(String key, String message) {
        synchronized (WARNED) {
            if (WARNED.putIfAbsent(key, message) != null) {
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, message);
    }

    /** The host-fallback warnings this JVM has logged (one per layer and operation), oldest first. */
    public static java.util.List<String> hostFallbackWarnings() {
        synchronized (WARNED) {
            return java.util.List.copyOf(WARNED.values());
        }
    }

    /** {@link #neuronBackward} through {@link CpuBackend}: the same loop, on copies of the tensors. */
    private double hostNeuronBackward(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor x,
                                      Tensor dX, boolean wantDk) {
        int total = Math.toIntExact((long) timeSteps * n);
        if (host == null) {
            host = new CpuBackend(1, true); // no GEMM is used: the pure-Java one avoids loading OpenBLAS
        }
        float[] buf = new float[total];
        try (Tensor ds = host.alloc(total); Tensor hh = host.alloc(total); Tensor ss = host.alloc(total);
             Tensor xx = host.alloc(wantDk ? total : 1); Tensor dx = host.alloc(total)) {
            download(dS, 0, buf, 0, total);
            host.upload(buf, 0, ds, 0, total);
            download(h, 0, buf, 0, total);
            host.upload(buf, 0, hh, 0, total);
            download(s, 0, buf, 0, total);
            host.upload(buf, 0, ss, 0, total);
            if (wantDk) {
                download(x, 0, buf, 0, total);
                host.upload(buf, 0, xx, 0, total);
            }
            double dk = host.neuronBackward(op, timeSteps, n, ds, hh, ss, xx, dx, wantDk);
            host.download(dx, 0, buf, 0, total);
            upload(buf, 0, dX, 0, total);
            return dk;
        }
    }

    /**
     * {@code out[i] = g'(x[i])} for {@code i < n} computed in half precision with the surrogate's {@code half2} code
     * (float in and out; {@code n} even): what {@code snn gpu check-grad --dtype half} compares with Java. Not a
     * {@link io.github.sparksnn.backend.Backend} operation: training runs in float32.
     */
    public void surrogateGradientHalf(SurrogateFunction sg, Tensor x, Tensor out, int n) {
        if (n % 2 != 0) {
            throw new IllegalArgumentException("surrogateGradientHalf works on pairs: n must be even, got " + n);
        }
        CudaTensor X = range("surrogateGradientHalf x", x, 0, n), O = range("surrogateGradientHalf out", out, 0, n);
        enter();
        NeuronKernelSource.Module m = halfSources.computeIfAbsent(sg.getClass().getName() + ":"
                + NeuronKernelSource.label(sg), k -> HalfKernelSource.module(sg));
        launch1d(dev.function(m.source(), "surrogate_gradient_half2"), n / 2,
                m.append(KernelArgs.args().l(n / 2).ptr(X.ptr).ptr(O.ptr)), "surrogate_gradient_half2");
    }

    // ------------------------------------------------------------------------------------------------ convolution

    @Override
    public void im2col(Tensor x, int xOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       Tensor col, int colOff) {
        int ho = Launch.outExtent(h, kh, sh, ph), wo = Launch.outExtent(w, kw, sw, pw);
        long total = (long) c * kh * kw * ho * wo;
        CudaTensor X = range("im2col x", x, xOff, (long) c * h * w), C = range("im2col col", col, colOff, total);
        enter();
        launch1d("im2col", total, KernelArgs.args().ptr(X.at(xOff)).i(c).i(h).i(w).i(kh).i(kw).i(sh).i(sw).i(ph).i(pw)
                .i(ho).i(wo).ptr(C.at(colOff)));
    }

    @Override
    public void col2im(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       Tensor dx, int dxOff) {
        col2im("col2im", col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff);
    }

    private void col2im(String kernel, Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw,
                        int ph, int pw, Tensor dx, int dxOff) {
        int ho = Launch.outExtent(h, kh, sh, ph), wo = Launch.outExtent(w, kw, sw, pw);
        long total = (long) c * h * w;
        CudaTensor C = range(kernel + " col", col, colOff, (long) c * kh * kw * ho * wo);
        CudaTensor D = range(kernel + " dx", dx, dxOff, total);
        enter();
        launch1d(kernel, total, KernelArgs.args().ptr(C.at(colOff)).i(c).i(h).i(w).i(kh).i(kw).i(sh).i(sw).i(ph).i(pw)
                .i(ho).i(wo).ptr(D.at(dxOff)));
    }

    /** {@code col2im_set}: the sums from {@code +0}, {@code dx} written and never read (no zeroing pass). */
    @Override
    public void col2imSet(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                          Tensor dx, int dxOff) {
        col2im("col2im_set", col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff);
    }

    // ------------------------------------------------------------------------------------------------ pooling

    @Override
    public void maxPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y, Tensor argmax) {
        int ho = Launch.outExtent(h, k, s, 0), wo = Launch.outExtent(w, k, s, 0);
        long out = (long) planes * ho * wo;
        CudaTensor X = range("maxPool x", x, 0, (long) planes * h * w), Y = range("maxPool y", y, 0, out);
        CudaTensor A = range("maxPool argmax", argmax, 0, out);
        enter();
        launch1d("max_pool_forward", out, KernelArgs.args().ptr(X.ptr).i(planes).i(h).i(w).i(k).i(s).i(ho).i(wo)
                .ptr(Y.ptr).ptr(A.ptr));
    }

    @Override
    public void maxPoolBackward(Tensor dy, Tensor argmax, int planes, int h, int w, int k, int s, Tensor dx) {
        int ho = Launch.outExtent(h, k, s, 0), wo = Launch.outExtent(w, k, s, 0);
        long out = (long) planes * ho * wo, in = (long) planes * h * w;
        CudaTensor DY = range("maxPool dy", dy, 0, out), A = range("maxPool argmax", argmax, 0, out);
        CudaTensor DX = range("maxPool dx", dx, 0, in);
        enter();
        launch1d("max_pool_backward", in, KernelArgs.args().ptr(DY.ptr).ptr(A.ptr).i(planes).i(h).i(w).i(k).i(s).i(ho)
                .i(wo).ptr(DX.ptr));
    }

    @Override
    public void avgPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y) {
        int ho = Launch.outExtent(h, k, s, 0), wo = Launch.outExtent(w, k, s, 0);
        long out = (long) planes * ho * wo;
        CudaTensor X = range("avgPool x", x, 0, (long) planes * h * w), Y = range("avgPool y", y, 0, out);
        enter();
        launch1d("avg_pool_forward", out, KernelArgs.args().ptr(X.ptr).i(planes).i(h).i(w).i(k).i(s).i(ho).i(wo)
                .f(1f / (k * k)).ptr(Y.ptr));
    }

    @Override
    public void avgPoolBackward(Tensor dy, int planes, int h, int w, int k, int s, Tensor dx) {
        int ho = Launch.outExtent(h, k, s, 0), wo = Launch.outExtent(w, k, s, 0);
        long out = (long) planes * ho * wo, in = (long) planes * h * w;
        CudaTensor DY = range("avgPool dy", dy, 0, out), DX = range("avgPool dx", dx, 0, in);
        enter();
        launch1d("avg_pool_backward", in, KernelArgs.args().ptr(DY.ptr).i(planes).i(h).i(w).i(k).i(s).i(ho).i(wo)
                .f(1f / (k * k)).ptr(DX.ptr));
    }

    // ------------------------------------------------------------------------------------------------ batch norm

    /** Scratch for the per-plane partial sums of batch norm: {@code 2 * channels * batch} doubles. */
    private DevicePtr bnScratch(int batch, int channels) {
        long need = Math.max(1, 2L * batch * channels);
        if (bnScratchDoubles < need) {
            if (bnScratch != null) {
                dev.free(bnScratch);
            }
            bnScratch = dev.alloc(8L * need);
            bnScratchDoubles = need;
        }
        return bnScratch;
    }

    @Override
    public void batchNormForward(Tensor x, int batch, int channels, int hw, Tensor params, int pOff, float eps,
                                 boolean training, float momentum, Tensor runningMean, Tensor runningVar,
                                 Tensor mean, Tensor invStd, Tensor y) {
        long total = (long) batch * channels * hw;
        CudaTensor X = range("batchNorm x", x, 0, total), Y = range("batchNorm y", y, 0, total);
        CudaTensor P = range("batchNorm params", params, pOff, 2L * channels);
        CudaTensor RM = range("batchNorm runningMean", runningMean, 0, channels);
        CudaTensor RV = range("batchNorm runningVar", runningVar, 0, channels);
        CudaTensor M = range("batchNorm mean", mean, 0, channels), IS = range("batchNorm invStd", invStd, 0, channels);
        enter();
        launch(fn("batch_norm_forward"), Launch.channelBlocks(channels), 1, KernelArgs.args().ptr(X.ptr).i(batch).i(channels)
                .i(hw).ptr(P.at(pOff)).f(eps).i(training).f(momentum).ptr(RM.ptr).ptr(RV.ptr).ptr(M.ptr).ptr(IS.ptr)
                .ptr(Y.ptr).ptr(bnScratch(batch, channels)), "batch_norm_forward");
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, int batch, int channels, int hw, Tensor params, int pOff,
                                  Tensor mean, Tensor invStd, Tensor dx, Tensor grads, int gOff) {
        long total = (long) batch * channels * hw;
        CudaTensor DY = range("batchNorm dy", dy, 0, total), X = range("batchNorm x", x, 0, total);
        CudaTensor DX = range("batchNorm dx", dx, 0, total);
        CudaTensor P = range("batchNorm params", params, pOff, 2L * channels);
        CudaTensor M = range("batchNorm mean", mean, 0, channels), IS = range("batchNorm invStd", invStd, 0, channels);
        CudaTensor G = range("batchNorm grads", grads, gOff, 2L * channels);
        enter();
        launch(fn("batch_norm_backward"), Launch.channelBlocks(channels), 1, KernelArgs.args().ptr(DY.ptr).ptr(X.ptr).i(batch)
                .i(channels).i(hw).ptr(P.at(pOff)).ptr(M.ptr).ptr(IS.ptr).ptr(DX.ptr).ptr(G.at(gOff))
                .ptr(bnScratch(batch, channels)), "batch_norm_backward");
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (dkPartial != null) {
                dev.free(dkPartial);
            }
            if (bnScratch != null) {
                dev.free(bnScratch);
            }
            if (host != null) {
                host.close();
            }
        } finally {
            dev.close();
        }
    }
}
