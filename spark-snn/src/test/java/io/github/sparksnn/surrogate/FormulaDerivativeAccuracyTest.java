package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The derivative rules that cancel in float are written in forms that do not: a derived gradient's float path
 * agrees with a float64 reference within a few float ulps over [-8, 8] (and the double path within 1e-13), where {@code s*(1 - s)} lost 1e-4 relative
 * accuracy and more once {@code s} nears 1.
 */
class FormulaDerivativeAccuracyTest {
    /** The largest |float - reference| over [-8, 8] (step 1/64), in float ulps of the reference. */
    static double maxUlps(Formula f, DoubleUnaryOperator reference) {
        return maxUlps(f, reference, true);
    }

    static double maxUlps(Formula f, DoubleUnaryOperator reference, boolean checkDouble) {
        double worst = 0;
        for (int i = -512; i <= 512; i++) {
            double x = i / 64.0;
            double ref = reference.applyAsDouble(x);
            float got = f.gradient((float) x);
            worst = Math.max(worst, Math.abs(got - ref) / Math.ulp((float) ref));
            if (checkDouble) {
                assertEquals(ref, f.gradient(x), 1e-13 * Math.abs(ref), f + " in double at x = " + x);
            }
        }
        return worst;
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void anUnseenFormulaOfASigmoidPowerIsWithinAFewUlps() {
        double alpha = 3;
        double beta = 2.5;
        Map<String, Double> p = Map.of("alpha", alpha, "beta", beta);
        // d/dx s(ax)^b = b a s(ax)^b s(-ax), with s(-ax) = 1 - s(ax) computed without the subtraction
        DoubleUnaryOperator ref = x -> beta * alpha * Math.pow(sigmoid(alpha * x), beta) * sigmoid(-alpha * x);
        Formula derived = Formula.of("sigmoid(alpha*x)^beta", null, p);
        double ulps = maxUlps(derived, ref);
        // s^(b - 1) carries s's rounding times 1.5, then four products: 6.3 ulps at worst on this grid
        assertTrue(ulps <= 8, "derived " + derived.gradientText() + ": " + ulps + " ulps");
        // the textbook form of the same gradient, s*(1 - s), is what the rule used to write: at x = 3 it is far off
        Formula textbook = Formula.of(null, "beta*sigmoid(alpha*x)^(beta - 1)*sigmoid(alpha*x)*(1 - sigmoid(alpha*x))*alpha", p);
        float at3 = textbook.gradient(3f);
        double rel = Math.abs(at3 - ref.applyAsDouble(3)) / ref.applyAsDouble(3);
        assertTrue(rel > 1e-4, "1 - s cancels at x = 3: relative error " + rel);
    }

    @Test
    void sigmoidRuleIsWithinAFewUlps() {
        double a = 4;
        Formula f = Formula.of("sigmoid(a*x)", null, Map.of("a", a));
        assertEquals("a * sigmoid(a * x) * sigmoid(-(a * x))", f.gradientText().replace("sigmoid(a * x) * sigmoid(-(a * x)) * a",
                "a * sigmoid(a * x) * sigmoid(-(a * x))"));
        double ulps = maxUlps(f, x -> a * sigmoid(a * x) * sigmoid(-a * x));
        assertTrue(ulps <= 3, f.gradientText() + ": " + ulps + " ulps");
    }

    @Test
    void tanhRuleIsWithinAFewUlps() {
        double a = 1.5;
        Formula f = Formula.of("tanh(a*x)", null, Map.of("a", a));
        double ulps = maxUlps(f, x -> a / (Math.cosh(a * x) * Math.cosh(a * x)));
        assertTrue(ulps <= 4, f.gradientText() + ": " + ulps + " ulps");
        // 1 - tanh^2, the textbook form, cancels once tanh nears 1 (|a x| > 4 here)
        Formula textbook = Formula.of(null, "(1 - tanh(a*x)^2)*a", Map.of("a", a));
        double worst = maxUlps(textbook, x -> a / (Math.cosh(a * x) * Math.cosh(a * x)), false);
        assertTrue(worst > 1000, "1 - tanh^2: " + worst + " ulps");
    }
}
