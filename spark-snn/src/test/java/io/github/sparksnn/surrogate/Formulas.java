package io.github.sparksnn.surrogate;

import java.util.Map;
import java.util.Random;

/**
 * Independent float64 re-statements of the contract's formulas (SURROGATES.md), written from the table and not
 * from the main code, plus random valid parameters for each function. The Erf primitive has no closed form in
 * Java; {@link #primitive} integrates g' with composite Simpson from 0 ({@code g(0) = 1/2}) instead.
 */
final class Formulas {
    private Formulas() {
    }

    static final String[] NAMES = {"PiecewiseQuadratic", "PiecewiseExp", "Sigmoid", "SoftSign", "SuperSpike", "ATan",
        "NonzeroSignLogAbs", "Erf", "PiecewiseLeakyReLU", "SquarewaveFourierSeries", "S2NN", "QPseudoSpike",
        "LeakyKReLU", "FakeNumericalGradient", "LogTailedReLU", "DeterministicPass", "Rect"};

    static double u(Random r, double lo, double hi) {
        return lo + (hi - lo) * r.nextDouble();
    }

    /** Random valid parameters (by upstream's names) for {@code name}. */
    static Map<String, Double> randomParams(String name, Random r) {
        switch (name) {
            case "PiecewiseLeakyReLU": return Map.of("w", u(r, 0.1, 3), "c", u(r, -0.5, 0.5));
            case "SquarewaveFourierSeries": return Map.of("n", (double) (1 + r.nextInt(8)), "T_period", u(r, 1, 20));
            case "S2NN": return Map.of("alpha", u(r, 0.2, 8), "beta", u(r, -2, 3));
            case "QPseudoSpike": return Map.of("alpha", u(r, 1.05, 6));
            case "LeakyKReLU": return Map.of("leak", u(r, -1, 1), "k", u(r, -2, 3));
            case "FakeNumericalGradient": return Map.of("alpha", u(r, 0.05, 3));
            case "LogTailedReLU": return Map.of("alpha", u(r, -1, 1));
            case "DeterministicPass": return Map.of("alpha", u(r, -3, 3));
            case "Sigmoid": return Map.of("alpha", u(r, 0.2, 8));
            default: return Map.of("alpha", u(r, 0.2, 5));
        }
    }

    static double sgn(double x) {
        return x >= 0 ? 1 : -1;
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** g'(x) from the contract table. */
    static double gradient(String name, Map<String, Double> p, double x) {
        double a = p.getOrDefault("alpha", Double.NaN);
        double ax = Math.abs(x);
        switch (name) {
            case "PiecewiseQuadratic": return ax > 1 / a ? 0 : a - a * a * ax;
            case "PiecewiseExp": return a / 2 * Math.exp(-a * ax);
            case "Sigmoid": { double s = sigmoid(a * x); return a * s * (1 - s); }
            case "SoftSign": return a / (2 * Math.pow(1 + Math.abs(a * x), 2));
            case "SuperSpike": return a / Math.pow(1 + ax, 2);
            case "ATan": return a / 2 / (1 + Math.pow(Math.PI / 2 * a * x, 2));
            case "NonzeroSignLogAbs": return 1 / (1 / a + ax);
            case "Erf": return a / Math.sqrt(Math.PI) * Math.exp(-Math.pow(a * x, 2));
            case "PiecewiseLeakyReLU": return ax < p.get("w") ? 1 / (2 * p.get("w")) : p.get("c");
            case "SquarewaveFourierSeries": {
                double t = p.get("T_period");
                double w = 2 * Math.PI / t;
                double s = 0;
                for (int i = 1; i <= p.get("n") - 1; i++) {
                    s += Math.cos((2 * i - 1) * w * x);
                }
                return 4 / t * s;
            }
            case "S2NN": {
                if (x < 0) {
                    double s = sigmoid(a * x);
                    return a * s * (1 - s);
                }
                return p.get("beta") / (x + 1);
            }
            case "QPseudoSpike": return Math.pow(1 + 2 * ax / (a - 1), -a);
            case "LeakyKReLU": return x >= 0 ? p.get("k") : p.get("leak");
            case "FakeNumericalGradient": return x == 0 ? a : Math.min(1 / ax, a);
            case "LogTailedReLU": return x <= 0 ? a : (x <= 1 ? 1 : 1 / x);
            case "DeterministicPass": return 1;
            case "Rect": return ax < 1 / (2 * a) ? a : 0;
            default: throw new IllegalArgumentException(name);
        }
    }

    /** g(x) from the contract table (SuperSpike, FakeNumericalGradient: the documented derived primitives). */
    static double primitive(String name, Map<String, Double> p, double x) {
        double a = p.getOrDefault("alpha", Double.NaN);
        double ax = Math.abs(x);
        switch (name) {
            case "PiecewiseQuadratic":
                return x < -1 / a ? 0 : x > 1 / a ? 1 : -a * a / 2 * x * ax + a * x + 0.5;
            case "PiecewiseExp": return x < 0 ? Math.exp(a * x) / 2 : 1 - Math.exp(-a * x) / 2;
            case "Sigmoid": return sigmoid(a * x);
            case "SoftSign": return (a * x / (1 + Math.abs(a * x)) + 1) / 2;
            case "SuperSpike": return 0.5 + a * x / (1 + ax);
            case "ATan": return Math.atan(Math.PI / 2 * a * x) / Math.PI + 0.5;
            case "NonzeroSignLogAbs": return sgn(x) * Math.log(Math.abs(a * x) + 1);
            case "Erf": return 0.5 + simpson(t -> gradient(name, p, t), 0, x, 4000);
            case "PiecewiseLeakyReLU": {
                double w = p.get("w"), c = p.get("c");
                return x < -w ? c * x + c * w : x > w ? c * x - c * w + 1 : x / (2 * w) + 0.5;
            }
            case "SquarewaveFourierSeries": {
                double w = 2 * Math.PI / p.get("T_period");
                double s = 0;
                for (int i = 1; i <= p.get("n") - 1; i++) {
                    s += Math.sin((2 * i - 1) * w * x) / (2 * i - 1);
                }
                return 0.5 + 2 / Math.PI * s;
            }
            case "S2NN": return x < 0 ? sigmoid(a * x) : p.get("beta") * Math.log(x + 1) + 0.5;
            case "QPseudoSpike":
                return x >= 0 ? 1 - Math.pow(1 + 2 * x / (a - 1), 1 - a) / 2 : Math.pow(1 - 2 * x / (a - 1), 1 - a) / 2;
            case "LeakyKReLU": return x >= 0 ? p.get("k") * x : p.get("leak") * x;
            case "FakeNumericalGradient": return ax <= 1 / a ? a * x : sgn(x) * (1 + Math.log(a * ax));
            case "LogTailedReLU": return x < 0 ? a * x : x <= 1 ? x : Math.log(x) + 1;
            case "DeterministicPass": return x;
            case "Rect": return Math.min(1, Math.max(0, a * x + 0.5));
            default: throw new IllegalArgumentException(name);
        }
    }

    /** Composite Simpson's rule with {@code m} (even) intervals. */
    static double simpson(java.util.function.DoubleUnaryOperator f, double lo, double hi, int m) {
        double h = (hi - lo) / m;
        double s = f.applyAsDouble(lo) + f.applyAsDouble(hi);
        for (int i = 1; i < m; i++) {
            s += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(lo + i * h);
        }
        return s * h / 3;
    }
}
