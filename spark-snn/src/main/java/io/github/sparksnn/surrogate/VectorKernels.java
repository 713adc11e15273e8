package io.github.sparksnn.surrogate;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bulk gradients of the transcendental surrogates (Sigmoid, PiecewiseExp, Erf, S2NN, SquarewaveFourierSeries)
 * with the Vector API: floats are widened to double lanes, {@link SurrogateMath}'s exp/cos run lane-wise with the
 * same operations as the scalar code, and the result is rounded once to float. Every lane therefore equals the
 * scalar float method bit for bit; the tail (fewer than one vector of elements) runs the scalar code.
 *
 * <p>Only loaded when {@link SurrogateMath#VECTOR} is true ({@code jdk.incubator.vector} resolved in the boot layer,
 * which {@code --add-modules=jdk.incubator.vector} does, and not disabled with {@code -Dsnn.vector=false}). Each
 * loop is written out in full rather than through a shared helper taking a lambda: a vector that crosses a call
 * the JIT does not inline is boxed, and the loop falls to a small fraction of its speed.
 *
 * <p>{@code gradOut == null} means "the gradient itself" ({@code out = g'(x)}); otherwise
 * {@code out[oOff + i] = gradOut[oOff + i] * g'(x[xOff + i])}, in place when {@code out == gradOut}.
 */
final class VectorKernels {
    private VectorKernels() {
    }

    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));

    /** Double lanes per vector (the float species has the same count); used by the availability probe. */
    static int lanes() {
        if (FS.length() != DS.length()) {
            throw new IllegalStateException("float and double species differ in lanes: " + FS + ", " + DS);
        }
        return DS.length();
    }

    private static DoubleVector widen(float[] a, int off) {
        return (DoubleVector) FloatVector.fromArray(FS, a, off).convertShape(VectorOperators.F2D, DS, 0);
    }

    private static void store(DoubleVector g, float[] gradOut, float[] out, int off) {
        store((FloatVector) g.convertShape(VectorOperators.D2F, FS, 0), gradOut, out, off);
    }

    /** {@code num / den} rounded to float first and divided in float: a float division costs a third of a double one. */
    private static void storeQuotient(DoubleVector num, DoubleVector den, float[] gradOut, float[] out, int off) {
        FloatVector n = (FloatVector) num.convertShape(VectorOperators.D2F, FS, 0);
        FloatVector d = (FloatVector) den.convertShape(VectorOperators.D2F, FS, 0);
        store(n.div(d), gradOut, out, off);
    }

    private static void store(FloatVector f, float[] gradOut, float[] out, int off) {
        if (gradOut != null) {
            f = FloatVector.fromArray(FS, gradOut, off).mul(f);
        }
        f.intoArray(out, off);
    }

    /** {@link SurrogateMath#exp}, lane-wise with the same operations. */
    private static DoubleVector exp(DoubleVector t) {
        DoubleVector u = t.max(SurrogateMath.EXP_MIN).min(SurrogateMath.EXP_MAX);
        DoubleVector v = u.fma(SurrogateMath.LOG2E, SurrogateMath.MAGIC);
        DoubleVector k = v.sub(SurrogateMath.MAGIC);
        DoubleVector r = k.fma(DoubleVector.broadcast(DS, -SurrogateMath.LN2_HI), u);
        r = k.fma(DoubleVector.broadcast(DS, -SurrogateMath.LN2_LO), r);
        DoubleVector p = r.fma(SurrogateMath.E8, SurrogateMath.E7);
        p = p.fma(r, DoubleVector.broadcast(DS, SurrogateMath.E6));
        p = p.fma(r, DoubleVector.broadcast(DS, SurrogateMath.E5));
        p = p.fma(r, DoubleVector.broadcast(DS, SurrogateMath.E4));
        p = p.fma(r, DoubleVector.broadcast(DS, SurrogateMath.E3));
        p = p.fma(r, DoubleVector.broadcast(DS, SurrogateMath.E2));
        p = r.mul(r).fma(p, r).add(1.0);
        LongVector bits = (LongVector) v.reinterpretAsLongs();
        DoubleVector scale = (DoubleVector) bits.add(1023L).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        return p.mul(scale);
    }

    /** {@link SurrogateMath#cos} for lanes with {@code |t| <= COS_LIMIT} (the caller checks). */
    private static DoubleVector cos(DoubleVector t) {
        DoubleVector v = t.fma(SurrogateMath.INV_PI, -0.5).add(SurrogateMath.MAGIC);
        DoubleVector m = v.sub(SurrogateMath.MAGIC).mul(2.0).add(1.0);
        DoubleVector r = m.fma(DoubleVector.broadcast(DS, -SurrogateMath.PIO2_1), t);
        r = m.fma(DoubleVector.broadcast(DS, -SurrogateMath.PIO2_2), r);
        r = m.fma(DoubleVector.broadcast(DS, -SurrogateMath.PIO2_3), r);
        DoubleVector r2 = r.mul(r);
        DoubleVector s = r2.fma(SurrogateMath.S15, SurrogateMath.S13);
        s = s.fma(r2, DoubleVector.broadcast(DS, SurrogateMath.S11));
        s = s.fma(r2, DoubleVector.broadcast(DS, SurrogateMath.S9));
        s = s.fma(r2, DoubleVector.broadcast(DS, SurrogateMath.S7));
        s = s.fma(r2, DoubleVector.broadcast(DS, SurrogateMath.S5));
        s = s.fma(r2, DoubleVector.broadcast(DS, SurrogateMath.S3));
        s = r.mul(r2).fma(s, r);
        LongVector sign = ((LongVector) v.reinterpretAsLongs()).add(1L).lanewise(VectorOperators.LSHL, 63);
        return (DoubleVector) ((LongVector) s.reinterpretAsLongs()).lanewise(VectorOperators.XOR, sign).reinterpretAsDoubles();
    }

    static void sigmoid(double a, float[] gradOut, float[] x, int xOff, float[] out, int oOff, int n) {
        final int step = FS.length();
        final double na = -a;
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            DoubleVector e = exp(widen(x, xOff + i).abs().mul(na));
            DoubleVector d = e.add(1.0);
            storeQuotient(e.mul(a), d.mul(d), gradOut, out, oOff + i);
        }
        for (; i < n; i++) {
            float g = SurrogateMath.sigmoidGradient(x[xOff + i], a);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    static void expAbs(double a, double h, float[] gradOut, float[] x, int xOff, float[] out, int oOff, int n) {
        final int step = FS.length();
        final double na = -a;
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            DoubleVector e = exp(widen(x, xOff + i).abs().mul(na));
            store(e.mul(h), gradOut, out, oOff + i);
        }
        for (; i < n; i++) {
            float g = SurrogateMath.expAbsGradient(x[xOff + i], a, h);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    static void gauss(double a, double k, float[] gradOut, float[] x, int xOff, float[] out, int oOff, int n) {
        final int step = FS.length();
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            DoubleVector z = widen(x, xOff + i).mul(a);
            DoubleVector e = exp(z.mul(z).neg());
            store(e.mul(k), gradOut, out, oOff + i);
        }
        for (; i < n; i++) {
            float g = SurrogateMath.gaussGradient(x[xOff + i], a, k);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    static void s2nn(double a, double b, float[] gradOut, float[] x, int xOff, float[] out, int oOff, int n) {
        final int step = FS.length();
        final double na = -a;
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            DoubleVector xv = widen(x, xOff + i);
            DoubleVector e = exp(xv.abs().mul(na));
            DoubleVector d = e.add(1.0);
            VectorMask<Double> neg = xv.compare(VectorOperators.LT, 0.0);
            DoubleVector num = DoubleVector.broadcast(DS, b).blend(e.mul(a), neg);
            DoubleVector den = xv.add(1.0).blend(d.mul(d), neg);
            storeQuotient(num, den, gradOut, out, oOff + i);
        }
        for (; i < n; i++) {
            float g = SurrogateMath.s2nnGradient(x[xOff + i], a, b);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    static void cosSeries(double w, double scale, int harmonics, float[] gradOut, float[] x, int xOff, float[] out,
                          int oOff, int n) {
        final int step = FS.length();
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            DoubleVector t = widen(x, xOff + i).mul(w);
            if (!t.abs().compare(VectorOperators.LE, SurrogateMath.COS_LIMIT).allTrue()) {
                for (int j = i; j < i + step; j++) { // a huge or non-finite phase: Math.cos, as the scalar code
                    float g = SurrogateMath.cosSeries(x[xOff + j], w, scale, harmonics);
                    out[oOff + j] = gradOut == null ? g : gradOut[oOff + j] * g;
                }
                continue;
            }
            DoubleVector c1 = cos(t);
            if (harmonics == 2) { // the default: one harmonic, no recurrence (0 + c1 is c1 exactly, as the scalar sum)
                store(c1.mul(scale), gradOut, out, oOff + i);
                continue;
            }
            DoubleVector twoC2 = c1.mul(2.0).mul(c1).sub(1.0).mul(2.0);
            DoubleVector prev = c1;
            DoubleVector cur = c1;
            DoubleVector sum = DoubleVector.zero(DS);
            for (int h = 1; h < harmonics; h++) {
                sum = sum.add(cur);
                DoubleVector next = twoC2.mul(cur).sub(prev);
                prev = cur;
                cur = next;
            }
            store(sum.mul(scale), gradOut, out, oOff + i);
        }
        for (; i < n; i++) {
            float g = SurrogateMath.cosSeries(x[xOff + i], w, scale, harmonics);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }
}
