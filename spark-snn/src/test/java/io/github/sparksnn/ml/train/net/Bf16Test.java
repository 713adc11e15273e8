package io.github.sparksnn.ml.train.net;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class Bf16Test {

    /** Independent reference: the nearest of the two bfloat16 neighbours in exact decimal, ties to an even mantissa. */
    static float nearest(float x) {
        int b = Float.floatToRawIntBits(x);
        float lo = Float.intBitsToFloat(b & 0xffff0000);
        float hi = Float.intBitsToFloat((b & 0xffff0000) + 0x10000);
        BigDecimal dx = new BigDecimal(x);
        int c = dx.subtract(new BigDecimal(lo)).abs().compareTo(dx.subtract(Float.isInfinite(hi) ? dx.add(dx.subtract(
                new BigDecimal(lo))) : new BigDecimal(hi)).abs());
        if (c < 0) {
            return lo;
        }
        if (c > 0) {
            return hi;
        }
        return ((Float.floatToRawIntBits(lo) >>> 16) & 1) == 0 ? lo : hi;
    }

    @Test
    void roundsToNearestWithTiesToEven() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 200_000; i++) {
            float x = Float.intBitsToFloat(r.nextInt() & 0x7f7fffff) * (r.nextBoolean() ? 1 : -1);
            if (!Float.isFinite(x) || Math.abs(x) > 3e38f) {
                continue;
            }
            assertEquals(nearest(x), Bf16.decode(Bf16.encode(x)), 0f, "x = " + x);
        }
        // exact ties: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7; the even neighbour is 1
        assertEquals(1f, Bf16.decode(Bf16.encode(1f + 0x1p-8f)));
        assertEquals(1f + 0x1p-6f, Bf16.decode(Bf16.encode(1f + 0x1p-7f + 0x1p-8f)), "tie to even upwards");
        assertEquals(0.1f, Bf16.decode(Bf16.encode(0.1f)), 0.1f * 0x1p-8f);
    }

    @Test
    void specialValuesSurvive() {
        assertTrue(Float.isNaN(Bf16.decode(Bf16.encode(Float.NaN))));
        assertTrue(Float.isNaN(Bf16.decode(Bf16.encode(Float.intBitsToFloat(0x7f800001)))), "a NaN whose payload "
                + "lies below the kept bits stays NaN, not infinity");
        assertEquals(Float.POSITIVE_INFINITY, Bf16.decode(Bf16.encode(Float.POSITIVE_INFINITY)));
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.decode(Bf16.encode(Float.NEGATIVE_INFINITY)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Bf16.decode(Bf16.encode(-0f))));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.decode(Bf16.encode(Float.MAX_VALUE)), "rounds past the largest");
    }
}
