package io.github.sparksnn.backend;

import io.github.sparksnn.AllocationCheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.sparksnn.surrogate.SurrogateMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorNeuron}'s charge-fire-reset against the scalar loops it replaces, written out here, bit for bit:
 * values at and around the threshold, signed zeros, infinities and NaN of both signs (a NaN charge
 * only has to stay NaN: which operand's NaN an add passes on is not fixed on either path), hard and soft reset, lengths
 * with a scalar tail; and once compiled, the loop allocates nothing.
 */
class VectorNeuronTest {

    private static float pick(SplittableRandom r, float th) {
        switch (r.nextInt(10)) {
            case 0: return th;
            case 1: return Math.nextUp(th);
            case 2: return Math.nextDown(th);
            case 3: return r.nextBoolean() ? 0f : -0f;
            case 4: return r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            case 5: return Float.intBitsToFloat(r.nextBoolean() ? 0x7fc00000 : 0xffc00000); // NaN, either sign
            default: return (float) (r.nextDouble() * 3 - 1);
        }
    }

    @Test
    void vectorChargeFireResetEqualsTheScalarLoops() {
        assumeTrue(SurrogateMath.vectorized(), "SKIPPED (visible): the Vector API is not enabled in this JVM");
        SplittableRandom r = new SplittableRandom(21);
        float[][] consts = {{1f, 1f, 0f, 1f, 0f}, {0.5f, 0.5f, 0f, 1f, 0f}, {0.7f, 1f, -0.06f, 0.8f, -0.2f},
            {0.6f, 0.4f, 0f, 0.5f, Float.NaN}};
        for (int len : new int[]{1, 15, 16, 17, 1000, 1024}) {
            for (float[] k : consts) {
                for (boolean hard : new boolean[]{true, false}) {
                    float cv = k[0], cx = k[1], c0 = k[2], th = k[3], vr = hard ? k[4] : 0f;
                    float[] x = new float[len], v = new float[len];
                    for (int j = 0; j < len; j++) {
                        x[j] = pick(r, th);
                        v[j] = pick(r, th);
                    }
                    float[] hv = new float[len], sv = new float[len], vv = v.clone();
                    VectorNeuron.chargeFire(x, vv, hv, sv, len, cv, cx, c0, th, vr, hard);
                    for (int j = 0; j < len; j++) {
                        float h = cv * v[j] + cx * x[j] + c0;
                        float s = 1 - (Float.floatToRawIntBits(h - th + 0f) >>> 31);
                        float vn = hard ? h + s * (vr - h) : h - th * s;
                        String at = "len " + len + " hard " + hard + " at " + j + " x " + x[j] + " v " + v[j];
                        if (Float.isNaN(h)) { // which NaN an add passes on is not fixed on either path
                            assertTrue(Float.isNaN(hv[j]) && Float.isNaN(vv[j]), "NaN " + at);
                            continue;
                        }
                        assertEquals(Float.floatToRawIntBits(h), Float.floatToRawIntBits(hv[j]), "h " + at);
                        assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(sv[j]), "s " + at);
                        assertEquals(Float.floatToRawIntBits(vn), Float.floatToRawIntBits(vv[j]), "v " + at);
                    }
                }
            }
        }
    }

    /** chargeFire over 1,024 floats, alternating its two reset modes. */
    public static final class ChargeFireProbe implements AllocationCheck.Probe {
        @Override
        public AllocationCheck.Call open(String arg) {
            float[] x = new float[1024], v = new float[1024], h = new float[1024], s = new float[1024];
            SplittableRandom r = new SplittableRandom(2);
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) r.nextDouble();
            }
            boolean[] hard = {false};
            return () -> {
                hard[0] = !hard[0];
                VectorNeuron.chargeFire(x, v, h, s, x.length, 1f, 1f, 0f, 1f, 0f, hard[0]);
            };
        }
    }

    @Test
    void compiledLoopAllocatesNothing() {
        assumeTrue(SurrogateMath.vectorized(), "SKIPPED (visible): the Vector API is not enabled in this JVM");
        AllocationCheck.Result r = AllocationCheck.bytesPerCall(ChargeFireProbe.class, "", 5000, 200, 0);
        assertEquals(0, r.decisive(), "bytes allocated per chargeFire of 1024 floats: " + r);
    }
}
