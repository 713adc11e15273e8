package io.github.sparksnn.surrogate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The 17 built-ins written as {@link Formula} texts (the table of {@link Formula}'s Javadoc and the README), and the
 * compiled kernels of those built-ins whose float paths are defined by their formula.
 *
 * <p>A built-in in {@link #FORMULA_DEFINED} keeps its double methods (the float64 reference the tests compare
 * against) and its CUDA strings (shipped PTX is keyed by their hash), and takes its float scalar and bulk methods
 * from the kernel its formula compiles to: the one definition of what training computes on a CPU. The others keep
 * hand-written float paths, each with a comment naming the measurement that kept it ({@code snn bench surrogate},
 * where the formula's bulk gradient was slower by more than 10% or its accuracy did not hold).
 */
public final class BuiltinFormulas {
    private BuiltinFormulas() {
    }

    /** name, primitive, gradient, the parameters the texts use (comma-separated). SquarewaveFourierSeries at n = 2. */
    private static final String[][] TEXTS = {
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

    /**
     * The built-ins whose float scalar and bulk methods are their formula's compiled kernel: those whose formula
     * bulk gradient measured within 10% of the hand-written loop with its accuracy holding (see the README's
     * "Surrogates from a formula" and each kept class's comment).
     */
    public static final Set<String> FORMULA_DEFINED = Set.of("PiecewiseQuadratic", "SoftSign", "SuperSpike", "ATan",
            "NonzeroSignLogAbs", "PiecewiseLeakyReLU", "LeakyKReLU", "FakeNumericalGradient", "DeterministicPass");

    /** Kernels by (name, parameters); a kernel is immutable (final constants), so instances share it. */
    private static final LruCache<String, FormulaKernel> KERNELS = new LruCache<>(256);

    /** The built-ins' names, in upstream's order. */
    public static List<String> names() {
        List<String> out = new java.util.ArrayList<>();
        for (String[] t : TEXTS) {
            out.add(t[0]);
        }
        return out;
    }

    /** {@code {primitive, gradient}} of a built-in (SquarewaveFourierSeries at {@code n = 2}). */
    public static String[] texts(String name) {
        for (String[] t : TEXTS) {
            if (t[0].equals(name)) {
                return new String[] {t[1], t[2]};
            }
        }
        throw new IllegalArgumentException("no built-in surrogate named " + name);
    }

    /**
     * The built-in as a {@link Formula} with its parameters and spiking mode; null for SquarewaveFourierSeries at
     * {@code n = 1} (its empty sum uses no parameter, which a formula cannot say).
     */
    public static Formula twin(SurrogateFunction builtin) {
        String[] t = textsOf(builtin);
        return t == null ? null : Formula.of(t[0], t[1], parametersOf(builtin), builtin.isSpiking());
    }

    /** The texts for this built-in's parameters (SquarewaveFourierSeries' harmonics), or null where none exist. */
    private static String[] textsOf(SurrogateFunction builtin) {
        if (builtin.name().equals("SquarewaveFourierSeries")) {
            int n = (int) (double) builtin.parameters().get("n");
            return n < 2 ? null : squarewave(n);
        }
        return texts(builtin.name());
    }

    /** The built-in's parameters that its texts use ({@code n} is in SquarewaveFourierSeries' texts, not a parameter). */
    private static Map<String, Double> parametersOf(SurrogateFunction builtin) {
        Map<String, Double> p = new LinkedHashMap<>();
        for (String[] row : TEXTS) {
            if (row[0].equals(builtin.name()) && !row[3].isEmpty()) {
                for (String k : row[3].split(",")) {
                    p.put(k, builtin.parameters().get(k));
                }
            }
        }
        return p;
    }

    /** SquarewaveFourierSeries' texts with {@code n - 1} odd harmonics. */
    static String[] squarewave(int n) {
        StringBuilder g = new StringBuilder("0.5 + 2/pi*(sin(2*pi/T_period*x)");
        StringBuilder d = new StringBuilder("4/T_period*(cos(2*pi/T_period*x)");
        for (int i = 2; i < n; i++) {
            int k = 2 * i - 1;
            g.append(" + sin(").append(k).append("*(2*pi/T_period)*x)/").append(k);
            d.append(" + cos(").append(k).append("*(2*pi/T_period)*x)");
        }
        return new String[] {g.append(')').toString(), d.append(')').toString()};
    }

    /** The compiled kernel of a built-in in {@link #FORMULA_DEFINED} (compiled once per text, cached per parameters). */
    static FormulaKernel kernel(SurrogateFunction builtin) {
        String key = builtin.name() + builtin.parameters();
        FormulaKernel k = KERNELS.get(key);
        if (k == null) {
            String[] t = textsOf(builtin);
            k = KERNELS.putIfAbsent(key, Formula.builtinKernel(t[0], t[1], parametersOf(builtin)));
        }
        return k;
    }
}
