package io.github.sparksnn.backend;

/**
 * The compute interface layers and neurons are written against (see DESIGN.md, "One compute interface, two
 * backends"). Every tensor argument comes with an element offset; shapes are passed as plain ints, row-major.
 * Operations that "accumulate" add into their output; all others overwrite it.
 *
 * <p>The CPU backend ({@link CpuBackend}) is the reference; a CUDA backend implements the same operations on
 * device memory. A backend instance is not thread-safe: one per engine (per task / thread).
 */
public interface Backend extends AutoCloseable {

    /** Human-readable description, e.g. {@code cpu (OpenBLAS 0.3.31, 1 thread)}. */
    String describe();

    /** A new zero-filled tensor of {@code n} floats. */
    Tensor alloc(int n);

    /** Host to tensor: {@code dst[dstOff + i] = src[srcOff + i]}. */
    void upload(float[] src, int srcOff, Tensor dst, int dstOff, int n);

    /** Tensor to host: {@code dst[dstOff + i] = src[srcOff + i]}. */
    void download(Tensor src, int srcOff, float[] dst, int dstOff, int n);

    /** {@code t[off + i] = value}. */
    void fill(Tensor t, int off, int n, float value);

    /** {@code dst[dOff + i] = src[sOff + i]} (the ranges must not overlap). */
    void copy(Tensor src, int sOff, Tensor dst, int dOff, int n);

    /**
     * Row-major {@code C = alpha op(A) op(B) + beta C} with {@code op(A)} m x k, {@code op(B)} k x n, C m x n;
     * {@code lda, ldb, ldc} are the row strides of the stored (untransposed) matrices.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Tensor a, int aOff, int lda, Tensor b, int bOff, int ldb, float beta, Tensor c, int cOff, int ldc);

    /** {@code y[yOff + r * cols + c] += bias[bOff + c]} for {@code r < rows}. */
    void addRowBias(Tensor y, int yOff, int rows, int cols, Tensor bias, int bOff);

    /** Accumulates column sums: {@code g[gOff + c] += sum_r dy[dyOff + r * cols + c]}. */
    void accumulateColumnSums(Tensor dy, int dyOff, int rows, int cols, Tensor g, int gOff);

    /** Per-channel bias over {@code [B, C, HW]}: {@code y[b, c, i] += bias[bOff + c]}. */
    void addChannelBias(Tensor y, int batch, int channels, int hw, Tensor bias, int bOff);

    /** Accumulates per-channel sums over {@code [B, C, HW]}: {@code g[gOff + c] += sum_{b, i} dy[b, c, i]}. */
    void accumulateChannelSums(Tensor dy, int batch, int channels, int hw, Tensor g, int gOff);

    /** Direct encoding: {@code out[t * n + i] = x[i]} for {@code t < times}. */
    void repeat(Tensor x, int n, int times, Tensor out);

    /**
     * Sum over time: {@code out[i] = sum_t x[t * n + i]} for {@code t < times} (overwrites {@code out}). The default
     * is one GEMM with a ones vector ({@code [1, T] x [T, n]}); backends override it with a fused loop or kernel.
     */
    default void sumOverTime(Tensor x, int n, int times, Tensor out) {
        try (Tensor ones = alloc(times)) {
            fill(ones, 0, times, 1f);
            gemm(false, false, 1, n, times, 1f, ones, 0, times, x, 0, n, 0f, out, 0, n);
        }
    }

    /**
     * Poisson rate coding of {@code x} ({@code [N, F]}) into {@code out} ({@code [T, N, F]}): a spike where a
     * counter-based uniform {@code u(seed, counterBase + (s * T + t) * F + f)} in [0, 1) is below the value.
     * The counter makes the draw independent of the batch split and identical on every backend
     * ({@link CounterRng}).
     */
    void poissonEncode(Tensor x, int samples, int features, int timeSteps, long seed, long counterBase, Tensor out);

    /**
     * Inverted-dropout mask {@code [N, F]}: {@code 1/(1-p)} where {@code u(seed, counterBase + s * F + f) >= p},
     * else 0.
     */
    void dropoutMask(Tensor mask, int samples, int features, float p, long seed, long counterBase);

    /** {@code out[t * n + i] = x[t * n + i] * mask[i]} for {@code t < times} (mask shared over time). */
    void multiplyShared(Tensor x, Tensor mask, int n, int times, Tensor out);

    /**
     * Fused multi-step neuron forward over {@code T} steps of {@code n} neurons (see {@link NeuronOp} for the
     * equations): reads {@code x [T, n]}, stores the charged potentials {@code h [T, n]} (for BPTT) and the
     * spikes {@code s [T, n]}, and carries the membrane state {@code v [n]} (in: V[-1], out: V[T-1]).
     */
    void neuronForward(NeuronOp op, int timeSteps, int n, Tensor x, Tensor h, Tensor s, Tensor v);

    /**
     * Exact BPTT through the membrane recurrence of {@link #neuronForward}: from {@code dS [T, n]} (gradient of
     * the loss w.r.t. the spikes) writes {@code dX [T, n]}. With {@code wantDk} returns
     * {@code sum_{t,i} dL/dH[t,i] * dH[t,i]/dk} (the gradient w.r.t. {@code k = 1/tau}, for PLIF), else 0.
     * {@code x} is only read when {@code wantDk}.
     */
    double neuronBackward(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor x, Tensor dX,
                          boolean wantDk);

    /**
     * {@link #neuronForward} of an input that is the same at every step (a direct-encoded input after the network's
     * time-invariant prefix), given once as {@code x [n]}: the same {@code h}, {@code s} and {@code v} as
     * {@code repeat(x, n, T, xt)} followed by {@code neuronForward(op, T, n, xt, h, s, v)}, which is what this default
     * does ({@code xt [T, n]} is its workspace). A backend may fuse the two and leave {@code xt} untouched, so
     * callers must not read it afterwards.
     */
    default void neuronForwardStatic(NeuronOp op, int timeSteps, int n, Tensor x, Tensor xt, Tensor h, Tensor s,
                                     Tensor v) {
        repeat(x, n, timeSteps, xt);
        neuronForward(op, timeSteps, n, xt, h, s, v);
    }

    /**
     * Backward of {@link #neuronForwardStatic}: the input gradient summed over time, {@code dXSum [n]}, bit for bit
     * as {@code neuronBackward(op, T, n, dS, h, s, null, dXt, false)} followed by {@code sumOverTime(dXt, n, T, dXSum)}
     * (this default; {@code dXt [T, n]} is its workspace, which a fused backend may leave untouched).
     */
    default void neuronBackwardStatic(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor dXt,
                                      Tensor dXSum) {
        neuronBackward(op, timeSteps, n, dS, h, s, null, dXt, false);
        sumOverTime(dXt, n, timeSteps, dXSum);
    }

    /**
     * A neuron whose spikes feed a max pooling (SpikingJelly's {@code IFNode} then {@code MaxPool2d}): the
     * neuron's forward ({@link #neuronForwardStatic} when {@code staticInput}, {@code x [n]}; else
     * {@link #neuronForward}, {@code x [T, n]}), then {@link #maxPoolForward} of the spikes {@code s}, read as
     * {@code T * n / (height * width)} planes, into {@code y} and {@code argmax}. This default runs the two; a backend
     * may pool each chunk of spikes while it is in cache. Every output, {@code s} included, is as the two ops write it.
     */
    default void neuronForwardMaxPool(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticInput, Tensor xt,
                                      Tensor h, Tensor s, Tensor v, int height, int width, int k, int stride, Tensor y,
                                      Tensor argmax) {
        if (staticInput) {
            neuronForwardStatic(op, timeSteps, n, x, xt, h, s, v);
        } else {
            neuronForward(op, timeSteps, n, x, h, s, v);
        }
        maxPoolForward(s, timeSteps * n / (height * width), height, width, k, stride, y, argmax);
    }

    /**
     * Backward of {@link #neuronForwardMaxPool}: {@link #maxPoolBackward} of the pooled gradient {@code dy} into the
     * spike gradient {@code dS [T, n]}, then the neuron's backward into {@code dX} ({@code [n]}, summed over time,
     * when {@code staticInput}; else {@code [T, n]}). This default runs the two, with {@code dS} and (static)
     * {@code dXt} as workspaces; a fused backend may leave both untouched. {@code dX} is bit for bit the same.
     */
    default void neuronBackwardMaxPool(NeuronOp op, int timeSteps, int n, Tensor dy, Tensor argmax, int height,
                                       int width, int k, int stride, Tensor dS, Tensor h, Tensor s,
                                       boolean staticInput, Tensor dXt, Tensor dX) {
        maxPoolBackward(dy, argmax, timeSteps * n / (height * width), height, width, k, stride, dS);
        if (staticInput) {
            neuronBackwardStatic(op, timeSteps, n, dS, h, s, dXt, dX);
        } else {
            neuronBackward(op, timeSteps, n, dS, h, s, null, dX, false);
        }
    }

    /**
     * {@link #neuronForwardMaxPool} for a pass whose backward is {@link #neuronBackwardMaxPoolRecompute}: {@code y}
     * and the final potential {@code v} are written as there, while {@code h}, {@code s} and {@code argmax} become
     * the pair's private workspaces, which a backend may leave unwritten and recompute in the backward from
     * {@code x}. The pass starts from the initial potential {@link NeuronOp#vInit()}, whatever {@code v} holds (the
     * backward recomputes from there), and the caller keeps {@code x} unchanged until that backward. This default
     * fills {@code v} and runs {@link #neuronForwardMaxPool}, which stores them.
     */
    default void neuronForwardMaxPoolRecomputable(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticInput,
                                                  Tensor xt, Tensor h, Tensor s, Tensor v, int height, int width,
                                                  int k, int stride, Tensor y, Tensor argmax) {
        fill(v, 0, n, op.vInit());
        neuronForwardMaxPool(op, timeSteps, n, x, staticInput, xt, h, s, v, height, width, k, stride, y, argmax);
    }

    /**
     * Backward of {@link #neuronForwardMaxPoolRecomputable}, given its input {@code x} again: {@code dX} bit for bit
     * as {@link #neuronBackwardMaxPool} (this default, which reads the stored {@code h}, {@code s}, {@code argmax}).
     * A backend that did not store them recomputes the charge from {@code x}, the same operations in the same
     * order, and pools the recomputed spikes again for their maxima. Memory traffic, not arithmetic, bounds these
     * kernels: storing means two floats per neuron and step (charge and spike) and one per pooled output, each
     * written once and read once, against one input float per neuron and step read once more (once in all for a
     * static input).
     */
    default void neuronBackwardMaxPoolRecompute(NeuronOp op, int timeSteps, int n, Tensor x, Tensor dy, Tensor argmax,
                                                int height, int width, int k, int stride, Tensor dS, Tensor h,
                                                Tensor s, boolean staticInput, Tensor dXt, Tensor dX) {
        neuronBackwardMaxPool(op, timeSteps, n, dy, argmax, height, width, k, stride, dS, h, s, staticInput, dXt, dX);
    }

    /**
     * {@code dst[dOff + c * rows + r] += src[r * cols + c]}: adds the transpose of {@code src [rows, cols]} to
     * {@code dst [cols, rows]} at {@code dOff} (a convolution's weight gradient, accumulated transposed because that
     * GEMM shape runs faster). This default goes through the host; a backend may do it in place.
     */
    default void addTransposed(Tensor src, int rows, int cols, Tensor dst, int dOff) {
        int n = rows * cols;
        float[] a = new float[n], b = new float[n];
        download(src, 0, a, 0, n);
        download(dst, dOff, b, 0, n);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                b[c * rows + r] += a[r * cols + c];
            }
        }
        upload(b, 0, dst, dOff, n);
    }

    /**
     * Forward of the multi-state neuron ({@link MultiStateNeuronOp}: synaptic current, adaptive threshold) over
     * {@code T} steps of {@code n} neurons, records {@code [T, n]} from element {@code off}: reads {@code x}, writes
     * the charges {@code h}, spikes {@code s}, potentials after reset {@code v}, currents {@code cur} (synaptic, else
     * may be null) and the adaptation of each step {@code adapt} (adaptive, else may be null), and carries
     * {@code state [3, n]} (membrane, current, adaptation; in: before the first step, out: after the last). A
     * recurrent layer calls it one step at a time. This default runs the scalar kernel on host copies; a backend
     * overrides it in place.
     */
    default void multiStateNeuronForward(MultiStateNeuronOp op, int timeSteps, int n, int off, Tensor x, Tensor h,
                                         Tensor s, Tensor v, Tensor cur, Tensor adapt, Tensor state) {
        int len = timeSteps * n;
        float[] xa = new float[len], ha = new float[len], sa = new float[len], va = new float[len];
        float[] ca = op.synaptic() ? new float[len] : null, aa = op.adaptive() ? new float[len] : null;
        float[] st = new float[MultiStateNeuronOp.STATE_SLOTS * n];
        download(x, off, xa, 0, len);
        download(state, 0, st, 0, st.length);
        MultiStateNeuronKernel.forward(op, timeSteps, n, 0, wrap(xa), wrap(ha), wrap(sa), wrap(va), wrap(ca),
                wrap(aa), wrap(st));
        upload(ha, 0, h, off, len);
        upload(sa, 0, s, off, len);
        upload(va, 0, v, off, len);
        if (ca != null) {
            upload(ca, 0, cur, off, len);
        }
        if (aa != null) {
            upload(aa, 0, adapt, off, len);
        }
        upload(st, 0, state, 0, st.length);
    }

    /**
     * Exact BPTT of {@link #multiStateNeuronForward} over the same records: from the spike gradient {@code dS} writes
     * {@code dX} and carries the state gradient {@code dState [3, n]} (in: from the steps after these, zeros after
     * the pass's last; out: into the steps before). With {@code dDecays} non-null adds {@code dL/dalpha} to its
     * {@code [0]} and {@code dL/dcv} (a synaptic neuron's {@code beta}) to {@code [1]}; that needs the call to start
     * at the pass's first step. This default runs the scalar kernel on host copies.
     */
    default void multiStateNeuronBackward(MultiStateNeuronOp op, int timeSteps, int n, int off, Tensor dS, Tensor h,
                                          Tensor s, Tensor v, Tensor cur, Tensor adapt, Tensor dX, Tensor dState,
                                          double[] dDecays) {
        int len = timeSteps * n;
        float[] da = new float[len], ha = new float[len], sa = new float[len], va = new float[len];
        float[] ca = op.synaptic() ? new float[len] : null, aa = op.adaptive() ? new float[len] : null;
        float[] dx = new float[len], dst = new float[MultiStateNeuronOp.STATE_SLOTS * n];
        download(dS, off, da, 0, len);
        download(h, off, ha, 0, len);
        download(s, off, sa, 0, len);
        download(v, off, va, 0, len);
        if (ca != null) {
            download(cur, off, ca, 0, len);
        }
        if (aa != null) {
            download(adapt, off, aa, 0, len);
        }
        download(dState, 0, dst, 0, dst.length);
        MultiStateNeuronKernel.backward(op, timeSteps, n, 0, wrap(da), wrap(ha), wrap(sa), wrap(va), wrap(ca),
                wrap(aa), wrap(dx), wrap(dst), dDecays);
        upload(dx, 0, dX, off, len);
        upload(dst, 0, dState, 0, dst.length);
    }

    private static java.nio.FloatBuffer wrap(float[] a) {
        return a == null ? null : java.nio.FloatBuffer.wrap(a);
    }

    /** Reconstructs the membrane potentials after reset {@code V[t] = reset(H[t], S[t])} into {@code v [T, n]}. */
    void neuronVoltage(NeuronOp op, int timeSteps, int n, Tensor h, Tensor s, Tensor v);

    /** Unfolds one image {@code [C, H, W]} into columns {@code [C*kh*kw, Ho*Wo]} (zero padding). */
    void im2col(Tensor x, int xOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                Tensor col, int colOff);

    /** Adjoint of {@link #im2col}: accumulates the columns back into the image {@code dx [C, H, W]}. */
    void col2im(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                Tensor dx, int dxOff);

    /**
     * {@link #col2im} into an image that starts at zero: {@code dx [C, H, W]} at {@code dxOff} is overwritten, as
     * zeroing it first and accumulating would (the same sums from {@code +0}). A convolution's input gradient per
     * image, without a pass that zeroes all of {@code dx} and a read of those zeros back.
     */
    default void col2imSet(Tensor col, int colOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                           int pw, Tensor dx, int dxOff) {
        fill(dx, dxOff, c * h * w, 0f);
        col2im(col, colOff, c, h, w, kh, kw, sh, sw, ph, pw, dx, dxOff);
    }

    /**
     * Max pooling over {@code planes} planes of {@code H x W} (window k, stride s, no padding, floor mode);
     * stores the flat in-plane index of each maximum (first one on ties) in {@code argmax} as a float.
     */
    void maxPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y, Tensor argmax);

    /** Routes {@code dy} to the stored maxima: {@code dx} is overwritten (zero elsewhere). */
    void maxPoolBackward(Tensor dy, Tensor argmax, int planes, int h, int w, int k, int s, Tensor dx);

    /** Average pooling (window k, stride s, no padding, floor mode). */
    void avgPoolForward(Tensor x, int planes, int h, int w, int k, int s, Tensor y);

    /** Adjoint of average pooling: {@code dx} is overwritten. */
    void avgPoolBackward(Tensor dy, int planes, int h, int w, int k, int s, Tensor dx);

    /**
     * Batch normalization over {@code [B, C, HW]} per channel. Training: batch mean and biased variance, saved
     * as {@code mean[c]}, {@code invStd[c] = 1/sqrt(var + eps)}, and the running statistics updated with
     * {@code momentum} (unbiased variance, as PyTorch). Inference: the running statistics.
     * {@code y = gamma (x - mean) invStd + beta}; gamma and beta at {@code params[pOff]} and
     * {@code params[pOff + C]}.
     */
    void batchNormForward(Tensor x, int batch, int channels, int hw, Tensor params, int pOff, float eps,
                          boolean training, float momentum, Tensor runningMean, Tensor runningVar,
                          Tensor mean, Tensor invStd, Tensor y);

    /**
     * Backward of training-mode batch normalization: writes {@code dx} and accumulates
     * {@code dGamma, dBeta} at {@code grads[gOff]}, {@code grads[gOff + C]}.
     */
    void batchNormBackward(Tensor dy, Tensor x, int batch, int channels, int hw, Tensor params, int pOff,
                           Tensor mean, Tensor invStd, Tensor dx, Tensor grads, int gOff);

    @Override
    default void close() {
    }
}
