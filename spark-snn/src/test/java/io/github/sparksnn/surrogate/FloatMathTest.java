package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The float exp against Math.exp in double. */
class FloatMathTest {
    @Test
    void withinOneUlpOverTheNormalRange() {
        double worst = 0;
        for (float x = -87f; x < 88f; x += 0.00137f) {
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(FloatMath.exp(x) - exact) / exact);
        }
        assertTrue(worst < 1.5e-7, "max relative error " + worst);
        assertEquals(1f, FloatMath.exp(0f), 0f);
        assertEquals(1f, FloatMath.exp(-0f), 0f);
        assertEquals((float) Math.E, FloatMath.exp(1f), Math.ulp((float) Math.E));
    }

    @Test
    void clampsAndPropagatesNan() {
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        float tiny = FloatMath.exp(Float.NEGATIVE_INFINITY);
        assertTrue(tiny > 0 && tiny < 1.3e-38f, "clamped to about the smallest normal: " + tiny);
        assertEquals(tiny, FloatMath.exp(-1000f), 0f);
        float big = FloatMath.exp(Float.POSITIVE_INFINITY);
        assertTrue(Float.isFinite(big) && big > 1e38f, "clamped to exp(88): " + big);
    }
}
