package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every function at random valid parameters (seeded) against the independent float64 formulas of
 * {@link Formulas}; float against double; spiking mode; bulk against scalar; backward; copy, equality and Java
 * serialization.
 */
class SurrogateFunctionsTest {
    static final int PARAM_SETS = 6;

    static boolean nearKink(SurrogateFunction f, double x, double radius) {
        for (double k : f.kinks()) {
            if (Math.abs(x - k) <= radius * Math.max(1, Math.abs(k))) {
                return true;
            }
        }
        return false;
    }

    static double[] xs(Random r, int n) {
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            // a mix of the interesting range and exact small grid points (including 0)
            xs[i] = i % 4 == 0 ? (i / 4 - n / 8) / 16.0 : Formulas.u(r, -4, 4);
        }
        return xs;
    }

    @Test
    void doubleMatchesIndependentFormulasAtRandomParameters() {
        Random r = new Random(20240611L);
        List<String> failures = new ArrayList<>();
        for (String name : Formulas.NAMES) {
            for (int k = 0; k < PARAM_SETS; k++) {
                Map<String, Double> p = Formulas.randomParams(name, r);
                SurrogateFunction f = Surrogates.create(name, p);
                assertEquals(name, f.name());
                for (double x : xs(r, 200)) {
                    if (nearKink(f, x, 1e-12)) {
                        continue;
                    }
                    double g = Formulas.gradient(name, p, x);
                    if (Math.abs(f.gradient(x) - g) > 1e-12 * Math.abs(g) + 1e-14) {
                        failures.add(f + " g'(" + x + ") = " + f.gradient(x) + ", expected " + g);
                    }
                    double pr = Formulas.primitive(name, p, x);
                    double tol = name.equals("Erf") ? 1e-9 : 1e-12 * Math.abs(pr) + 1e-14;
                    if (Math.abs(f.primitive(x) - pr) > tol) {
                        failures.add(f + " g(" + x + ") = " + f.primitive(x) + ", expected " + pr);
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches:\n" + String.join("\n", failures.subList(0, Math.min(12, failures.size()))));
        }
    }

    @Test
    void floatFollowsDoubleAtRandomParameters() {
        Random r = new Random(77L);
        List<String> failures = new ArrayList<>();
        for (String name : Formulas.NAMES) {
            for (int k = 0; k < PARAM_SETS; k++) {
                SurrogateFunction f = Surrogates.create(name, Formulas.randomParams(name, r));
                double[] xd = xs(r, 300);
                double gScale = 0;
                double pScale = 0;
                for (double x : xd) {
                    gScale = Math.max(gScale, Math.abs(f.gradient(x)));
                    pScale = Math.max(pScale, Math.abs(f.primitive(x)));
                }
                for (double x0 : xd) {
                    float x = (float) x0;
                    if (nearKink(f, x, 1e-6)) {
                        continue;
                    }
                    double g = f.gradient((double) x);
                    if (Math.abs(f.gradient(x) - g) > 1e-5 * Math.abs(g) + 2e-6 * gScale) {
                        failures.add(f + " float g'(" + x + ") = " + f.gradient(x) + ", double " + g);
                    }
                    double pr = f.primitive((double) x);
                    if (Math.abs(f.primitive(x) - pr) > 1e-5 * Math.abs(pr) + 2e-6 * pScale) {
                        failures.add(f + " float g(" + x + ") = " + f.primitive(x) + ", double " + pr);
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches:\n" + String.join("\n", failures.subList(0, Math.min(12, failures.size()))));
        }
    }

    @Test
    void spikingModeSwitchesForwardBetweenHeavisideAndPrimitive() {
        Random r = new Random(5L);
        for (String name : Formulas.NAMES) {
            SurrogateFunction f = Surrogates.create(name, Formulas.randomParams(name, r));
            assertTrue(f.isSpiking(), "spiking is the default");
            assertEquals(1f, f.forward(0f), name + ": H(0) = 1");
            assertEquals(1f, f.forward(-0f), name + ": H(-0) = 1");
            assertEquals(1.0, f.forward(0.0));
            assertEquals(0f, f.forward(-1e-30f));
            assertEquals(1f, f.forward(3.5f));
            assertEquals(0.0, f.forward(-2.0));
            float[] xn = {-2f, -0.25f, 0f, 1e-7f, 0.5f, 3f, Float.NaN, -0f, Float.NEGATIVE_INFINITY};
            float[] yn = new float[xn.length];
            f.forward(xn, 0, yn, 0, xn.length);
            assertArrayEquals(new float[] {0, 0, 1, 1, 1, 1, 0, 1, 0}, yn, 0f, name + ": bulk Heaviside, H(NaN) = 0");
            float[] x = {-2f, -0.25f, 0f, 1e-7f, 0.5f, 3f};
            float[] y = new float[x.length];

            assertTrue(f.setSpikingMode(false) == f, "setSpikingMode returns this");
            assertFalse(f.isSpiking());
            f.forward(x, 0, y, 0, x.length);
            for (int i = 0; i < x.length; i++) {
                assertEquals(f.primitive(x[i]), y[i], 0f, name + " smooth forward = primitive");
                assertEquals(f.primitive((double) x[i]), f.forward((double) x[i]), 0.0);
            }
            // backward is g' in both modes
            float[] gs = new float[x.length];
            f.gradient(x, 0, gs, 0, x.length);
            f.setSpikingMode(true);
            float[] gs2 = new float[x.length];
            f.gradient(x, 0, gs2, 0, x.length);
            assertArrayEquals(gs, gs2, 0f);
        }
    }

    @Test
    void bulkLoopsEqualScalarMathAndBackwardIsGradOutTimesGradient() {
        Random r = new Random(11L);
        for (String name : Formulas.NAMES) {
            SurrogateFunction f = Surrogates.create(name, Formulas.randomParams(name, r));
            int n = 257;
            float[] x = new float[n + 5];
            float[] gradOut = new float[n + 7];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Formulas.u(r, -3, 3);
            }
            for (int i = 0; i < gradOut.length; i++) {
                gradOut[i] = (float) Formulas.u(r, -2, 2);
            }
            float[] g = new float[n + 3];
            float[] p = new float[n + 3];
            float[] gin = new float[n + 7];
            f.gradient(x, 5, g, 3, n);
            f.primitive(x, 5, p, 3, n);
            f.backward(gradOut, x, 5, gin, 7, n);
            for (int i = 0; i < n; i++) {
                float xi = x[5 + i];
                assertEquals(f.gradient(xi), g[3 + i], 0f, name + " bulk gradient at " + xi);
                assertEquals(f.primitive(xi), p[3 + i], 0f, name + " bulk primitive at " + xi);
                assertEquals(gradOut[7 + i] * f.gradient(xi), gin[7 + i], 0f, name + " backward at " + xi);
                assertEquals(gradOut[7 + i] * f.gradient(xi), f.backward(gradOut[7 + i], xi), 0f);
            }
            // untouched outside the slices
            for (int i = 0; i < 3; i++) {
                assertEquals(0f, g[i]);
                assertEquals(0f, p[i]);
            }
            for (int i = 0; i < 7; i++) {
                assertEquals(0f, gin[i]);
            }
            // in place: gradIn == gradOut
            float[] inPlace = gradOut.clone();
            f.backward(inPlace, x, 5, inPlace, 7, n);
            for (int i = 0; i < n; i++) {
                assertEquals(gin[7 + i], inPlace[7 + i], 0f, name + " in-place backward");
            }
            assertArrayEquals(java.util.Arrays.copyOf(gradOut, 7), java.util.Arrays.copyOf(inPlace, 7));
        }
    }

    @Test
    void nanInputGivesNanGradientOrPassesThroughButNeverThrows() {
        for (SurrogateFunction f : Surrogates.list().stream().map(d -> Surrogates.create(d.name(), Map.of())).toList()) {
            assertEquals(0f, f.forward(Float.NaN), f + ": H(NaN) = 0");
            float gf = f.gradient(Float.NaN);
            double gd = f.gradient(Double.NaN);
            if (!(f instanceof DeterministicPass)) {
                // the piecewise gradients propagate NaN too (Select.step); only S2NN picks a piece
                assertTrue(Float.isNaN(gf) || f instanceof S2NN, f + ": g'(NaN) = " + gf);
            }
            assertEquals(Float.isNaN(gf), Double.isNaN(gd), f + ": float and double agree on NaN");
        }
    }

    @Test
    void copyEqualityHashCodeAndSerialization() throws Exception {
        Random r = new Random(3L);
        for (String name : Formulas.NAMES) {
            Map<String, Double> p = Formulas.randomParams(name, r);
            SurrogateFunction f = Surrogates.create(name, p);
            SurrogateFunction c = f.copy();
            assertNotSame(f, c);
            assertEquals(f, c);
            assertEquals(f.hashCode(), c.hashCode());
            assertEquals(f.getClass(), c.getClass());
            c.setSpikingMode(false);
            assertNotEquals(f, c, "spiking mode is part of equality");
            assertTrue(f.isSpiking(), "copy is independent");
            SurrogateFunction other = Surrogates.create(name, Formulas.randomParams(name, r));
            assertNotEquals(f, other, "different parameters");
            assertEquals(p.keySet(), f.parameters().keySet());

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(c);
            }
            Object back;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                back = in.readObject();
            }
            assertEquals(c, back);
            SurrogateFunction b = (SurrogateFunction) back;
            assertFalse(b.isSpiking());
            for (float x : new float[] {-1.3f, -0.1f, 0f, 0.4f, 2.2f}) {
                assertEquals(c.gradient(x), b.gradient(x), 0f, name + " float constants survive serialization");
                assertEquals(c.primitive(x), b.primitive(x), 0f);
            }
        }
    }

    @Test
    void toStringLooksLikeUpstreamExtraRepr() {
        assertEquals("ATan(alpha=2.0, spiking=true)", new ATan().toString());
        assertEquals("S2NN(alpha=4.0, beta=1.0, spiking=false)", new S2NN(4, 1, false).toString());
        assertEquals("SquarewaveFourierSeries(n=2.0, T_period=8.0, spiking=true)", new SquarewaveFourierSeries().toString());
        assertEquals("LeakyKReLU(leak=0.0, k=1.0, spiking=true)", new LeakyKReLU().toString());
        assertEquals("PiecewiseLeakyReLU(w=1.0, c=0.01, spiking=true)", new PiecewiseLeakyReLU().toString());
        assertEquals("FakeNumericalGradient(alpha=0.3, spiking=true)", new FakeNumericalGradient().toString());
    }

    @Test
    void derivedPrimitivesHaveTheDocumentedShape() {
        SuperSpike s = new SuperSpike(0.5);
        assertEquals(0.5, s.primitive(0.0), 0.0);
        assertTrue(s.primitive(1e9) < 1 && s.primitive(1e9) > 0.999, "range (0, 1) at alpha = 1/2");
        assertTrue(s.primitive(-1e9) > 0 && s.primitive(-1e9) < 0.001);
        FakeNumericalGradient f = new FakeNumericalGradient(0.25);
        assertEquals(0.0, f.primitive(0.0), 0.0);
        assertEquals(1.0, f.primitive(4.0), 1e-15, "continuous at 1/alpha");
        assertEquals(f.primitive(4.0 - 1e-12), f.primitive(4.0 + 1e-12), 1e-11);
        assertEquals(-f.primitive(7.0), f.primitive(-7.0), 0.0, "odd");
        assertEquals(1 + Math.log(0.25 * 10), f.primitive(10.0), 1e-15);
    }
}
