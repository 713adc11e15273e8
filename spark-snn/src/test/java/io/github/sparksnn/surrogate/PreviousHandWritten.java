package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * The float paths that the built-ins now defined by their formula ({@link BuiltinFormulas#FORMULA_DEFINED}) had before,
 * as they were written by hand (commit 626bb05), one scalar per function: the frozen oracle against which
 * {@link FormulaDefinedSurrogatesTest} holds the formulas that replaced them. Constants are rounded to float from
 * double, as the classes did ({@code toFloat}); the branch-free steps are {@link Select}'s.
 */
final class PreviousHandWritten {
    private PreviousHandWritten() {
    }

    static boolean has(String name) {
        return switch (name) {
            case "PiecewiseQuadratic", "SoftSign", "SuperSpike", "ATan", "NonzeroSignLogAbs", "PiecewiseLeakyReLU",
                 "LeakyKReLU", "FakeNumericalGradient", "DeterministicPass" -> true;
            default -> false;
        };
    }

    private static float f(double v) {
        return (float) v;
    }

    /** The previous float {@code g'(x)}. */
    static float gradient(String name, Map<String, Double> p, float x) {
        double a = p.getOrDefault("alpha", Double.NaN);
        switch (name) {
            case "PiecewiseQuadratic":
                return Math.max(0f, f(a) - f(a * a) * Math.abs(x));
            case "SoftSign": {
                float d = 1f + Math.abs(f(a) * x);
                return f(a / 2) / (d * d);
            }
            case "SuperSpike": {
                float d = 1f + Math.abs(x);
                return f(a) / (d * d);
            }
            case "ATan": {
                float z = f(Math.PI / 2 * a) * x;
                return f(a / 2) / (1f + z * z);
            }
            case "NonzeroSignLogAbs":
                return 1f / (f(1 / a) + Math.abs(x));
            case "PiecewiseLeakyReLU": {
                double w = p.get("w");
                float s = Select.stepScalar(f(w) - Math.abs(x));
                return f(1 / (2 * w)) * s + f(p.get("c")) * (1f - s);
            }
            case "LeakyKReLU": {
                float s = Select.nonNegativeScalar(x);
                return f(p.get("k")) * s + f(p.get("leak")) * (1f - s);
            }
            case "FakeNumericalGradient":
                return Math.min(1f / Math.abs(x), f(a));
            case "DeterministicPass":
                return 1f;
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /** The previous float {@code g(x)}. */
    static float primitive(String name, Map<String, Double> p, float x) {
        double a = p.getOrDefault("alpha", Double.NaN);
        switch (name) {
            case "PiecewiseQuadratic": {
                float inv = f(1 / a);
                float c = Math.min(Math.max(x, -inv), inv);
                return -f(a * a / 2) * c * Math.abs(c) + f(a) * c + 0.5f;
            }
            case "SoftSign": {
                float ax = f(a) * x;
                return 0.5f * (ax / (1f + Math.abs(ax))) + 0.5f;
            }
            case "SuperSpike":
                return 0.5f + f(a) * x / (1f + Math.abs(x));
            case "ATan":
                return (float) (Math.atan(f(Math.PI / 2 * a) * x) / Math.PI) + 0.5f;
            case "NonzeroSignLogAbs":
                return Math.copySign((float) Math.log1p(Math.abs(f(a) * x)), x);
            case "PiecewiseLeakyReLU": {
                float w = f(p.get("w"));
                float xc = Math.min(Math.max(x, -w), w);
                return xc * f(1 / (2 * p.get("w"))) + 0.5f + f(p.get("c")) * (x - xc);
            }
            case "LeakyKReLU":
                return f(p.get("k")) * Math.max(x, 0f) + f(p.get("leak")) * Math.min(x, 0f);
            case "FakeNumericalGradient": {
                float inv = f(1 / a);
                float xc = Math.min(Math.max(x, -inv), inv);
                return f(a) * xc + Math.copySign((float) Math.log(Math.max(f(a) * Math.abs(x), 1f)), x);
            }
            case "DeterministicPass":
                return x;
            default:
                throw new IllegalArgumentException(name);
        }
    }
}
