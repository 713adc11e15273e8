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
 * same operations as the scalar code, and the result is rounded to float as the scalar code rounds it (once for
 * PiecewiseExp, Erf and SquarewaveFourierSeries; S2NN's and Sigmoid's float steps as in {@link SurrogateMath}). Every
 * lane therefore equals the scalar float method bit for bit; the tail (fewer than one vector of elements) runs the
 * scalar code.
 *
 * <p>Only loaded when {@link SurrogateMath#VECTOR} is true ({@code jdk.incubator.vector} resolved in the boot layer,
 * which {@code --add-modules=jdk.incubator.vector} does, and not disabled with {@code -Dsnn.vector=false}). Each
 * loop is written out in full, exp and cos included, with no helper method between the loads and the store: a
 * vector that crosses a call the JIT does not inline is boxed (C2 declines to inline a helper once it has compiled
 * it separately beyond {@code InlineSmallCode}), and the loop then allocates on every iteration and falls to a
 * small fraction of its speed. (The steady-state allocation test of the training loop catches that.)
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

    // broadcast constants, hoisted (the same values SurrogateMath uses)
    private static final DoubleVector NLN2_HI = DoubleVector.broadcast(DS, -SurrogateMath.LN2_HI);
    private static final DoubleVector NLN2_LO = DoubleVector.broadcast(DS, -SurrogateMath.LN2_LO);
    private static final DoubleVector E11 = DoubleVector.broadcast(DS, SurrogateMath.E11);
    private static final DoubleVector E10 = DoubleVector.broadcast(DS, SurrogateMath.E10);
    private static final DoubleVector E9 = DoubleVector.broadcast(DS, SurrogateMath.E9);
    private static final DoubleVector E8 = DoubleVector.broadcast(DS, SurrogateMath.E8);
    private static final DoubleVector E7 = DoubleVector.broadcast(DS, SurrogateMath.E7);
    private static final DoubleVector E6 = DoubleVector.broadcast(DS, SurrogateMath.E6);
    private static final DoubleVector E5 = DoubleVector.broadcast(DS, SurrogateMath.E5);
    private static final DoubleVector E4 = DoubleVector.broadcast(DS, SurrogateMath.E4);
    private static final DoubleVector E3 = DoubleVector.broadcast(DS, SurrogateMath.E3);
    private static final DoubleVector E2 = DoubleVector.broadcast(DS, SurrogateMath.E2);
    private static final DoubleVector NPIO2_1 = DoubleVector.broadcast(DS, -SurrogateMath.PIO2_1);
    private static final DoubleVector NPIO2_2 = DoubleVector.broadcast(DS, -SurrogateMath.PIO2_2);
    private static final DoubleVector NPIO2_3 = DoubleVector.broadcast(DS, -SurrogateMath.PIO2_3);
    private static final DoubleVector S11 = DoubleVector.broadcast(DS, SurrogateMath.S11);
    private static final DoubleVector S9 = DoubleVector.broadcast(DS, SurrogateMath.S9);
    private static final DoubleVector S7 = DoubleVector.broadcast(DS, SurrogateMath.S7);
    private static final DoubleVector S5 = DoubleVector.broadcast(DS, SurrogateMath.S5);
    private static final DoubleVector S3 = DoubleVector.broadcast(DS, SurrogateMath.S3);

    static void sigmoid(float a, float[] gradOut, float[] x, int xOff, float[] out, int oOff, int n) {
        final int step = FS.length();
        final float na = -a;
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            // the argument is a float product and the tail float arithmetic, as the CUDA twin (see SurrogateMath)
            DoubleVector t = (DoubleVector) FloatVector.fromArray(FS, x, xOff + i).abs().mul(na)
                    .convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector eu = t.max(SurrogateMath.EXP_MIN).min(SurrogateMath.EXP_MAX);
            DoubleVector ev = eu.fma(SurrogateMath.LOG2E, SurrogateMath.MAGIC);
            DoubleVector ek = ev.sub(SurrogateMath.MAGIC);
            DoubleVector er = ek.fma(NLN2_HI, eu);
            er = ek.fma(NLN2_LO, er);
            DoubleVector ep = er.fma(SurrogateMath.E13, SurrogateMath.E12);
            ep = ep.fma(er, E11);
            ep = ep.fma(er, E10);
            ep = ep.fma(er, E9);
            ep = ep.fma(er, E8);
            ep = ep.fma(er, E7);
            ep = ep.fma(er, E6);
            ep = ep.fma(er, E5);
            ep = ep.fma(er, E4);
            ep = ep.fma(er, E3);
            ep = ep.fma(er, E2);
            ep = er.mul(er).fma(ep, er).add(1.0);
            DoubleVector e = ep.mul(((LongVector) ev.reinterpretAsLongs()).add(1023L).lanewise(VectorOperators.LSHL, 52)
                    .reinterpretAsDoubles());
            FloatVector ef = (FloatVector) e.convertShape(VectorOperators.D2F, FS, 0);
            FloatVector d = ef.add(1f);
            FloatVector f = ef.mul(a).div(d.mul(d));
            if (gradOut != null) {
                f = FloatVector.fromArray(FS, gradOut, oOff + i).mul(f);
            }
            f.intoArray(out, oOff + i);
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
            DoubleVector xv = (DoubleVector) FloatVector.fromArray(FS, x, xOff + i).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector t = xv.abs().mul(na);
            DoubleVector eu = t.max(SurrogateMath.EXP_MIN).min(SurrogateMath.EXP_MAX);
            DoubleVector ev = eu.fma(SurrogateMath.LOG2E, SurrogateMath.MAGIC);
            DoubleVector ek = ev.sub(SurrogateMath.MAGIC);
            DoubleVector er = ek.fma(NLN2_HI, eu);
            er = ek.fma(NLN2_LO, er);
            DoubleVector ep = er.fma(SurrogateMath.E8, SurrogateMath.E7); // degree 8: see SurrogateMath.exp8
            ep = ep.fma(er, E6);
            ep = ep.fma(er, E5);
            ep = ep.fma(er, E4);
            ep = ep.fma(er, E3);
            ep = ep.fma(er, E2);
            ep = er.mul(er).fma(ep, er).add(1.0);
            DoubleVector e = ep.mul(((LongVector) ev.reinterpretAsLongs()).add(1023L).lanewise(VectorOperators.LSHL, 52)
                    .reinterpretAsDoubles());
            FloatVector f = ((FloatVector) e.mul(h).convertShape(VectorOperators.D2F, FS, 0));
            if (gradOut != null) {
                f = FloatVector.fromArray(FS, gradOut, oOff + i).mul(f);
            }
            f.intoArray(out, oOff + i);
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
            DoubleVector xv = (DoubleVector) FloatVector.fromArray(FS, x, xOff + i).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector z = xv.mul(a);
            DoubleVector t = z.mul(z).neg();
            DoubleVector eu = t.max(SurrogateMath.EXP_MIN).min(SurrogateMath.EXP_MAX);
            DoubleVector ev = eu.fma(SurrogateMath.LOG2E, SurrogateMath.MAGIC);
            DoubleVector ek = ev.sub(SurrogateMath.MAGIC);
            DoubleVector er = ek.fma(NLN2_HI, eu);
            er = ek.fma(NLN2_LO, er);
            DoubleVector ep = er.fma(SurrogateMath.E8, SurrogateMath.E7); // degree 8: see SurrogateMath.exp8
            ep = ep.fma(er, E6);
            ep = ep.fma(er, E5);
            ep = ep.fma(er, E4);
            ep = ep.fma(er, E3);
            ep = ep.fma(er, E2);
            ep = er.mul(er).fma(ep, er).add(1.0);
            DoubleVector e = ep.mul(((LongVector) ev.reinterpretAsLongs()).add(1023L).lanewise(VectorOperators.LSHL, 52)
                    .reinterpretAsDoubles());
            FloatVector f = ((FloatVector) e.mul(k).convertShape(VectorOperators.D2F, FS, 0));
            if (gradOut != null) {
                f = FloatVector.fromArray(FS, gradOut, oOff + i).mul(f);
            }
            f.intoArray(out, oOff + i);
        }
        for (; i < n; i++) {
            float g = SurrogateMath.gaussGradient(x[xOff + i], a, k);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }

    static void s2nn(double a, double b, float[] gradOut, float[] x, int xOff, float[] out, int oOff, int n) {
        final int step = FS.length();
        final double na = -a;
        final DoubleVector bv = DoubleVector.broadcast(DS, b);
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            DoubleVector xv = (DoubleVector) FloatVector.fromArray(FS, x, xOff + i).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector t = xv.abs().mul(na);
            DoubleVector eu = t.max(SurrogateMath.EXP_MIN).min(SurrogateMath.EXP_MAX);
            DoubleVector ev = eu.fma(SurrogateMath.LOG2E, SurrogateMath.MAGIC);
            DoubleVector ek = ev.sub(SurrogateMath.MAGIC);
            DoubleVector er = ek.fma(NLN2_HI, eu);
            er = ek.fma(NLN2_LO, er);
            DoubleVector ep = er.fma(SurrogateMath.E8, SurrogateMath.E7); // degree 8: see SurrogateMath.exp8
            ep = ep.fma(er, E6);
            ep = ep.fma(er, E5);
            ep = ep.fma(er, E4);
            ep = ep.fma(er, E3);
            ep = ep.fma(er, E2);
            ep = er.mul(er).fma(ep, er).add(1.0);
            DoubleVector e = ep.mul(((LongVector) ev.reinterpretAsLongs()).add(1023L).lanewise(VectorOperators.LSHL, 52)
                    .reinterpretAsDoubles());
            DoubleVector d = e.add(1.0);
            VectorMask<Double> neg = xv.compare(VectorOperators.LT, 0.0);
            DoubleVector num = bv.blend(e.mul(a), neg);
            DoubleVector den = xv.add(1.0).blend(d.mul(d), neg);
            FloatVector f = ((FloatVector) num.convertShape(VectorOperators.D2F, FS, 0)).div(((FloatVector) den.convertShape(VectorOperators.D2F, FS, 0)));
            if (gradOut != null) {
                f = FloatVector.fromArray(FS, gradOut, oOff + i).mul(f);
            }
            f.intoArray(out, oOff + i);
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
            DoubleVector xv = (DoubleVector) FloatVector.fromArray(FS, x, xOff + i).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector t = xv.mul(w);
            if (!t.abs().compare(VectorOperators.LE, SurrogateMath.COS_LIMIT).allTrue()) {
                for (int j = i; j < i + step; j++) { // a huge or non-finite phase: Math.cos, as the scalar code
                    float g = SurrogateMath.cosSeries(x[xOff + j], w, scale, harmonics);
                    out[oOff + j] = gradOut == null ? g : gradOut[oOff + j] * g;
                }
                continue;
            }
            DoubleVector c1v = t.fma(SurrogateMath.INV_PI, -0.5).add(SurrogateMath.MAGIC);
            DoubleVector c1m = c1v.sub(SurrogateMath.MAGIC).mul(2.0).add(1.0);
            DoubleVector c1r = c1m.fma(NPIO2_1, t);
            c1r = c1m.fma(NPIO2_2, c1r);
            c1r = c1m.fma(NPIO2_3, c1r);
            DoubleVector c1r2 = c1r.mul(c1r);
            DoubleVector c1s = c1r2.fma(SurrogateMath.S15, SurrogateMath.S13);
            c1s = c1s.fma(c1r2, S11);
            c1s = c1s.fma(c1r2, S9);
            c1s = c1s.fma(c1r2, S7);
            c1s = c1s.fma(c1r2, S5);
            c1s = c1s.fma(c1r2, S3);
            c1s = c1r.mul(c1r2).fma(c1s, c1r);
            LongVector c1sign = ((LongVector) c1v.reinterpretAsLongs()).add(1L).lanewise(VectorOperators.LSHL, 63);
            DoubleVector c1 = (DoubleVector) ((LongVector) c1s.reinterpretAsLongs()).lanewise(VectorOperators.XOR, c1sign)
                    .reinterpretAsDoubles();
            DoubleVector sum = c1;
            if (harmonics != 2) { // n = 2 (the default) is one harmonic: 0 + c1 is c1 exactly, as the scalar sum
                DoubleVector twoC2 = c1.mul(2.0).mul(c1).sub(1.0).mul(2.0);
                DoubleVector prev = c1;
                DoubleVector cur = c1;
                sum = DoubleVector.zero(DS);
                for (int h = 1; h < harmonics; h++) {
                    sum = sum.add(cur);
                    DoubleVector next = twoC2.mul(cur).sub(prev);
                    prev = cur;
                    cur = next;
                }
            }
            FloatVector f = ((FloatVector) sum.mul(scale).convertShape(VectorOperators.D2F, FS, 0));
            if (gradOut != null) {
                f = FloatVector.fromArray(FS, gradOut, oOff + i).mul(f);
            }
            f.intoArray(out, oOff + i);
        }
        for (; i < n; i++) {
            float g = SurrogateMath.cosSeries(x[xOff + i], w, scale, harmonics);
            out[oOff + i] = gradOut == null ? g : gradOut[oOff + i] * g;
        }
    }
}
