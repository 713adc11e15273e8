package io.github.sparksnn.backend;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU's Poisson draws on the Vector API: SplitMix64's finalizer ({@link CounterRng#mix}) and the compare on
 * 64-bit lanes, in one loop. The scalar path computes an integer threshold per pixel,
 * {@code ceil(clamp(x, 0, 1) * 2^24)}, which C2 leaves scalar (3 ns a pixel, half the encoding's time, measured with
 * a profiler), and the Vector API's float-to-int conversion is no faster on JDK 17 (5.9 ns a pixel, measured). Here
 * the compare is made in float instead: for the integer draw {@code u24 < 2^24} and {@code v = x * 2^24} (exact),
 * {@code u24 < ceil(clamp(x, 0, 1) * 2^24)} if and only if {@code (float) u24 < v}, for every float {@code x}: both
 * are false for {@code x <= 0} and NaN and true above 1, and an integer is below the ceiling of a value exactly when
 * it is below the value. So the spikes are the scalar path's, bit for bit. Only loaded where the Vector API is (see
 * {@link VectorNeuron}).
 */
final class VectorPoisson {
    private VectorPoisson() {
    }

    /**
     * The float shape of {@link VectorNeuron}; doubles and longs with as many lanes, the shapes of the surrogates'
     * {@code VectorKernels}. Only conversions those kernels use appear here (float to double and back, longs
     * reinterpreted as doubles): a long-to-int conversion here made C2 compile a surrogate kernel with boxed vectors
     * (213 KB allocated per call) once both had run in one JVM (the test suite's allocation test).
     */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DoubleVector.SPECIES_PREFERRED.vectorBitSize() / 2));
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, DS.vectorShape());
    private static final int L = FS.length();
    /** {@code 2^52}: a double whose low mantissa bits hold an integer below 2^52 is {@code 2^52} plus it. */
    private static final long TWO_52_BITS = Double.doubleToRawLongBits(0x1p52);

    /**
     * {@code out[i] = 1} where the 24-bit draw {@code mix(state + offs[i]) >>> 40} is below {@code scaled[i]} (the
     * input times {@code 2^24}), else {@code +0}, for {@code i < n}. The draw becomes a double exactly (its bits
     * ORed into 2^52's, minus 2^52), and the input too, so the compare is the float one.
     */
    static void draws(long state, long[] offs, float[] scaled, float[] out, int n) {
        final DoubleVector zero = DoubleVector.zero(DS);
        int i = 0;
        if (L == DS.length()) {
            for (int end = n - L; i <= end; i += L) {
                LongVector z = LongVector.fromArray(LS, offs, i).add(state);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31))
                        .lanewise(VectorOperators.LSHR, 40).lanewise(VectorOperators.OR, TWO_52_BITS);
                DoubleVector u = ((DoubleVector) z.reinterpretAsDoubles()).sub(0x1p52);
                DoubleVector x = (DoubleVector) FloatVector.fromArray(FS, scaled, i)
                        .convertShape(VectorOperators.F2D, DS, 0);
                ((FloatVector) zero.blend(1.0, u.compare(VectorOperators.LT, x)).convertShape(VectorOperators.D2F, FS, 0))
                        .intoArray(out, i);
            }
        }
        for (; i < n; i++) {
            out[i] = (float) (CounterRng.mix(state + offs[i]) >>> 40) < scaled[i] ? 1f : 0f;
        }
    }
}
