package io.github.sparksnn.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizerStateAndParseTest {

    private static float[] vec(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** The state rebuilt from its exported parts, as a checkpoint reader does (CheckpointStoreTest: the file). */
    private static OptimizerState viaExportedParts(OptimizerState s) {
        return new OptimizerState(s.optimizer(), s.spec(), s.step(), s.buffers());
    }

    @Test
    void resumedRunIsBitIdentical() {
        for (String spec : new String[] {"sgd(momentum=0.9, nesterov=true)", "adam", "adamw(weight_decay=0.05)",
                "sgd"}) {
            Random r = new Random(3);
            float[] p = vec(r, 100);
            float[][] grads = new float[6][];
            for (int t = 0; t < grads.length; t++) {
                grads[t] = vec(r, 100);
            }
            Optimizer a = Optimizers.parse(spec);
            float[] pa = p.clone();
            for (int t = 0; t < 3; t++) {
                a.step(pa, grads[t], 1e-2);
            }
            OptimizerState saved = viaExportedParts(a.state());
            assertEquals(a.state(), saved, spec);
            assertEquals(3, saved.step());
            // every buffer has a name, the key a checkpoint stores it under
            assertEquals(a.bufferNames().size(), saved.buffers().length, spec);
            float[] pb = pa.clone();
            for (int t = 3; t < 6; t++) {
                a.step(pa, grads[t], 1e-2);
            }
            Optimizer b = Optimizers.parse(spec);
            b.restore(saved);
            assertEquals(3, b.steps());
            for (int t = 3; t < 6; t++) {
                b.step(pb, grads[t], 1e-2);
            }
            assertArrayEquals(pa, pb, spec); // assertArrayEquals on floats compares bits (no tolerance given)
            assertEquals(a.state(), b.state(), spec);
        }
    }

    @Test
    void stateIsADeepCopy() {
        Adam a = new Adam();
        float[] p = {1, 2, 3};
        a.step(p, new float[] {1, 1, 1}, 0.1);
        OptimizerState s = a.state();
        a.step(p, new float[] {1, 1, 1}, 0.1);
        assertEquals(1, s.step());
        assertNotEquals(s, a.state());
        float[][] b = s.buffers();
        b[0][0] = 42;
        assertNotEquals(42f, s.buffers()[0][0]);
        assertEquals(3, s.parameterCount());
    }

    @Test
    void restoreRejectsForeignOrMisshapenState() {
        Adam a = new Adam();
        a.step(new float[4], new float[] {1, 2, 3, 4}, 0.1);
        String m = assertThrows(IllegalArgumentException.class, () -> new Sgd(0.9, 0, 0, false).restore(a.state()))
                .getMessage();
        assertTrue(m.contains("adam") && m.contains("sgd"), m);
        assertThrows(IllegalArgumentException.class, () -> new AdamW().restore(a.state()));
        Adam b = new Adam();
        b.restore(a.state());
        m = assertThrows(IllegalArgumentException.class, () -> b.step(new float[5], new float[5], 0.1)).getMessage();
        assertTrue(m.contains("4") && m.contains("5"), m);
        assertThrows(IllegalArgumentException.class,
                () -> new Adam().restore(new OptimizerState("adam", "adam", 2, new float[][] {new float[3]})));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerState("adam", "adam", -1, new float[0][]));
        b.reset();
        assertEquals(0, b.steps());
        b.step(new float[5], new float[5], 0.1); // after reset any length is accepted again
    }

    @Test
    void stepValidatesArguments() {
        Adam a = new Adam();
        String m = assertThrows(IllegalArgumentException.class, () -> a.step(new float[3], new float[2], 0.1))
                .getMessage();
        assertTrue(m.contains("3") && m.contains("2"), m);
        assertThrows(IllegalArgumentException.class, () -> a.step(new float[3], new float[3], Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> a.step(new float[3], new float[3], -1e-3));
        assertThrows(IllegalArgumentException.class,
                () -> new Sgd().step(new float[3], new float[3], Double.POSITIVE_INFINITY));
        assertEquals(0, a.steps());
    }

    @Test
    void specsRoundTripAndUseTorchDefaults() {
        assertEquals(new Adam(), Optimizers.parse("adam"));
        assertEquals(new Adam(), Optimizers.parse("ADAM(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0)"));
        assertEquals(new AdamW(0.9, 0.999, 1e-8, 0.01), Optimizers.parse("adamw()"));
        assertEquals(new Sgd(0.9, 0, 0, false), Optimizers.parse(" sgd( momentum = 0.9 ) "));
        assertInstanceOf(AdamW.class, Optimizers.parse("adamw"));
        for (Optimizer o : new Optimizer[] {new Adam(0.8, 0.95, 1e-7, 1e-4), new AdamW(), new Sgd(),
                new Sgd(0.9, 0, 5e-4, true), new Sgd(0.5, 0.25, 0, false)}) {
            Optimizer back = Optimizers.parse(o.toString());
            assertEquals(o, back, o.toString());
            assertEquals(o.toString(), back.toString());
        }
        assertEquals("adam(beta1=0.9, beta2=0.999, eps=1.0E-8, weight_decay=0.0)", new Adam().toString());
        assertNotEquals(new Adam(), new AdamW(0.9, 0.999, 1e-8, 0));
    }

    private static String parseError(String spec) {
        return assertThrows(IllegalArgumentException.class, () -> Optimizers.parse(spec)).getMessage();
    }

    @Test
    void badSpecsNameTheProblem() {
        String m = parseError("adam(beta1=1.0)");
        assertTrue(m.contains("beta1") && m.contains("1.0"), m);
        m = parseError("adam(beta2=-0.1)");
        assertTrue(m.contains("beta2"), m);
        m = parseError("adamw(eps=-1)");
        assertTrue(m.contains("eps"), m);
        m = parseError("adam(weight_decay=-0.5)");
        assertTrue(m.contains("weight_decay"), m);
        m = parseError("sgd(momentum=-0.1)");
        assertTrue(m.contains("momentum"), m);
        m = parseError("sgd(dampening=2)");
        assertTrue(m.contains("dampening"), m);
        m = parseError("sgd(nesterov=true)");
        assertTrue(m.contains("nesterov") && m.contains("momentum"), m);
        m = parseError("adam(betaa=0.9)");
        assertTrue(m.contains("betaa") && m.contains("beta1"), m);
        m = parseError("adam(beta1=abc)");
        assertTrue(m.contains("beta1") && m.contains("abc"), m);
        m = parseError("adam(beta1=NaN)");
        assertTrue(m.contains("beta1") && m.contains("NaN"), m);
        m = parseError("sgd(nesterov=yes, momentum=0.9)");
        assertTrue(m.contains("nesterov") && m.contains("yes"), m);
        m = parseError("adam(lr=0.1)");
        assertTrue(m.contains("lr"), m);
        m = parseError("rmsprop");
        assertTrue(m.contains("rmsprop") && m.contains("adam"), m);
        m = parseError("adam(beta1=0.9");
        assertTrue(m.contains("')'"), m);
        m = parseError("adam(beta1=0.9, beta1=0.8)");
        assertTrue(m.contains("beta1") && m.contains("twice"), m);
        m = parseError("adam(0.9)");
        assertTrue(m.contains("key=value"), m);
        assertThrows(IllegalArgumentException.class, () -> Optimizers.parse(""));
    }
}
