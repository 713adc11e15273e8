package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The derivative of every primitive (central differences in double) equals the hand-written gradient, the float
 * bulk gradient follows the double one, and the checker catches wrong gradients.
 */
class GradientCheckerTest {

    @Test
    void everyPrimitiveDifferentiatesToItsGradientAtDefaultsAndRandomParameters() {
        Random r = new Random(42L);
        for (String name : Formulas.NAMES) {
            SurrogateFunction def = Surrogates.parse(name);
            GradientChecker.Report rep = GradientChecker.check(def);
            assertTrue(rep.passed(), rep.toString());
            assertEquals(def.toString(), rep.function());
            assertTrue(rep.points() >= 1024 - 2 * def.kinks().length && rep.points() <= 1024, rep.toString());
            for (int k = 0; k < 8; k++) {
                SurrogateFunction f = Surrogates.create(name, Formulas.randomParams(name, r));
                GradientChecker.Report rr = GradientChecker.check(f);
                assertTrue(rr.passed(), rr.toString());
                // a wider range than upstream's grid, with a step that does not hit the kinks exactly
                GradientChecker.Report wide = GradientChecker.check(f, -6, 6, 0.0123);
                assertTrue(wide.passed(), wide.toString());
            }
        }
    }

    @Test
    void gridIsUpstreamsArange() {
        GradientChecker.Report rep = GradientChecker.check(new ATan());
        assertEquals(1024, rep.points(), "torch.arange(-2, 2, 32/8192) has 1024 points");
        double i = (rep.atX() - GradientChecker.FROM) / GradientChecker.STEP;
        assertEquals(Math.rint(i), i, 0.0, "atX is a grid point");
        assertEquals(1022, GradientChecker.check(new Rect()).points(), "the two kinks +-0.5 are skipped");
        assertEquals(3, GradientChecker.check(new ATan(), 0, 0.75, 0.25).points());
        assertThrows(IllegalArgumentException.class, () -> GradientChecker.check(new ATan(), 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> GradientChecker.check(new ATan(), 1, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> GradientChecker.check(new ATan(), 0, Double.NaN, 0.1));
    }

    @Test
    void floatBulkGradientFollowsTheDoubleGradient() {
        Random r = new Random(8L);
        for (String name : Formulas.NAMES) {
            for (int k = 0; k < 5; k++) {
                SurrogateFunction f = k == 0 ? Surrogates.parse(name) : Surrogates.create(name, Formulas.randomParams(name, r));
                double scale = 0;
                for (double x = -2; x < 2; x += 1.0 / 64) {
                    scale = Math.max(scale, Math.abs(f.gradient(x)));
                }
                GradientChecker.Report rep = GradientChecker.checkFloat(f);
                assertTrue(rep.passed(2e-6 * scale), rep + " scale " + scale);
                assertTrue(rep.points() > 1000);
            }
        }
    }

    /** S2NN with the seed text's typo for x >= 0: beta (x + 1) instead of beta / (x + 1). */
    static final class TypoS2NN extends SurrogateFunction {
        private static final long serialVersionUID = 1L;
        private final S2NN right = new S2NN();

        TypoS2NN() {
            super(true);
        }

        @Override public String name() { return "TypoS2NN"; }
        @Override public Map<String, Double> parameters() { return right.parameters(); }
        @Override public double primitive(double x) { return right.primitive(x); }
        @Override public double gradient(double x) { return x < 0 ? right.gradient(x) : 1.0 * (x + 1); }
        @Override public String cudaCode(String x, String y, CudaDtype dtype) { return right.cudaCode(x, y, dtype); }
        @Override public SurrogateFunction copy() { return new TypoS2NN(); }
    }

    /** ATan whose gradient is off by one percent. */
    static class SlightlyWrongATan extends SurrogateFunction {
        private static final long serialVersionUID = 1L;
        private final ATan right = new ATan();

        SlightlyWrongATan() {
            super(true);
        }

        @Override public String name() { return "SlightlyWrongATan"; }
        @Override public Map<String, Double> parameters() { return right.parameters(); }
        @Override public double primitive(double x) { return right.primitive(x); }
        @Override public double gradient(double x) { return 1.01 * right.gradient(x); }
        @Override public String cudaCode(String x, String y, CudaDtype dtype) { return right.cudaCode(x, y, dtype); }
        @Override public SurrogateFunction copy() { return new SlightlyWrongATan(); }
    }

    @Test
    void wrongGradientsFail() {
        GradientChecker.Report typo = GradientChecker.check(new TypoS2NN());
        assertFalse(typo.passed(), typo.toString());
        // worst at the right end of the grid: |(x+1) - 1/(x+1)| is largest at x = 2 - step
        assertEquals(2 - GradientChecker.STEP, typo.atX(), 1e-12);
        assertEquals((3 - GradientChecker.STEP) - 1 / (3 - GradientChecker.STEP), typo.maxAbsError(), 1e-6);

        GradientChecker.Report wrong = GradientChecker.check(new SlightlyWrongATan());
        assertFalse(wrong.passed(), wrong.toString());
        assertEquals(0.0, wrong.atX(), 0.0, "one percent of g' is largest at the peak x = 0");
        assertEquals(0.01, wrong.maxAbsError(), 1e-8);
        // the float variant only checks float against double: the inherited float path is the (wrong) double one
        // rounded, so it is consistent; that is what check() is for
        assertTrue(GradientChecker.checkFloat(new SlightlyWrongATan()).passed(1e-7));
    }

    @Test
    void nanCountsAsAnInfiniteError() {
        SurrogateFunction nan = new SlightlyWrongATan() {
            private static final long serialVersionUID = 1L;

            @Override
            public double gradient(double x) {
                return x > 1 ? Double.NaN : super.gradient(x) / 1.01;
            }
        };
        GradientChecker.Report rep = GradientChecker.check(nan);
        assertEquals(Double.POSITIVE_INFINITY, rep.maxAbsError());
        assertFalse(rep.passed());
    }
}
