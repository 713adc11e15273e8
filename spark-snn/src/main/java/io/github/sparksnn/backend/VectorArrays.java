package io.github.sparksnn.backend;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Array loops on the Vector API that C2 leaves scalar on JDK 17: those that index two arrays at different offsets,
 * which C2 cannot prove do not overlap (see {@code LoopShapeBench}). Same float operations per element as the
 * scalar loops, so the same bits. Only loaded where the Vector API is (see {@link VectorNeuron}).
 */
final class VectorArrays {
    private VectorArrays() {
    }

    /** The float shape of {@link VectorNeuron} (one float shape per JVM, see there). */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DoubleVector.SPECIES_PREFERRED.vectorBitSize() / 2));

    /** {@code dst[dOff + i] += src[sOff + i]} for {@code i < n} (distinct arrays). */
    static void addTo(float[] dst, int dOff, float[] src, int sOff, int n) {
        final int step = FS.length();
        int i = 0;
        for (int end = n - step; i <= end; i += step) {
            FloatVector.fromArray(FS, dst, dOff + i).add(FloatVector.fromArray(FS, src, sOff + i))
                    .intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] += src[sOff + i];
        }
    }
}
