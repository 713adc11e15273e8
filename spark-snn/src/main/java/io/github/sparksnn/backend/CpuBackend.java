package io.github.sparksnn.backend;

import static io.github.sparksnn.backend.CpuScratch.CHUNK;
import static io.github.sparksnn.backend.CpuScratch.b;

import java.nio.FloatBuffer;

/**
 * The reference backend: off-heap float tensors, GEMM through native OpenBLAS (pure-Java fallback with a
 * logged warning), everything else as fused single-pass Java loops. Not thread-safe (it owns scratch arrays).
 *
 * <p>This class is the {@link Backend} face: construction, tensors (alloc, copies, fill), and the dispatch of each
 * operation to the package-private class of its family, which share one {@link CpuScratch}:
 * {@link CpuMatrixOps} (GEMM and its glue), {@link CpuNeuronForward} and {@link CpuNeuronBackward} (the fused
 * multi-step neuron kernels), {@link CpuConvolutionOps} (channel bias, im2col/col2im), {@link CpuPoolingOps},
 * {@link CpuNormalizationOps} (batch norm) and {@link CpuEncodingOps} (Poisson encoder, dropout). The fused
 * neuron-and-pooling operations choose here between the fused kernel and {@link Backend}'s unfused default.
 */
public final class CpuBackend implements Backend {
    private static final System.Logger LOG = System.getLogger(CpuBackend.class.getName());

    private final int threads;
    private final CpuScratch scratch = new CpuScratch();
    private final CpuMatrixOps matrix;
    private final CpuNeuronForward neuronForward = new CpuNeuronForward(scratch);
    private final CpuNeuronBackward neuronBackward = new CpuNeuronBackward(scratch);
    private final CpuConvolutionOps convolution = new CpuConvolutionOps(scratch);
    private final CpuPoolingOps pooling = new CpuPoolingOps(scratch);
    private final CpuNormalizationOps normalization = new CpuNormalizationOps(scratch);
    private final CpuEncodingOps encoding = new CpuEncodingOps();

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
        this.matrix = new CpuMatrixOps(forceJava ? new JavaGemm() : loadGemm(threads), scratch);
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
        return matrix.gemmKernel() instanceof NativeGemm;
    }

    /** Turns on GEMM timing (a {@code nanoTime} pair per GEMM call) and resets the counters. */
    public void setProfiling(boolean on) {
        matrix.setProfiling(on);
    }

    /** Nanoseconds spent in GEMM calls since profiling was turned on. */
    public long gemmNanos() {
        return matrix.gemmNanos();
    }

    public long gemmCalls() {
        return matrix.gemmCalls();
    }

    /** Floating-point operations ({@code 2 m n k} per call) since profiling was turned on. */
    public double gemmFlops() {
        return matrix.gemmFlops();
    }

    @Override
    public String describe() {
        return "cpu (" + matrix.gemmKernel().describe() + ")";
    }

    public int threads() {
        return threads;
    }

    private static CpuTensor t(Tensor t) {
        return (CpuTensor) t;
    }

    @Override
    public Tensor alloc(int n) {
        CpuTensor t = new CpuTensor(n, this);
        long live = liveBytes.addAndGet(t.bytes());
        peakBytes.accumulateAndGet(live, Math::max);
        return t;
    }

    /** Counted when a tensor of this backend closes. */
    void freed(long bytes) {
        liveBytes.addAndGet(-bytes);
    }

    // a measured allocation counter (what `snn bench tbptt` reports): every tensor's off-heap bytes while open
    private final java.util.concurrent.atomic.AtomicLong liveBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong peakBytes = new java.util.concurrent.atomic.AtomicLong();

    /** Off-heap bytes of this backend's tensors now open (parameters, gradients, workspaces, tapes). */
    public long allocatedBytes() {
        return liveBytes.get();
    }

    /** The most {@link #allocatedBytes()} has been since this backend was made or {@link #resetPeakBytes()}. */
    public long peakAllocatedBytes() {
        return peakBytes.get();
    }

    /** Restarts {@link #peakAllocatedBytes()} from the bytes open now. */
    public void resetPeakBytes() {
        peakBytes.set(liveBytes.get());
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
        final float[] c = scratch.stage1;
        java.util.Arrays.fill(c, value);
        for (int i = 0; i < n; i += CHUNK) {
            x.put(off + i, c, 0, Math.min(CHUNK, n - i));
        }
    }

    @Override
    public void copy(Tensor src, int sOff, Tensor dst, int dOff, int n) {
        b(dst).put(dOff, b(src), sOff, n);
    }

    // ---- GEMM and its glue (CpuMatrixOps)

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, int aOff, int lda,
                     Tensor b, int bOff, int ldb, float beta, Tensor c, int cOff, int ldc) {
        matrix.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void addRowBias(Tensor y, int yOff, int rows, int cols, Tensor bias, int bOff) {
        matrix.addRowBias(y, yOff, rows, cols, bias, bOff);
    }

    @Override
    public void accumulateColumnSums(Tensor dy, int dyOff, int rows, int cols, Tensor g, int gOff) {
        matrix.accumulateColumnSums(dy, dyOff, rows, cols, g, gOff);
    }

    @Override
    public void repeat(Tensor x, int n, int times, Tensor out) {
        for (int t = 0; t < times; t++) {
            copy(x, 0, out, t * n, n);
        }
    }

    @Override
    public void sumOverTime(Tensor x, int n, int times, Tensor out) {
        matrix.sumOverTime(x, n, times, out);
    }

    @Override
    public void addTransposed(Tensor src, int rows, int cols, Tensor dst, int dOff) {
        matrix.addTransposed(src, rows, cols, dst, dOff);
    }

    // ---- neurons (CpuNeuronForward, CpuNeuronBackward)

    @Override
    public void neuronForward(NeuronOp op, int timeSteps, int n, Tensor x, Tensor h, Tensor s, Tensor v) {
        neuronForward.forward(op, timeSteps, n, x, false, h, s, v, 0, 0, 0, 0, null, null);
    }

    /** Fused: the static input is read once per chunk for all steps; {@code xt} is not used. */
    @Override
    public void neuronForwardStatic(NeuronOp op, int timeSteps, int n, Tensor x, Tensor xt, Tensor h, Tensor s,
                                    Tensor v) {
        neuronForward.forward(op, timeSteps, n, x, true, h, s, v, 0, 0, 0, 0, null, null);
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
        neuronForward.forward(op, timeSteps, n, x, staticInput, h, s, v, height, width, k, stride, y, argmax);
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
        neuronForward.forward(op, timeSteps, n, x, staticInput, h, s, v, height, width, k, stride, y, argmax, true);
    }

    @Override
    public double neuronBackward(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor x,
                                 Tensor dX, boolean wantDk) {
        return neuronBackward.backward(op, timeSteps, n, dS, h, s, x, dX, wantDk, false, 0, 0, 0, 0, null, null);
    }

    /**
     * Fused: each chunk's input gradients of all steps stay in a staging array and are summed in step order (as
     * {@link #sumOverTime}); {@code dXt} is not used.
     */
    @Override
    public void neuronBackwardStatic(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor dXt,
                                     Tensor dXSum) {
        neuronBackward.backward(op, timeSteps, n, dS, h, s, null, dXSum, false, true, 0, 0, 0, 0, null, null);
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
        neuronBackward.backward(op, timeSteps, n, dy, h, s, null, dX, false, staticInput, height, width, k, stride,
                argmax, null);
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
        neuronBackward.backward(op, timeSteps, n, dy, null, null, null, dX, false, staticInput, height, width, k,
                stride, null, x);
    }

    @Override
    public void multiStateNeuronForward(MultiStateNeuronOp op, int timeSteps, int n, int off, Tensor x, Tensor h,
                                        Tensor s, Tensor v, Tensor cur, Tensor adapt, Tensor state) {
        MultiStateNeuronKernel.forward(op, timeSteps, n, off, b(x), b(h), b(s), b(v), cur == null ? null : b(cur),
                adapt == null ? null : b(adapt), b(state));
    }

    @Override
    public void multiStateNeuronBackward(MultiStateNeuronOp op, int timeSteps, int n, int off, Tensor dS, Tensor h,
                                         Tensor s, Tensor v, Tensor cur, Tensor adapt, Tensor dX, Tensor dState,
                                         double[] dDecays) {
        MultiStateNeuronKernel.backward(op, timeSteps, n, off, b(dS), b(h), b(s), b(v), cur == null ? null : b(cur),
                adapt == null ? null : b(adapt), b(dX), b(dState), dDecays);
    }

    @Override
    public void neuronVoltage(NeuronOp op, int timeSteps, int n, Tensor h, Tensor s, Tensor v) {
        neuronForward.neuronVoltage(op, timeSteps, n, h, s, v);
    }

    // ---- convolution (CpuConvolutionOps)

    @Override
    public void addChannelBias(Tensor y, int batch, int channels, int hw, Tensor bias, int bOff) {
        convolution.addChannelBias(y, batch, channels, hw, bias, bOff);
    }

    @Override
    public void accumulateChannelSums(Tensor dy, int batch, int channels, int hw, Tensor g, int gOff) {
        convolution.accumulateChannelSums(dy, batch, channels, hw, g, gOff);
    }

    @Override
    public void im2col(Tensor x, int xOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       Tensor col, int colOff) {
        convolution.im2col(x, xOff, c, h, w, kh, kw, sh, sw, ph, pw, col, colOff);
    }

    @Override
    public void col2im(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                       Tensor dx, int dxOff) {
        convolution.col2im(col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff);
    }

    /** The image starts as zeros in a heap array: no read of {@code dx}, and no zeroing pass over it before. */
    @Override
    public void col2imSet(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                          Tensor dx, int dxOff) {
        convolution.col2imSet(col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff);
    }

    // ---- pooling (CpuPoolingOps)

    @Override
    public void maxPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y, Tensor argmax) {
        pooling.maxPoolForward(x, planes, h, w, k, s, y, argmax);
    }

    @Override
    public void maxPoolBackward(Tensor dy, Tensor argmax, int planes, int h, int w, int k, int s, Tensor dx) {
        pooling.maxPoolBackward(dy, argmax, planes, h, w, k, s, dx);
    }

    @Override
    public void avgPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y) {
        pooling.avgPoolForward(x, planes, h, w, k, s, y);
    }

    @Override
    public void avgPoolBackward(Tensor dy, int planes, int h, int w, int k, int s, Tensor dx) {
        pooling.avgPoolBackward(dy, planes, h, w, k, s, dx);
    }

    // ---- normalization (CpuNormalizationOps)

    @Override
    public void batchNormForward(Tensor x, int batch, int channels, int hw, Tensor params, int pOff, float eps,
                                 boolean training, float momentum, Tensor runningMean, Tensor runningVar,
                                 Tensor mean, Tensor invStd, Tensor y) {
        normalization.batchNormForward(x, batch, channels, hw, params, pOff, eps, training, momentum, runningMean,
                runningVar, mean, invStd, y);
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, int batch, int channels, int hw, Tensor params, int pOff,
                                  Tensor mean, Tensor invStd, Tensor dx, Tensor grads, int gOff) {
        normalization.batchNormBackward(dy, x, batch, channels, hw, params, pOff, mean, invStd, dx, grads, gOff);
    }

    // ---- encoding and dropout (CpuEncodingOps)

    @Override
    public void poissonEncode(Tensor x, int samples, int features, int timeSteps, long seed, long counterBase,
                              Tensor out) {
        encoding.poissonEncode(x, samples, features, timeSteps, seed, counterBase, out);
    }

    @Override
    public void dropoutMask(Tensor mask, int samples, int features, float p, long seed, long counterBase) {
        encoding.dropoutMask(mask, samples, features, p, seed, counterBase);
    }

    @Override
    public void multiplyShared(Tensor x, Tensor mask, int n, int times, Tensor out) {
        encoding.multiplyShared(x, mask, n, times, out);
    }
}
