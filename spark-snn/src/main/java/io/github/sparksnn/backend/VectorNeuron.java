package io.github.sparksnn.backend;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The charge-fire-reset pass of the spiking (Heaviside) neuron forward on the Vector API, one step of one chunk:
 * {@code h = cv v + cx x + c0}, {@code s = step(h - th)}, then the hard ({@code v = h + s (vr - h)}) or soft
 * ({@code v = h - th s}) reset. The same float operations in the same order as {@link CpuNeuronForward}'s scalar loops
 * (no fused multiply-add), with the step taken from the sign bit of {@code (h - th) + 0} as there (all ones
 * by an arithmetic shift, then the bits of 1.0f where it is clear), so every lane
 * equals the scalar result bit for bit (a NaN charge aside: which operand's NaN an add passes on is the hardware's
 * and the JIT's choice, on either path, and the spike of a NaN charge follows its sign bit); the tail runs the scalar
 * code. C2 does not vectorize the scalar step (a
 * float-to-int bit move), which is why this class exists.
 *
 * <p>Only loaded where {@link io.github.sparksnn.surrogate.SurrogateMath#vectorized()} holds. The loop is written
 * out with no helper between load and store, so that no vector is boxed (see the surrogates' VectorKernels).
 */
final class VectorNeuron {
    private VectorNeuron() {
    }

    /**
     * The float species of the surrogates' VectorKernels (half the preferred double width: 256 bits with AVX-512).
     * One float shape per JVM: a second one makes the Vector API's shared call sites polymorphic, and C2 then boxes
     * the vectors of whichever loop it compiles second (seen as 16 KiB allocated per 1024-float call).
     */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DoubleVector.SPECIES_PREFERRED.vectorBitSize() / 2));
    /** The bits of {@code 1.0f}; a lane's spike is these bits or 0 ({@code +0.0f}), as the scalar {@code 1 - sign}. */
    private static final int ONE_BITS = Float.floatToRawIntBits(1f);

    static void chargeFire(float[] xa, float[] va, float[] ha, float[] sa, int len, float cv, float cx, float c0,
                           float th, float vr, boolean hard) {
        chargeFire(xa, va, ha, sa, 0, len, cv, cx, c0, th, vr, hard);
    }

    /** {@link #chargeFire} with the charges and spikes written at {@code ha[o..]}, {@code sa[o..]}. */
    static void chargeFire(float[] xa, float[] va, float[] ha, float[] sa, int o, int len, float cv, float cx,
                           float c0, float th, float vr, boolean hard) {
        final int step = FS.length();
        int j = 0;
        // one loop per reset: a vector that merges two branches would be boxed
        if (hard) {
            for (int end = len - step; j <= end; j += step) {
                FloatVector h = FloatVector.fromArray(FS, va, j).mul(cv)
                        .add(FloatVector.fromArray(FS, xa, j).mul(cx)).add(c0);
                FloatVector s = h.sub(th).add(0f).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).not()
                        .and(ONE_BITS).reinterpretAsFloats();
                h.intoArray(ha, o + j);
                s.intoArray(sa, o + j);
                h.add(s.mul(h.neg().add(vr))).intoArray(va, j);
            }
        } else {
            for (int end = len - step; j <= end; j += step) {
                FloatVector h = FloatVector.fromArray(FS, va, j).mul(cv)
                        .add(FloatVector.fromArray(FS, xa, j).mul(cx)).add(c0);
                FloatVector s = h.sub(th).add(0f).reinterpretAsInts().lanewise(VectorOperators.ASHR, 31).not()
                        .and(ONE_BITS).reinterpretAsFloats();
                h.intoArray(ha, o + j);
                s.intoArray(sa, o + j);
                h.sub(s.mul(th)).intoArray(va, j);
            }
        }
        for (; j < len; j++) {
            float hj = cv * va[j] + cx * xa[j] + c0;
            float sj = 1 - (Float.floatToRawIntBits(hj - th + 0f) >>> 31);
            ha[o + j] = hj;
            sa[o + j] = sj;
            va[j] = hard ? hj + sj * (vr - hj) : hj - th * sj;
        }
    }

    /**
     * {@code steps[j] = ((steps[j] + steps[stride + j]) + steps[2 stride + j]) + ...} over {@code timeSteps} rows:
     * a static input's gradient summed over time in step order. (C2 does not vectorize the scalar loop, whose two
     * indices into one array might overlap.) One pass per step, adding that row into the first: a vector carried
     * across an inner loop over the steps took 0.41 ns an output against 0.23 for this (measured, T = 4).
     */
    static void sumSteps(float[] steps, int timeSteps, int stride, int len) {
        final int step = FS.length();
        for (int t = 1; t < timeSteps; t++) {
            final int o = t * stride;
            int j = 0;
            for (int end = len - step; j <= end; j += step) {
                FloatVector.fromArray(FS, steps, j).add(FloatVector.fromArray(FS, steps, o + j)).intoArray(steps, j);
            }
            for (; j < len; j++) {
                steps[j] += steps[o + j];
            }
        }
    }

    /** {@code za = ha[o..] - th} ({@link CpuNeuronBackward}'s loop before the surrogate gradient; same results). */
    static void minusThreshold(float[] ha, int o, float th, float[] za, int len) {
        final int step = FS.length();
        int j = 0;
        for (int end = len - step; j <= end; j += step) {
            FloatVector.fromArray(FS, ha, o + j).sub(th).intoArray(za, j);
        }
        for (; j < len; j++) {
            za[j] = ha[o + j] - th;
        }
    }

    /**
     * One step of the BPTT backward after the surrogate gradient {@code ga = g'(h - th)} (charges and spikes at
     * {@code ha[o..]}, {@code sa[o..]}): {@code da} goes from
     * {@code dL/dS[t]} to {@code dL/dH[t]} (through the reset, whose {@code dV/dS} term {@code detach} cuts), then
     * {@code dv = dL/dH dH/dV[t-1]} and {@code da = dL/dH dH/dX[t]}. The float operations of
     * {@link CpuNeuronBackward}'s scalar loops in their order (no fused multiply-add), so every lane equals them bit
     * for bit. C2 vectorizes those loops as a method of their own but not always once inlined into the backward
     * kernel, where they ran at 3 ns a neuron and step; hence this.
     */
    static void chargeGradient(float[] ha, float[] sa, int o, float[] da, float[] dv, float[] ga, int len,
                               boolean hard, boolean detach, float th, float vr, float dHdV, float dHdX) {
        final int step = FS.length();
        int j = 0;
        // one loop per case: a vector that merges two branches would be boxed
        if (hard && detach) {
            for (int end = len - step; j <= end; j += step) {
                FloatVector d = FloatVector.fromArray(FS, dv, j);
                FloatVector dh = d.mul(FloatVector.broadcast(FS, 1f).sub(FloatVector.fromArray(FS, sa, o + j)))
                        .add(FloatVector.fromArray(FS, da, j).add(0f).mul(FloatVector.fromArray(FS, ga, j)));
                dh.mul(dHdV).intoArray(dv, j);
                dh.mul(dHdX).intoArray(da, j);
            }
        } else if (hard) {
            for (int end = len - step; j <= end; j += step) {
                FloatVector d = FloatVector.fromArray(FS, dv, j);
                FloatVector dSt = FloatVector.fromArray(FS, da, j)
                        .add(d.mul(FloatVector.broadcast(FS, vr).sub(FloatVector.fromArray(FS, ha, o + j))));
                FloatVector dh = d.mul(FloatVector.broadcast(FS, 1f).sub(FloatVector.fromArray(FS, sa, o + j)))
                        .add(dSt.mul(FloatVector.fromArray(FS, ga, j)));
                dh.mul(dHdV).intoArray(dv, j);
                dh.mul(dHdX).intoArray(da, j);
            }
        } else if (detach) {
            for (int end = len - step; j <= end; j += step) {
                FloatVector dh = FloatVector.fromArray(FS, dv, j)
                        .add(FloatVector.fromArray(FS, da, j).sub(0f).mul(FloatVector.fromArray(FS, ga, j)));
                dh.mul(dHdV).intoArray(dv, j);
                dh.mul(dHdX).intoArray(da, j);
            }
        } else {
            for (int end = len - step; j <= end; j += step) {
                FloatVector d = FloatVector.fromArray(FS, dv, j);
                FloatVector dh = d.add(FloatVector.fromArray(FS, da, j).sub(d.mul(th))
                        .mul(FloatVector.fromArray(FS, ga, j)));
                dh.mul(dHdV).intoArray(dv, j);
                dh.mul(dHdX).intoArray(da, j);
            }
        }
        for (; j < len; j++) {
            float dSt = hard ? da[j] + (detach ? 0f : dv[j] * (vr - ha[o + j])) : da[j] - (detach ? 0f : dv[j] * th);
            float dh = hard ? dv[j] * (1f - sa[o + j]) + dSt * ga[j] : dv[j] + dSt * ga[j];
            dv[j] = dh * dHdV;
            da[j] = dh * dHdX;
        }
    }
}
