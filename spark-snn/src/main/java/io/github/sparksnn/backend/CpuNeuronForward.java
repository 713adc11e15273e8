package io.github.sparksnn.backend;

import static io.github.sparksnn.backend.CpuScratch.CHUNK;
import static io.github.sparksnn.backend.CpuScratch.STAGE;
import static io.github.sparksnn.backend.CpuScratch.b;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.nio.FloatBuffer;

/**
 * {@link CpuBackend}'s fused multi-step neuron forward: charge, fire and reset of every step, chunk by chunk of
 * neurons (optionally with a static input and with the spikes max-pooled while in L1), and the voltage rebuilt
 * from charges and spikes. The charge is written as one affine map h = cv v + cx x + c0:
 * <pre>
 *   IF: cv = 1, cx = 1, c0 = 0;  LIF decay_input: cv = 1 - k, cx = k, c0 = k v_r;  otherwise cv = 1 - k, cx = 1, c0 = k v_r
 * </pre>
 * (v_r = the reset potential in the charge, 0 for a soft reset). Loops stage chunks of the off-heap tensors
 * through small arrays (bulk copies), so the arithmetic runs on plain arrays in L1. {@link #chargeFireReset} is
 * shared with {@link CpuNeuronBackward}, which recomputes the forward with it (same bits).
 */
final class CpuNeuronForward {
    /** The spiking neuron forward's charge-fire-reset on the Vector API ({@link VectorNeuron}; same results). */
    static final boolean VECTOR = io.github.sparksnn.surrogate.SurrogateMath.vectorized();
    /**
     * Fewer neurons per call take the scalar loops: until C2 has compiled the vector loop, every Vector API operation
     * allocates, and small calls (a small model's steady state) reach C2 late; large layers compile it in a few calls.
     */
    static final int VECTOR_MIN_NEURONS = 16384;

    private final float[] stage1;
    private final float[] stage2;
    private final float[] stage3;
    private final float[] stage4;
    private final float[] stage5;
    private final float[] stage6;
    private final float[] stage7;

    CpuNeuronForward(CpuScratch scratch) {
        this.stage1 = scratch.stage1;
        this.stage2 = scratch.stage2;
        this.stage3 = scratch.stage3;
        this.stage4 = scratch.stage4;
        this.stage5 = scratch.stage5;
        this.stage6 = scratch.stage6;
        this.stage7 = scratch.stage7;
    }

    /** Branch-free Heaviside {@code z >= 0 ? 1 : 0} ({@code + 0f} turns -0 into +0, which counts as >= 0). */
    static float step(float z) {
        return 1 - (Float.floatToRawIntBits(z + 0f) >>> 31);
    }

    void forward(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticX, Tensor h, Tensor s,
                 Tensor v, int ph, int pw, int pk, int ps, Tensor y, Tensor argmax) {
        forward(op, timeSteps, n, x, staticX, h, s, v, ph, pw, pk, ps, y, argmax, false);
    }

    /**
     * {@code staticX}: {@code x} is {@code [n]}, the same at every step, instead of {@code [T, n]}. With {@code y}
     * non-null the spikes are also max-pooled (planes {@code ph x pw}, window {@code pk}, stride {@code ps}) into
     * {@code y} and {@code argmax}, chunk by chunk of whole planes. {@code lean}: the pass starts from the initial
     * potential (not read from {@code v}), and only {@code y} and {@code v} are written (not {@code h}, {@code s},
     * {@code argmax}).
     */
    void forward(NeuronOp op, int timeSteps, int n, Tensor x, boolean staticX, Tensor h, Tensor s,
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
    static boolean vectorNeurons(NeuronOp op, int n) {
        return VECTOR && op.surrogate().isSpiking() && n >= VECTOR_MIN_NEURONS;
    }

    /**
     * One step of one chunk, {@code h = charge(v, x)}, {@code s = fire(h)}, {@code v = reset(h, s)}: the forward's
     * arithmetic, shared with the backward that recomputes it, so that both give the same bits. The charges and
     * spikes go to {@code ha[o..]}, {@code sa[o..]}; {@code za} is scratch.
     */
    static void chargeFireReset(NeuronOp op, boolean vector, float[] xa, float[] va, float[] ha, float[] sa,
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

    /**
     * Max pooling of {@code planes} planes of spikes {@code sa} into {@code yp}, {@code ap}
     * ({@link CpuPoolingOps#maxPoolPlanes}).
     */
    static void maxPoolSpikes(NeuronOp op, float[] sa, int planes, int ph, int pw, int pk, int ps, float[] yp,
                              float[] ap) {
        if (op.surrogate().isSpiking() && pk == 2 && ps == 2) {
            CpuPoolingOps.maxPoolSpikes2x2(sa, planes, ph, pw, yp, ap);
        } else {
            CpuPoolingOps.maxPoolPlanes(sa, planes, ph, pw, pk, ps, yp, ap);
        }
    }

    void neuronVoltage(NeuronOp op, int timeSteps, int n, Tensor h, Tensor s, Tensor v) {
        FloatBuffer Hs = b(h), S = b(s), V = b(v);
        boolean hard = op.hardReset();
        float th = op.vThreshold(), vr = op.vReset();
        for (int i = 0; i < timeSteps * n; i++) {
            float hh = Hs.get(i), ss = S.get(i);
            V.put(i, hard ? hh * (1f - ss) + vr * ss : hh - th * ss);
        }
    }
}
