package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proof that the formula compiler is exact: each of the 17 built-ins written as a {@link Formula} (primitive and
 * gradient given) equals the hand-written class on upstream's grid at the defaults and at random parameters, in double
 * (1e-12 relative) and in float (within 1 ulp, or at least as close to the double reference), for primitive and
 * gradient, scalar and bulk; and the symbolic derivative of each primitive equals the hand-written gradient in double.
 *
 * <p>"Relative" is relative to {@code max(|a|, |b|, 1e-3 S)} with S the largest magnitude of the function on the grid:
 * where a piece is a difference that cancels to nearly 0 (PiecewiseLeakyReLU's tail with a negative {@code c},
 * SquarewaveFourierSeries' cosine at its zeros, Sigmoid's {@code 1 - s}), the two codes' rounding differs in the
 * absolute, not the relative, digits. In float, a point also passes when the formula is at least as close to the
 * double reference as the hand-written float is (the hand-written PiecewiseQuadratic clamps with a rounded
 * {@code 1/alpha} and does not reach exactly 0 and 1 there; the formula's pieces do). SquarewaveFourierSeries' float
 * path computes in double (the phase {@code omega x} in float would cost digits); the formula's float path computes
 * the phase in float, so its primitive is held to 2e-6 absolute (about 16 float ulps at 1) instead: see
 * {@link #FLOAT_EXCEPTIONS}. So is S2NN's gradient: the hand-written float path evaluates in double and rounds the
 * numerator and denominator once each (within 2 ulps of the reference), while the formula's float arithmetic (a
 * sigmoid's exp and a quotient, in float) stays within about 12 ulps of it at random parameters. The README states
 * the same ({@link #docsShowTheTestedTexts}).
 */
class FormulaBuiltinsTest {
    /** name, primitive, gradient, the parameters the texts use. The texts of Formula's Javadoc and the README. */
    static final String[][] TEXTS = {
        {"PiecewiseQuadratic", "where(abs(x) > 1/alpha, where(x < 0, 0, 1), -alpha*alpha/2*x*abs(x) + alpha*x + 0.5)",
            "max(0, alpha - alpha*alpha*abs(x))", "alpha"},
        {"PiecewiseExp", "where(x < 0, exp(-alpha*abs(x))/2, 1 - exp(-alpha*abs(x))/2)", "alpha/2*exp(-alpha*abs(x))", "alpha"},
        {"Sigmoid", "1/(1 + exp(-alpha*x))", "alpha*exp(-alpha*abs(x))/(1 + exp(-alpha*abs(x)))^2", "alpha"},
        {"SoftSign", "0.5*(alpha*x/(1 + abs(alpha*x))) + 0.5", "alpha/2/(1 + abs(alpha*x))^2", "alpha"},
        {"SuperSpike", "0.5 + alpha*x/(1 + abs(x))", "alpha/(1 + abs(x))^2", "alpha"},
        {"ATan", "atan(pi/2*alpha*x)/pi + 0.5", "alpha/2/(1 + (pi/2*alpha*x)^2)", "alpha"},
        {"NonzeroSignLogAbs", "sign(x)*log1p(abs(alpha*x))", "1/(1/alpha + abs(x))", "alpha"},
        {"Erf", "erfc(-alpha*x)/2", "alpha/sqrt(pi)*exp(-(alpha*x)^2)", "alpha"},
        {"PiecewiseLeakyReLU", "min(max(x, -w), w)*(1/(2*w)) + 0.5 + c*(x - min(max(x, -w), w))",
            "where(abs(x) < w, 1/(2*w), c)", "w,c"},
        {"SquarewaveFourierSeries", "0.5 + 2/pi*sin(2*pi/T_period*x)", "4/T_period*cos(2*pi/T_period*x)", "T_period"},
        {"S2NN", "where(x < 0, 1/(1 + exp(-alpha*x)), beta*log1p(x) + 0.5)",
            "where(x < 0, alpha*exp(-alpha*abs(x))/(1 + exp(-alpha*abs(x)))^2, beta/(x + 1))", "alpha,beta"},
        {"QPseudoSpike", "where(x >= 0, 1 - 0.5*(1 + 2/(alpha - 1)*abs(x))^(1 - alpha), 0.5*(1 + 2/(alpha - 1)*abs(x))^(1 - alpha))",
            "(1 + 2/(alpha - 1)*abs(x))^(-alpha)", "alpha"},
        {"LeakyKReLU", "k*max(x, 0) + leak*min(x, 0)", "where(x >= 0, k, leak)", "leak,k"},
        {"FakeNumericalGradient", "alpha*min(max(x, -1/alpha), 1/alpha) + sign(x)*log(max(alpha*abs(x), 1))",
            "min(1/abs(x), alpha)", "alpha"},
        {"LogTailedReLU", "alpha*min(x, 0) + min(max(x, 0), 1) + log(max(x, 1))", "where(x > 0, 1/max(x, 1), alpha)", "alpha"},
        {"DeterministicPass", "x", "1", ""},
        {"Rect", "min(max(alpha*x + 0.5, 0), 1)", "where(abs(x) < 1/(2*alpha), alpha, 0)", "alpha"},
    };

    /** SquarewaveFourierSeries at n = 3: one more odd harmonic. */
    static final String[] SWFS3 = {"0.5 + 2/pi*(sin(2*pi/T_period*x) + sin(3*(2*pi/T_period)*x)/3)",
        "4/T_period*(cos(2*pi/T_period*x) + cos(3*(2*pi/T_period)*x))"};

    /**
     * Function and method where the hand-written float path computes in double and the formula's in float: the formula
     * is held to 2e-6 absolute (relative above 1) there. Everywhere else the 1-ulp rule of {@link #floatMismatches}.
     */
    static final java.util.Set<String> FLOAT_EXCEPTIONS = java.util.Set.of("SquarewaveFourierSeries primitive",
            "S2NN gradient");

    static List<String> names() {
        List<String> out = new ArrayList<>();
        for (String[] t : TEXTS) {
            out.add(t[0]);
        }
        return out;
    }

    static String[] texts(String name) {
        for (String[] t : TEXTS) {
            if (t[0].equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(name);
    }

    static Map<String, Double> subset(Map<String, Double> all, String names) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!names.isEmpty()) {
            for (String n : names.split(",")) {
                out.put(n, all.get(n));
            }
        }
        return out;
    }

    /** The built-in's parameters: the defaults (trial 0) or random valid ones. */
    static Map<String, Double> params(String name, int trial, Random r) {
        Map<String, Double> p = new LinkedHashMap<>(Surrogates.create(name, Map.of()).parameters());
        if (trial > 0) {
            p.putAll(Formulas.randomParams(name, r));
        }
        if (name.equals("SquarewaveFourierSeries")) {
            p.put("n", 2.0);
        }
        return p;
    }

    static double[] grid() {
        int n = (int) Math.ceil((GradientChecker.TO - GradientChecker.FROM) / GradientChecker.STEP);
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = GradientChecker.FROM + i * GradientChecker.STEP;
        }
        return xs;
    }

    interface D {
        double at(double x);
    }

    /** The largest relative difference (relative to max(|a|, |b|, 1e-3 S)) between two double functions on the grid. */
    static double maxRelative(D a, D b, double[] xs) {
        double s = 0;
        for (double x : xs) {
            s = Math.max(s, Math.abs(b.at(x)));
        }
        double worst = 0;
        for (double x : xs) {
            double u = a.at(x);
            double v = b.at(x);
            double d = Math.abs(u - v) / Math.max(Math.max(Math.abs(u), Math.abs(v)), Math.max(1e-3 * s, Double.MIN_NORMAL));
            if (!(d <= worst)) {
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return worst;
    }

    /**
     * Float agreement: the number of grid points where {@code f} and {@code h} differ by more than 1 ulp of the larger
     * while {@code f} is also farther than {@code h} from the double reference; and the largest difference in ulps.
     */
    static int[] floatMismatches(float[] f, float[] h, double[] ref) {
        int bad = 0;
        int worstUlps = 0;
        for (int i = 0; i < f.length; i++) {
            float a = f[i];
            float b = h[i];
            float d = Math.abs(a - b);
            float ulp = Math.ulp(Math.max(Math.abs(a), Math.abs(b)));
            int ulps = a == b ? 0 : (int) Math.min(1e9, Math.ceil(d / ulp));
            worstUlps = Math.max(worstUlps, ulps);
            if (ulps > 1 && Math.abs(a - ref[i]) > Math.abs(b - ref[i])) {
                bad++;
            }
        }
        return new int[] {bad, worstUlps};
    }

    @ParameterizedTest
    @MethodSource("names")
    void formulaEqualsHandWritten(String name) {
        String[] t = texts(name);
        Random r = new Random(name.hashCode());
        double[] xs = grid();
        float[] xf = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            xf[i] = (float) xs[i];
        }
        StringBuilder report = new StringBuilder(name);
        for (int trial = 0; trial < 8; trial++) {
            Map<String, Double> p = params(name, trial, r);
            SurrogateFunction h = Surrogates.create(name, p);
            Formula f = Formula.of(t[1], t[2], subset(p, t[3]));
            String where = name + " " + p;

            double relP = maxRelative(f::primitive, h::primitive, xs);
            double relG = maxRelative(f::gradient, h::gradient, xs);
            assertTrue(relP <= 1e-12, where + ": primitive differs in double by " + relP + " relative");
            assertTrue(relG <= 1e-12, where + ": gradient differs in double by " + relG + " relative");

            float[] fp = new float[xs.length];
            float[] hp = new float[xs.length];
            float[] fg = new float[xs.length];
            float[] hg = new float[xs.length];
            f.primitive(xf, 0, fp, 0, xf.length);
            h.primitive(xf, 0, hp, 0, xf.length);
            f.gradient(xf, 0, fg, 0, xf.length);
            h.gradient(xf, 0, hg, 0, xf.length);
            double[] refP = new double[xs.length];
            double[] refG = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                refP[i] = h.primitive((double) xf[i]);
                refG[i] = h.gradient((double) xf[i]);
                assertEquals(fp[i], f.primitive(xf[i]), 0f, where + ": scalar and bulk float primitive differ at " + xf[i]);
                assertEquals(fg[i], f.gradient(xf[i]), 0f, where + ": scalar and bulk float gradient differ at " + xf[i]);
            }
            int[] mp = floatMismatches(fp, hp, refP);
            int[] mg = floatMismatches(fg, hg, refG);
            report.append(String.format(java.util.Locale.ROOT, " | %s dbl %.1e/%.1e flt %d/%d ulps", p, relP, relG, mp[1], mg[1]));
            if (FLOAT_EXCEPTIONS.contains(name + " primitive")) {
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(hp[i], fp[i], 2e-6 * Math.max(1, Math.abs(hp[i])), where + ": float primitive at " + xf[i]);
                }
            } else {
                assertEquals(0, mp[0], where + ": float primitive more than 1 ulp from the hand-written one (and less "
                        + "accurate) at " + mp[0] + " points; worst " + mp[1] + " ulps");
            }
            if (FLOAT_EXCEPTIONS.contains(name + " gradient")) {
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(hg[i], fg[i], 2e-6 * Math.max(1, Math.abs(hg[i])), where + ": float gradient at " + xf[i]);
                }
            } else {
                assertEquals(0, mg[0], where + ": float gradient more than 1 ulp from the hand-written one (and less "
                        + "accurate) at " + mg[0] + " points; worst " + mg[1] + " ulps");
            }
        }
        System.out.println(report);
    }

    @Test
    void squarewaveWithTwoHarmonics() {
        Random r = new Random(3);
        double[] xs = grid();
        for (int trial = 0; trial < 8; trial++) {
            double period = trial == 0 ? 8 : Formulas.u(r, 1, 20);
            SurrogateFunction h = new SquarewaveFourierSeries(3, period);
            Formula f = Formula.of(SWFS3[0], SWFS3[1], Map.of("T_period", period));
            assertTrue(maxRelative(f::primitive, h::primitive, xs) <= 1e-12, "T_period " + period);
            assertTrue(maxRelative(f::gradient, h::gradient, xs) <= 1e-12, "T_period " + period);
        }
    }

    /**
     * The symbolic derivative of each primitive equals the hand-written gradient (the contract's g' with its errata:
     * S2NN's beta/(x+1), PiecewiseLeakyReLU's 1/(2w), LogTailedReLU's middle piece); at piece boundaries either side
     * is accepted, so points within 1e-9 of a kink are left out.
     */
    @ParameterizedTest
    @MethodSource("names")
    void symbolicDerivativeEqualsHandWrittenGradient(String name) {
        String[] t = texts(name);
        Random r = new Random(name.hashCode() + 1);
        for (int trial = 0; trial < 8; trial++) {
            Map<String, Double> p = params(name, trial, r);
            SurrogateFunction h = Surrogates.create(name, p);
            Formula f = Formula.of(t[1], null, subset(p, t[3]));
            assertTrue(!f.gradientGiven());
            double[] kinks = h.kinks();
            List<Double> xs = new ArrayList<>();
            outer:
            for (double x : grid()) {
                for (double k : kinks) {
                    if (Math.abs(x - k) < 1e-9) {
                        continue outer;
                    }
                }
                xs.add(x);
            }
            double[] pts = xs.stream().mapToDouble(Double::doubleValue).toArray();
            double rel = maxRelative(f::gradient, h::gradient, pts);
            assertTrue(rel <= 1e-12, name + " " + p + ": d/dx " + f.primitiveText() + " = " + f.gradientText()
                    + " differs from the hand-written gradient by " + rel + " relative");
        }
    }

    /** The texts the docs show are the texts tested here (README's table and Formula's Javadoc). */
    @Test
    void docsShowTheTestedTexts() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String javadoc = java.nio.file.Files.readString(java.nio.file.Path.of("src", "main", "java", "io", "github", "sparksnn",
                "surrogate", "Formula.java")).replace("&lt;", "<").replace("&gt;", ">");
        for (String[] t : TEXTS) {
            String row = "| " + t[0] + (t[0].equals("SquarewaveFourierSeries") ? " (n=2)" : "") + " | `" + t[1] + "` | `" + t[2] + "` |";
            assertTrue(readme.contains(row), "README lacks " + row);
            assertTrue(javadoc.contains("g  = " + t[1]) && javadoc.contains("g' = " + t[2]), "Formula's Javadoc lacks " + t[0]);
        }
        // The sentence above the table states what formulaEqualsHandWritten holds: its tolerances and exceptions.
        int end = readme.indexOf("(`FormulaBuiltinsTest`)");
        assertTrue(end >= 0, "README cites FormulaBuiltinsTest");
        String sentence = readme.substring(readme.lastIndexOf("The 17 built-ins as", end), end).replaceAll("\\s+", " ");
        assertTrue(sentence.contains("within 1e-12 relative in double"), sentence);
        assertTrue(sentence.contains("within 1 ulp or closer to the double reference than the hand-written float path"),
                sentence);
        for (String exception : FLOAT_EXCEPTIONS) {
            String[] fm = exception.split(" ");
            assertTrue(sentence.contains(fm[0] + "'s " + fm[1]), "README names the exception " + exception + ": " + sentence);
        }
        assertTrue(sentence.contains("2e-6"), sentence);
    }
}
