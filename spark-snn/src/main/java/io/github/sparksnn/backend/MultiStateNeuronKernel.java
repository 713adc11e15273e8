package io.github.sparksnn.backend;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.nio.FloatBuffer;

/**
 * The multi-state neuron's forward and exact BPTT ({@link MultiStateNeuronOp} has the equations), one scalar loop
 * over buffers indexed absolutely: {@link CpuBackend} passes its tensors' buffers, {@link Backend}'s default passes
 * host copies of any backend's tensors. Records {@code [T, n]} start at element {@code off}; the carried state and
 * its gradient are {@code [3, n]} (membrane, current, adaptation). A null record is one the op does not use.
 *
 * <p>Backward, per step from the last, with {@code gV = dL/dV[t]}, {@code gI = alpha dL/dI[t+1]} and
 * {@code gA = dL/da[t+1]} carried in:
 * <pre>
 * dS    = dL/dS[t] + gA + gV dV/dS          (dV/dS = v_reset - H or -theta; 0 with detach_reset)
 * dH    = gV dV/dH + dS g'(H - theta)       (dV/dH = 1 - S, or 1 for a soft reset)
 * dθ    = -dS g'(H - theta) - gV S          (the last term for a soft reset only)
 * dI    = cx dH + gI;   dX[t] = dI (synaptic) or cx dH
 * out:  gV = cv dH,   gI = alpha dI,   gA = rho gA + beta_a dθ
 * </pre>
 * and the decays' gradients {@code dL/dalpha = sum dI[t] I[t-1]}, {@code dL/dcv = sum dH[t] V[t-1]}.
 */
final class MultiStateNeuronKernel {
    private MultiStateNeuronKernel() {
    }

    /**
     * Forward of {@code T} steps of {@code n} neurons from the carried state {@code st} (updated in place): writes
     * the charges {@code h}, spikes {@code s}, potentials after reset {@code v}, the currents {@code cur}
     * (synaptic) and the adaptations used at each step {@code adapt} (adaptive).
     */
    static void forward(MultiStateNeuronOp op, int timeSteps, int n, int off, FloatBuffer x, FloatBuffer h,
                        FloatBuffer s, FloatBuffer v, FloatBuffer cur, FloatBuffer adapt, FloatBuffer st) {
        final float cv = op.cv(), cx = op.cx(), c0 = op.c0(), alpha = op.alpha(), rho = op.rho(), ba = op.betaA();
        final float th = op.vThreshold(), vr = op.vReset();
        final boolean hard = op.hardReset(), syn = op.synaptic(), adaptive = op.adaptive();
        final SurrogateFunction sg = op.surrogate();
        // step-major: each step reads and writes its records and the state contiguously
        for (int t = 0; t < timeSteps; t++) {
            final int row = off + t * n;
            for (int j = 0; j < n; j++) {
                final int i = row + j;
                float vv = st.get(j), aa = st.get(2 * n + j);
                float in = x.get(i);
                if (syn) {
                    final float ii = alpha * st.get(n + j) + in;
                    st.put(n + j, ii);
                    cur.put(i, ii);
                    in = ii;
                }
                final float hh = cv * vv + cx * in + c0;
                final float theta = adaptive ? th + ba * aa : th;
                final float sp = sg.forward(hh - theta);
                vv = hard ? hh + sp * (vr - hh) : hh - theta * sp;
                h.put(i, hh);
                s.put(i, sp);
                v.put(i, vv);
                st.put(j, vv);
                if (adaptive) {
                    adapt.put(i, aa);
                    st.put(2 * n + j, rho * aa + sp);
                }
            }
        }
    }

    /**
     * BPTT of {@link #forward}'s {@code T} steps from the spike gradient {@code dS}: writes {@code dX} and carries the
     * state gradient {@code dst} (in: from the steps after this call, 0 after the last step; out: into the steps
     * before it). With {@code dDecays} non-null adds {@code dL/dalpha} to {@code [0]} and {@code dL/dcv} to {@code [1]};
     * that needs the call to start at the pass's first step ({@code V[-1] = v_init}, {@code I[-1] = 0}).
     */
    static void backward(MultiStateNeuronOp op, int timeSteps, int n, int off, FloatBuffer dS, FloatBuffer h,
                         FloatBuffer s, FloatBuffer v, FloatBuffer cur, FloatBuffer adapt, FloatBuffer dX,
                         FloatBuffer dst, double[] dDecays) {
        final float cv = op.cv(), cx = op.cx(), alpha = op.alpha(), rho = op.rho(), ba = op.betaA();
        final float th = op.vThreshold(), vr = op.vReset(), vInit = op.vInit();
        final boolean hard = op.hardReset(), syn = op.synaptic(), adaptive = op.adaptive(), detach = op.detachReset();
        final SurrogateFunction sg = op.surrogate();
        double dAlpha = 0, dCv = 0;
        for (int t = timeSteps - 1; t >= 0; t--) {
            final int row = off + t * n;
            for (int j = 0; j < n; j++) {
                final int i = row + j;
                final float gV = dst.get(j), gI = dst.get(n + j), gA = dst.get(2 * n + j);
                final float hh = h.get(i), sp = s.get(i);
                final float theta = adaptive ? th + ba * adapt.get(i) : th;
                final float g = sg.gradient(hh - theta);
                float dSt = dS.get(i) + (adaptive ? gA : 0f);
                if (!detach) {
                    dSt += gV * (hard ? vr - hh : -theta);
                }
                final float dH = gV * (hard ? 1f - sp : 1f) + dSt * g;
                final float dI = cx * dH + (syn ? gI : 0f);
                dX.put(i, syn ? dI : cx * dH);
                if (adaptive) {
                    final float dTheta = -dSt * g - (hard ? 0f : gV * sp);
                    dst.put(2 * n + j, rho * gA + ba * dTheta);
                }
                if (dDecays != null) {
                    dAlpha += syn && t > 0 ? (double) dI * cur.get(i - n) : 0;
                    dCv += (double) dH * (t > 0 ? v.get(i - n) : vInit);
                }
                dst.put(j, cv * dH);
                dst.put(n + j, alpha * dI);
            }
        }
        if (dDecays != null) {
            dDecays[0] += dAlpha;
            dDecays[1] += dCv;
        }
    }
}
