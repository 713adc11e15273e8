package io.github.sparksnn.train;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Encoder;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.model.Network;

/**
 * The {@link GradientEngine} on the {@link CpuBackend}: encode, forward over T steps, decode (firing rates, or the
 * reading the {@link Loss} names), loss,
 * BPTT, in chunks of at most {@link EngineConfig#maxChunk()} samples. Random draws (Poisson input, dropout) are
 * keyed by the call's seed and the sample index {@code i - from}, so results do not depend on the chunking
 * (batch normalization excepted: its statistics are per chunk). Workspaces are allocated on the first call
 * of a given size and reused: the steady state allocates nothing.
 *
 * <p>With a {@linkplain EngineConfig#sequenceInput() sequence input} a sample holds {@code T} slices, time-major;
 * they are reordered on the host from {@code [N, T, F]} to the network's {@code [T, N, F]} and uploaded once, so
 * step {@code t} sees slice {@code t} (no encoder, no repetition). The reordering is plain host work before the
 * upload every backend already does, so the CUDA backend needs no operation of its own for it.
 *
 * <p><b>Truncated BPTT</b> ({@link EngineConfig#tbpttWindow()} {@code = W < T}): the network runs window by window,
 * {@code W} steps a pass, each pass carrying the neurons' state on from the last ({@link Pass#keepState}, the
 * streaming mode's mechanism), so every workspace and tape is sized for {@code W * N} rows instead of {@code T * N}
 * and training memory stops growing with {@code T}. The loss stays the one over all {@code T} steps: a first pass
 * over the windows keeps only the network's outputs ({@code [T, N, classes]}, small), the loss gives their gradient,
 * then each window is run forward again from its carried state and back, with its slice of that gradient and no
 * gradient into the state it started from (the truncation). Parameters receive every window's contribution, the
 * use of a carried state at a window's first step included (a recurrent weight times the previous window's last
 * spikes, a learned decay times its last state): exactly the gradient of the same loss with each window's starting
 * state held constant. Why recompute rather than snnTorch's loss-per-window and update-per-window: the objective,
 * the batch and the optimizer step stay those of full BPTT (one update per batch, the same loss), which the
 * distributed trainer's bit-for-bit contract relies on; the price is a second forward. Why not exact checkpointed
 * BPTT (recompute and carry the state gradient across windows): the fused neuron kernels of both backends start
 * their backward from a zero state gradient, and truncation is what snnTorch and SpikingJelly users ask for.
 * A window {@code >= T} takes the untruncated path, so its gradients are full BPTT's, bit for bit. With an encoder
 * other than direct the encoded input ({@code [T, N, F]}) is still made once per chunk; a sequence input is
 * uploaded a window at a time.
 */
public final class CpuGradientEngine implements GradientEngine {
    private final EngineConfig config;
    private final Backend be;
    private final Network net;
    private final Encoder encoder;
    private final Loss loss;
    private final int f;
    private final int k;
    private final int tSteps;
    private final boolean sequence;
    private final int stepF; // floats per sample and step: f / T with a sequence input, else f
    private final boolean truncated; // 0 < tbpttWindow < T: the network runs window by window
    private final int window;        // steps a pass: the window when truncated, else T
    private Tensor win;              // one window of an encoded input (encoders other than direct, truncated)
    private final Pass pass = new Pass();
    private int capacity;
    private Tensor xIn;
    private Tensor encoded;
    private Tensor dOut;
    private float[] outHost = new float[0];
    private float[] dOutHost = new float[0];
    private float[] rates = new float[0];
    private float[] dRates = new float[0];
    private float[] seqHost = new float[0];

    /** A single-threaded engine (one BLAS thread, whatever {@code config.threads()} says). */
    public CpuGradientEngine(EngineConfig config) {
        this(config, new CpuBackend(1, config.backend().equals(CpuBackend.PORTABLE)));
    }

    /** An engine on a given backend (tests use the pure-Java GEMM backend this way). */
    public CpuGradientEngine(EngineConfig config, Backend backend) {
        this.config = config;
        this.be = backend;
        this.net = Network.build(config.spec(), config.inputShape(), be);
        this.encoder = Encoder.parse(config.encoder());
        this.loss = Loss.parse(config.loss());
        this.f = config.featureSize();
        this.k = net.outputSize();
        this.tSteps = config.timeSteps();
        this.sequence = config.sequenceInput();
        this.stepF = net.featureSize();
        this.truncated = config.truncated();
        this.window = truncated ? config.tbpttWindow() : tSteps;
        net.setParameters(net.initialParameters(config.seed()));
    }

    public EngineConfig config() {
        return config;
    }

    /** The network replica (for inspection, gradient checks and single-step inference). */
    public Network network() {
        return net;
    }

    /** Batch-norm running statistics of this replica (see {@link Network#runningStatistics()}); empty without BN. */
    public float[] runningStatistics() {
        return net.runningStatistics();
    }

    public void setRunningStatistics(float[] stats) {
        net.setRunningStatistics(stats);
    }

    /** The replica's batch-norm running statistics ({@link Network#runningStatistics()}). */
    @Override
    public float[] buffers() {
        return net.runningStatistics();
    }

    @Override
    public void setBuffers(float[] buffers) {
        int expected = net.runningStatistics().length;
        if (buffers.length != expected) {
            throw new IllegalArgumentException("expected " + expected + " buffer values (batch-norm running "
                    + "statistics), got " + buffers.length);
        }
        net.setRunningStatistics(buffers);
    }

    /** The backend's {@link Backend#describe()}: {@code cpu (...)}, or e.g. {@code cuda:0 (NVIDIA H200, ...)}. */
    @Override
    public String backendDescription() {
        return be.describe();
    }

    @Override
    public int numParameters() {
        return net.numParameters();
    }

    @Override
    public int featureSize() {
        return f;
    }

    @Override
    public int numClasses() {
        return k;
    }

    @Override
    public void setParameters(float[] params) {
        net.setParameters(params);
    }

    @Override
    public float[] parameters() {
        return net.parameters();
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        closeInputs();
        capacity = n;
        xIn = be.alloc(sequence ? 1 : n * f); // a sequence goes straight into encoded
        // truncated: a sequence arrives a window at a time and the direct encoder's static input needs no copy
        boolean whole = !truncated || !(sequence || encoder.isDirect());
        encoded = be.alloc(whole ? tSteps * n * stepF : sequence ? window * n * stepF : 1);
        win = truncated && whole ? be.alloc(window * n * stepF) : null;
        seqHost = sequence ? new float[window * n * stepF] : seqHost;
        dOut = be.alloc(window * n * k);
        outHost = new float[tSteps * n * k];
        dOutHost = new float[tSteps * n * k];
        rates = new float[n * k];
        dRates = new float[n * k];
        net.allocate(window, n);
    }

    private void closeInputs() {
        if (xIn != null) {
            xIn.close();
            encoded.close();
            dOut.close();
        }
        if (win != null) {
            win.close();
            win = null;
        }
    }

    private void checkRange(float[] features, int from, int to) {
        if (from < 0 || to < from || (long) to * f > features.length) {
            throw new IllegalArgumentException("sample range [" + from + ", " + to + ") does not fit " + features.length
                    + " floats of " + f + " features per sample");
        }
    }

    /** Encodes and runs the forward pass of samples [s, s+n); leaves the rates in {@link #rates}. */
    private void forwardChunk(float[] features, int s, int n, long from, long seed, boolean training) {
        if (truncated) {
            if (!sequence) {
                be.upload(features, s * f, xIn, 0, n * f);
                if (!encoder.isDirect()) {
                    encoder.encode(be, xIn, n, f, tSteps, seed, s - from, encoded);
                }
            }
            for (int t0 = 0; t0 < tSteps; t0 += window) {
                int len = Math.min(window, tSteps - t0);
                Tensor out = forwardWindow(features, s, n, from, seed, training, t0, len);
                be.download(out, 0, outHost, t0 * n * k, len * n * k);
            }
            loss.decode(outHost, tSteps, n, k, rates);
            return;
        }
        pass.set(tSteps, n, training, seed, s - from);
        Tensor out;
        if (sequence) {
            for (int t = 0; t < tSteps; t++) {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(features, (s + i) * f + t * stepF, seqHost, (t * n + i) * stepF, stepF);
                }
            }
            be.upload(seqHost, 0, encoded, 0, tSteps * n * stepF);
            out = net.forward(encoded, pass);
        } else if (encoder.isDirect()) {
            be.upload(features, s * f, xIn, 0, n * f);
            out = net.forwardStatic(xIn, pass); // the same input at every step: time-invariant layers run once
        } else {
            be.upload(features, s * f, xIn, 0, n * f);
            encoder.encode(be, xIn, n, f, tSteps, seed, s - from, encoded);
            out = net.forward(encoded, pass);
        }
        be.download(out, 0, outHost, 0, tSteps * n * k);
        loss.decode(outHost, tSteps, n, k, rates); // firing rates, or what the loss reads instead (a membrane)
    }

    /**
     * The forward of steps {@code [t0, t0 + len)} of samples {@code [s, s+n)}, carrying the state on from the window
     * before unless {@code t0 == 0}; the input is prepared by {@link #forwardChunk} (truncated BPTT only).
     */
    private Tensor forwardWindow(float[] features, int s, int n, long from, long seed, boolean training, int t0,
                                 int len) {
        pass.set(len, n, training, seed, s - from);
        pass.keepState = t0 > 0;
        if (sequence) {
            for (int t = 0; t < len; t++) {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(features, (s + i) * f + (t0 + t) * stepF, seqHost, (t * n + i) * stepF, stepF);
                }
            }
            be.upload(seqHost, 0, encoded, 0, len * n * stepF);
            return net.forward(encoded, pass);
        } else if (encoder.isDirect()) {
            return net.forwardStatic(xIn, pass);
        }
        be.copy(encoded, t0 * n * stepF, win, 0, len * n * stepF);
        return net.forward(win, pass);
    }

    /**
     * Truncated BPTT's backward of the chunk {@link #forwardChunk} ran: each window forward again from its carried
     * state, then back from its slice of {@code dOutHost}; the last window of the call reports the final ranges.
     */
    private void backwardWindows(float[] features, int s, int n, long from, long seed, boolean last, float[] gradSum,
                                 FinalRanges done) {
        for (int t0 = 0; t0 < tSteps; t0 += window) {
            int len = Math.min(window, tSteps - t0);
            forwardWindow(features, s, n, from, seed, true, t0, len);
            be.upload(dOutHost, t0 * n * k, dOut, 0, len * n * k);
            if (done != null && last && t0 + len >= tSteps) {
                finalFrom = net.numParameters();
                net.backward(dOut, pass, i -> finalDown(net.parameterOffset(i), gradSum, done));
            } else {
                net.backward(dOut, pass);
            }
        }
    }

    @Override
    public StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum) {
        return accumulateGradient(features, labels, from, to, seed, gradSum, 0);
    }

    /**
     * Reports each layer's gradient range as the backward pass of the last chunk completes it (earlier chunks only
     * accumulate into the network's gradient, so no range is final before the last), adding that range into
     * {@code gradSum} just before: the additions are {@code addGradientsTo}'s, element by element, so the bits are
     * the plain call's.
     */
    @Override
    public StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum,
                                        FinalRanges done) {
        if (gradSum == null || done == null) {
            throw new IllegalArgumentException("gradSum and the listener of final ranges must not be null");
        }
        return gradient(features, labels, from, to, seed, gradSum, 0, done);
    }

    /**
     * As {@link #accumulateGradient(float[], int[], int, int, long, float[])}, with the random draws of sample
     * {@code i} keyed by {@code sampleBase + (i - from)}: a share of a larger call draws what the whole call would.
     */
    StepStats accumulateGradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum,
                                 long sampleBase) {
        return gradient(features, labels, from, to, seed, gradSum, sampleBase, null);
    }

    /**
     * The gradient of a share of a larger call ({@code sampleBase} as above), left in this replica's network, where
     * {@link #readGradient} reads it range by range: no copy of the whole vector first.
     */
    StepStats shareGradientInPlace(float[] features, int[] labels, int from, int to, long seed, long sampleBase) {
        return gradient(features, labels, from, to, seed, null, sampleBase, null);
    }

    /**
     * As {@link #shareGradientInPlace(float[], int[], int, int, long, long)}, telling {@code done} (on this thread)
     * which ranges of the network's gradient are final, as the overload with a sum does; nothing is copied.
     */
    StepStats shareGradientInPlace(float[] features, int[] labels, int from, int to, long seed, long sampleBase,
                                   FinalRanges done) {
        return gradient(features, labels, from, to, seed, null, sampleBase, done);
    }

    /** {@code dst[dstOff + i] = grad[from + i]} for {@code i < len}, from the last gradient call. */
    void readGradient(int from, float[] dst, int dstOff, int len) {
        net.copyGradientsTo(from, dst, dstOff, len);
    }

    /** Adds the gradient of {@code [from, to)} to {@code gradSum}, or leaves it in the network when that is null. */
    private StepStats gradient(float[] features, int[] labels, int from, int to, long seed, float[] gradSum,
                               long sampleBase, FinalRanges done) {
        checkRange(features, from, to);
        if (to > labels.length) {
            throw new IllegalArgumentException("sample range [" + from + ", " + to + ") exceeds " + labels.length + " labels");
        }
        if (gradSum != null && gradSum.length != net.numParameters()) {
            throw new IllegalArgumentException("gradSum has length " + gradSum.length + ", expected " + net.numParameters());
        }
        net.zeroGradients();
        double lossSum = 0;
        long correct = 0;
        int chunk = Math.min(config.maxChunk(), Math.max(1, to - from));
        ensureCapacity(chunk);
        for (int s = from; s < to; s += chunk) {
            int n = Math.min(chunk, to - s);
            forwardChunk(features, s, n, from - sampleBase, seed, true);
            for (int i = 0; i < n; i++) {
                if (loss.correct(rates, i * k, k, labels[s + i])) {
                    correct++;
                }
            }
            lossSum += loss.lossAndGradient(outHost, tSteps, rates, labels, s, n, k, dRates, dOutHost);
            if (truncated) {
                backwardWindows(features, s, n, from - sampleBase, seed, s + n >= to, gradSum, done);
                continue;
            }
            be.upload(dOutHost, 0, dOut, 0, tSteps * n * k);
            if (done != null && s + n >= to) {
                finalFrom = net.numParameters();
                net.backward(dOut, pass, i -> finalDown(net.parameterOffset(i), gradSum, done));
            } else {
                net.backward(dOut, pass);
            }
        }
        if (done != null) {
            if (to == from) {
                finalFrom = net.numParameters();
                done.completed(0, finalFrom); // nothing to add: gradSum is final as it is
                finalFrom = 0;
            }
            finalDown(0, gradSum, done);
        } else if (gradSum != null && to > from) {
            net.addGradientsTo(gradSum);
        }
        return new StepStats(lossSum, correct, to - from);
    }

    /** {@code gradSum[finalFrom, ..)} has been reported final in the call under way. */
    private int finalFrom;
    private float[] rangeScratch = new float[0];

    /**
     * Adds the network's gradient over {@code [off, finalFrom)} into {@code gradSum} (unless that is null: the
     * gradient stays in the network) and reports it final.
     */
    private void finalDown(int off, float[] gradSum, FinalRanges done) {
        int len = finalFrom - off;
        if (len <= 0) {
            return;
        }
        if (gradSum == null) {
            finalFrom = off;
            done.completed(off, off + len);
            return;
        }
        if (rangeScratch.length < len) {
            rangeScratch = new float[net.numParameters()];
        }
        net.copyGradientsTo(off, rangeScratch, 0, len);
        for (int i = 0; i < len; i++) {
            gradSum[off + i] += rangeScratch[i];
        }
        finalFrom = off;
        done.completed(off, off + len);
    }

    @Override
    public void predictRates(float[] features, int from, int to, long seed, float[] ratesOut) {
        predictRates(features, from, to, seed, ratesOut, 0, 0);
    }

    /** Rates of {@code [from, to)} into {@code ratesOut} from {@code outOff}; draws keyed as in the gradient. */
    void predictRates(float[] features, int from, int to, long seed, float[] ratesOut, int outOff, long sampleBase) {
        checkRange(features, from, to);
        if ((long) (to - from) * k + outOff > ratesOut.length) {
            throw new IllegalArgumentException("ratesOut has length " + ratesOut.length + ", needs " + (to - from) * k);
        }
        int chunk = Math.min(config.maxChunk(), Math.max(1, to - from));
        ensureCapacity(chunk);
        for (int s = from; s < to; s += chunk) {
            int n = Math.min(chunk, to - s);
            forwardChunk(features, s, n, from - sampleBase, seed, false);
            System.arraycopy(rates, 0, ratesOut, outOff + (s - from) * k, n * k);
        }
    }

    @Override
    public void close() {
        net.close();
        closeInputs();
        be.close();
    }
}
