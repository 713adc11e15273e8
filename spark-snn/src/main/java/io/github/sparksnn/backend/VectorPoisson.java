package io.github.sparksnn.backend;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU's Poisson draws on the Vector API: SplitMix64's finalizer ({@link CounterRng#mix}) on 64-bit lanes and
 * the compare on 32-bit ones, in one loop. The scalar path computes an integer threshold per pixel,
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

    /** The float shape of {@link VectorNeuron}; ints of the same shape, and longs with as many lanes. */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DoubleVector.SPECIES_PREFERRED.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class,
            VectorShape.forBitSize(2 * FS.vectorBitSize()));
    private static final int L = FS.length();

    /**
     * {@code out[i] = 1} where the 24-bit draw {@code mix(state + offs[i]) >>> 40} is below {@code scaled[i]} (the
     * input times {@code 2^24}), else {@code +0}, for {@code i < n}.
     */
    static void draws(long state, long[] offs, float[] scaled, float[] out, int n) {
        final FloatVector zero = FloatVector.zero(FS);
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            LongVector z = LongVector.fromArray(LS, offs, i).add(state);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 40);
            FloatVector u = (FloatVector) z.convertShape(VectorOperators.L2I, IS, 0).convert(VectorOperators.I2F, 0);
            zero.blend(1f, u.compare(VectorOperators.LT, FloatVector.fromArray(FS, scaled, i))).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = (float) (CounterRng.mix(state + offs[i]) >>> 40) < scaled[i] ? 1f : 0f;
        }
    }
}
