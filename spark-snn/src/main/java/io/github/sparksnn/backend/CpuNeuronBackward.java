package io.github.sparksnn.backend;

import static io.github.sparksnn.backend.CpuNeuronForward.VECTOR;
import static io.github.sparksnn.backend.CpuNeuronForward.VECTOR_MIN_NEURONS;
import static io.github.sparksnn.backend.CpuScratch.CHUNK;
import static io.github.sparksnn.backend.CpuScratch.STAGE;
import static io.github.sparksnn.backend.CpuScratch.b;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.nio.FloatBuffer;

/**
 * {@link CpuBackend}'s fused multi-step neuron backward (BPTT), chunk by chunk of neurons, backwards over the steps:
 * the surrogate gradient, the reset's path (cut by {@code detach}), PLIF's {@code dL/dk}; fused with the sum over
 * steps of a static input and with the max pooling's routing, and, for the recomputing variant, the forward of each
 * chunk run again ({@link CpuNeuronForward#chargeFireReset}) instead of read back. The CUDA twin
 * ({@code gpu}'s {@code NeuronKernelSource}) performs the same float operations.
 */
final class CpuNeuronBackward {
    private final float[] stage1;
    private final float[] stage2;
    private final float[] stage3;
    private final float[] stage4;
    private final float[] stage5;
    private final float[] stage6;
    private final float[] stage7;
    private final float[] stage8;
    private final float[] stage9;
    private final float[] stage10;

    CpuNeuronBackward(CpuScratch scratch) {
        this.stage1 = scratch.stage1;
        this.stage2 = scratch.stage2;
        this.stage3 = scratch.stage3;
        this.stage4 = scratch.stage4;
        this.stage5 = scratch.stage5;
        this.stage6 = scratch.stage6;
        this.stage7 = scratch.stage7;
        this.stage8 = scratch.stage8;
        this.stage9 = scratch.stage9;
        this.stage10 = scratch.stage10;
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
    double backward(NeuronOp op, int timeSteps, int n, Tensor dS, Tensor h, Tensor s, Tensor x,
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
        final boolean vector = recompute && CpuNeuronForward.vectorNeurons(op, n);
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
                    CpuNeuronForward.chargeFireReset(op, vector, hp, sp, rh, rs, t * chunk, ga, len);
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
                            CpuNeuronForward.maxPoolSpikes(op, sa, planes, ph, pw, pk, ps, yp, ap);
                        } else {
                            A.get(first * pohw, ap, 0, planes * pohw);
                        }
                        CpuPoolingOps.maxPoolBackPlanes(gp, ap, planes, ph, pw, pk, ps, da);
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
}
