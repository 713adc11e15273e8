package io.github.sparksnn.backend;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * 2x2, stride-2 max pooling of spikes on the Vector API, for planes of even width: the pooled spikes (forward) and
 * the pooled gradient routed back to each window's first maximum (backward), computed from the spikes alone, so a
 * backward that recomputes the spikes needs no stored argmax.
 *
 * <p>Spikes are exactly {@code +0f} or {@code 1f} (the Heaviside forward), so the maximum of a window is the OR of
 * its four bit patterns, and "the first maximum in row-major order (the window's first pixel when none fired)" is
 * plain logic on them: with {@code a b / c d} the window, {@code a} receives the gradient when it fired or none did,
 * {@code b} when it fired and {@code a} did not, {@code c} when neither of the top row did, {@code d} when none of
 * the other three did. Lanes run along a row pair (top row, bottom row); windows never straddle two lanes' pairs
 * because vectors start at even columns, and a lane finds its window's other column by swapping neighbours. The
 * scalar loop the JIT makes of {@code CpuPoolingOps}' pooling converts every spike to an int and back, with the
 * same 1.4 ns a neuron this replaces.
 *
 * <p>Results are bit for bit those of {@code CpuPoolingOps.maxPoolSpikes2x2} and {@code maxPoolBackPlanes}, including
 * {@code 0 + g} for the routed gradient (which turns {@code -0} into {@code +0}). Only loaded where the Vector API
 * is (see {@link VectorNeuron}); loops are written out with no helper between load and store.
 */
final class VectorPool {
    private VectorPool() {
    }

    /** The float shape of {@link VectorNeuron} (one float shape per JVM, see there), and ints of the same shape. */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DoubleVector.SPECIES_PREFERRED.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final int L = IS.length();
    private static final int ONE = Float.floatToRawIntBits(1f);
    /** Lane i takes lane i ^ 1: the other column of its window. */
    private static final VectorShuffle<Integer> SWAP = VectorShuffle.fromOp(IS, i -> i ^ 1);
    /** Lane i takes lane i / 2: a pooled value for both columns of its window. */
    private static final VectorShuffle<Integer> DUP = VectorShuffle.fromOp(IS, i -> i / 2);
    /** The even lanes first: one value per window in the lower half. */
    private static final VectorShuffle<Integer> EVEN_FIRST = VectorShuffle.fromOp(IS,
            i -> i < L / 2 ? 2 * i : 2 * (i - L / 2) + 1);
    /** The right column of each window. */
    private static final VectorMask<Integer> RIGHT = VectorMask.fromLong(IS, 0xAAAAAAAAAAAAAAAAL);

    /**
     * Whether these loops take {@code planes} planes of {@code h x w}, with arrays of at least {@code length} floats:
     * rows are covered by whole vectors, which read and write up to {@code L} floats past a row (see below).
     */
    static boolean fits(int h, int w, int planes, int length) {
        return L % 2 == 0 && w % 2 == 0 && h >= 2 && planes * h * w + L <= length;
    }

    /**
     * {@code yp[q, oi, oj]} = the maximum of the spikes {@code sp[q, 2oi..2oi+1, 2oj..2oj+1]} for {@code np} planes
     * of {@code h x w} (even {@code w}). Rows are covered by whole vectors (14 columns take two): the lanes past a
     * row read what follows it and write values past the row's outputs, which the next row's stores overwrite, and
     * past the last one into the slack that {@link #fits} asks of the arrays.
     */
    static void maxSpikes2x2(float[] sp, int np, int h, int w, float[] yp) {
        final int ho = h / 2, wo = w / 2, hw = h * w;
        for (int q = 0; q < np; q++) {
            for (int oi = 0; oi < ho; oi++) {
                final int top = q * hw + 2 * oi * w, bot = top + w, out = (q * ho + oi) * wo;
                for (int j = 0; j < w; j += L) {
                    IntVector m = FloatVector.fromArray(FS, sp, top + j).reinterpretAsInts()
                            .or(FloatVector.fromArray(FS, sp, bot + j).reinterpretAsInts());
                    m.or(m.rearrange(SWAP)).rearrange(EVEN_FIRST).reinterpretAsFloats().intoArray(yp, out + j / 2);
                }
            }
        }
    }

    /**
     * {@code dp [np, h, w]} = the pooled gradient {@code gp [np, h/2, w/2]} routed to each window's first maximum
     * of the spikes {@code sp [np, h, w]} at {@code sp[so..]}, {@code 0} elsewhere (and in an odd plane's last row). Whole vectors as in
     * {@link #maxSpikes2x2}, right to left: a top row's extra lanes land on its bottom row's first columns, and a
     * bottom row's on the next pair's top row, before those are stored.
     */
    static void routeSpikes2x2(float[] sp, int so, float[] gp, int np, int h, int w, float[] dp) {
        final int ho = h / 2, wo = w / 2, hw = h * w;
        for (int q = 0; q < np; q++) {
            for (int oi = 0; oi < ho; oi++) {
                final int top = q * hw + 2 * oi * w, bot = top + w, g0 = (q * ho + oi) * wo;
                // right to left, so that a vector's extra lanes land on columns still to be stored
                for (int j = (w - 1) / L * L; j >= 0; j -= L) {
                    IntVector t = FloatVector.fromArray(FS, sp, so + top + j).reinterpretAsInts();
                    IntVector b = FloatVector.fromArray(FS, sp, so + bot + j).reinterpretAsInts();
                    IntVector tp = t.rearrange(SWAP), bp = b.rearrange(SWAP);
                    // each lane's view of its window a b / c d (the right lanes see it mirrored)
                    IntVector a = t.blend(tp, RIGHT), bb = tp.blend(t, RIGHT);
                    IntVector c = b.blend(bp, RIGHT), d = bp.blend(b, RIGHT);
                    IntVector ab = a.or(bb), abc = ab.or(c);
                    IntVector wTop = a.or(abc.or(d).lanewise(VectorOperators.XOR, ONE))
                            .blend(bb.and(a.lanewise(VectorOperators.XOR, ONE)), RIGHT);
                    IntVector wBot = c.and(ab.lanewise(VectorOperators.XOR, ONE))
                            .blend(d.and(abc.lanewise(VectorOperators.XOR, ONE)), RIGHT);
                    IntVector g = FloatVector.fromArray(FS, gp, g0 + j / 2).reinterpretAsInts().rearrange(DUP);
                    // 1f's bit 29 to the sign, spread: all ones where the weight is 1
                    g.and(wTop.lanewise(VectorOperators.LSHL, 2).lanewise(VectorOperators.ASHR, 31))
                            .reinterpretAsFloats().add(0f).intoArray(dp, top + j);
                    g.and(wBot.lanewise(VectorOperators.LSHL, 2).lanewise(VectorOperators.ASHR, 31))
                            .reinterpretAsFloats().add(0f).intoArray(dp, bot + j);
                }
            }
            if (h % 2 != 0) {
                java.util.Arrays.fill(dp, q * hw + (h - 1) * w, (q + 1) * hw, 0f);
            }
        }
    }
}
