package io.github.sparksnn.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void constantIsConstant() {
        LearningRateSchedule c = LearningRateSchedules.parse("constant");
        for (long t = 0; t < 10; t++) {
            assertEquals(1e-3, c.learningRate(1e-3, t));
        }
        assertEquals("constant", c.toString());
        assertSame(c, c.resolve(5));
    }

    @Test
    void cosineMatchesPyTorchsRecursiveForm() {
        // torch.optim.lr_scheduler.CosineAnnealingLR.get_lr (the chainable form) in double, for t in 1..T_max
        double base = 0.1;
        double etaMin = 1e-3;
        int tMax = 7;
        LearningRateSchedule s = LearningRateSchedules.parse("cosine(t_max=7, eta_min=0.001)");
        double lr = base;
        assertEquals(base, s.learningRate(base, 0), 1e-15);
        for (int t = 1; t <= tMax; t++) {
            lr = (1 + Math.cos(Math.PI * t / tMax)) / (1 + Math.cos(Math.PI * (t - 1) / tMax)) * (lr - etaMin)
                    + etaMin;
            assertEquals(lr, s.learningRate(base, t), 1e-12, "t=" + t);
        }
        assertEquals(etaMin, s.learningRate(base, tMax), 1e-15);
        assertEquals((base + etaMin) / 2, s.learningRate(base, 0) / 2 + etaMin / 2, 1e-15);
        LearningRateSchedule even = LearningRateSchedule.cosine(10, 0);
        assertEquals(0.05, even.learningRate(0.1, 5), 1e-15); // half way: the mean of base and eta_min
        // past T_max the closed form keeps following the cosine (back up towards base at 2*T_max)
        assertEquals(0.1, even.learningRate(0.1, 20), 1e-15);
    }

    @Test
    void openHorizonIsResolvedToTheRunLength() {
        LearningRateSchedule open = LearningRateSchedules.parse("cosine");
        assertEquals("cosine(eta_min=0.0)", open.toString());
        assertThrows(IllegalStateException.class, () -> open.learningRate(0.1, 1));
        LearningRateSchedule r = open.resolve(5);
        assertEquals(LearningRateSchedule.cosine(5, 0), r);
        assertEquals(0, r.learningRate(0.1, 5), 1e-15);
        assertSame(r, r.resolve(99));
    }

    @Test
    void specsRoundTripAndBadOnesAreNamed() {
        for (String spec : new String[] {"constant", "cosine(t_max=64, eta_min=0.0)", "cosine(eta_min=1.0E-5)"}) {
            assertEquals(spec, LearningRateSchedules.parse(spec).toString());
            assertEquals(LearningRateSchedules.parse(spec).toString(),
                    LearningRateSchedules.parse(LearningRateSchedules.parse(spec).toString()).toString());
        }
        String m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.parse("cosine(t_max=-3)")).getMessage();
        assertTrue(m.contains("t_max"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.parse("cosine(eta_min=-1)")).getMessage();
        assertTrue(m.contains("eta_min"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.parse("cosine(tmax=3)")).getMessage();
        assertTrue(m.contains("tmax") && m.contains("t_max"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedules.parse("cosine(t_max=2.5)"))
                .getMessage();
        assertTrue(m.contains("t_max") && m.contains("integer"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedules.parse("step")).getMessage();
        assertTrue(m.contains("step") && m.contains("cosine"), m);
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedules.parse("constant(x=1)"));
    }
}
