package io.github.sparksnn.surrogate;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A surrogate written as one line of text: {@code Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)}.
 * It has everything the built-ins have: spiking and non-spiking forward, float bulk loops compiled to bytecode at
 * run time (Janino, cached per formula text, the built-ins' loop shapes), CUDA code in float and half2, a gradient
 * check, and a text form that parses back ({@link Surrogates#parse}) and is what travels to executors and into
 * saved models.
 *
 * <h2>The three forms</h2>
 * <ul>
 *   <li>{@code Formula(primitive='g', ...)}: the gradient is derived symbolically (the textbook rules) and simplified.
 *       The derivative is only as robust as the text: {@code 1/(1 + exp(-a*x))} differentiates to a quotient that
 *       is inf/inf (NaN) once {@code exp} overflows (float: {@code a*x < -88}); {@code sigmoid(a*x)} differentiates
 *       to {@code sigmoid(a*x)*sigmoid(-(a*x))*a}, which stays finite (and accurate in float: the textbook
 *       {@code s*(1 - s)} loses digits to cancellation once {@code s} nears 1).</li>
 *   <li>{@code Formula(primitive='g', gradient='dg', ...)}: both given; at construction {@link GradientChecker}
 *       compares them on upstream's grid and the pair is rejected with the largest error and where it occurs.</li>
 *   <li>{@code Formula(gradient='dg', ...)}: no primitive; the function can only be used in spiking mode
 *       (switching spiking off fails with a message saying so).</li>
 * </ul>
 * Every other argument is a parameter: any identifier other than {@code x}, {@code pi}, {@code e}, the function
 * names, {@code primitive}, {@code gradient} and {@code spiking}; each one the formulas use must be given (no
 * defaults) as a finite number, and each one given must be used. Parameter names are case-sensitive.
 *
 * <h2>The language</h2>
 * Decimal numbers, {@code x}, parameters, {@code pi}, {@code e}, {@code + - * / ^} (power binds tightest and is
 * right-associative, {@code -x^2 = -(x^2)}), unary minus, parentheses, and the functions {@code abs exp log sqrt
 * tanh atan erf sigmoid min max sign heaviside}, beyond the list {@code sin cos erfc log1p} (the Fourier
 * series, Erf's and the log surrogates' exact forms), and {@code where(cond, a, b)} with {@code cond} one comparison
 * ({@code < <= > >= == !=}). {@code sign(x)} is the contract's sgn (1 for {@code x >= 0}, else -1) and
 * {@code heaviside(x)} is 1 for {@code x >= 0}. Errors name the position; unknown functions list the valid ones.
 *
 * <h2>Limits</h2>
 * A formula may come from a SQL column, so its size is bounded before anything recurses over it (a stack overflow
 * would take the Spark executor down with it): each text at most {@link #MAX_TEXT_LENGTH} (10,000) characters and
 * {@link #MAX_NESTING_DEPTH} (200) levels deep, a derived gradient at most {@link #MAX_GRADIENT_NODES} (5,000)
 * nodes (which keeps the generated Java near 100,000 characters at most), and the generated methods within the
 * JVM's 64 KB of bytecode. Each is an {@link IllegalArgumentException} of one
 * line naming the limit and the value ({@code formula too large: ...} for the generated code). Every walk over a
 * formula's trees (parsing, differentiating, generating and compiling code, the kink scan, CUDA code) runs on a
 * thread with a 64 MB stack ({@link LargeStack}), whatever the caller's stack; texts are printed once, at
 * construction, and equality compares them.
 *
 * <h2>Derivative rules</h2>
 * The textbook rules, with the two that cancel in float rewritten: {@code sigmoid(u)' = sigmoid(u)*sigmoid(-u)*u'}
 * (not {@code s*(1 - s)}) and {@code tanh(u)' = 4*sigmoid(2*u)*sigmoid(-(2*u))*u'} (that is sech^2, not
 * {@code 1 - tanh^2}); both agree with a float64 reference within a few float ulps everywhere. The quotient rule
 * {@code (a'c - ac')/c^2} can still cancel when both a and c depend on x (as any symbolic differentiator's does);
 * write such a formula in a form whose derivative does not ({@code sigmoid(a*x)} rather than
 * {@code 1/(1 + exp(-a*x))}).
 *
 * <h2>The 17 built-ins as formulas</h2>
 * Each pair below equals its hand-written class on upstream's grid at the defaults and at random parameters
 * ({@code FormulaBuiltinsTest}): within 1e-12 relative in double, and in float within 1 ulp or closer to the double
 * reference than the hand-written float path (the texts follow the built-ins' float shapes, which is why some use a
 * clamp where the contract writes pieces). SquarewaveFourierSeries is shown at {@code n = 2}; each further n adds a
 * term ({@code sin(3*(2*pi/T_period)*x)/3}, ...). The symbolic derivative of every primitive equals the
 * hand-written gradient in double (the contract's errata included: S2NN's {@code beta/(x + 1)}, PiecewiseLeakyReLU's
 * {@code 1/(2*w)}, LogTailedReLU's middle piece). For the nine built-ins of {@link BuiltinFormulas#FORMULA_DEFINED}
 * the text is now the class's float definition, and {@code FormulaDefinedSurrogatesTest} holds it to the hand-written
 * float paths it replaced.
 * <pre>
 * PiecewiseQuadratic      g  = where(abs(x) &gt; 1/alpha, where(x &lt; 0, 0, 1), -alpha*alpha/2*x*abs(x) + alpha*x + 0.5)
 *                         g' = max(0, alpha - alpha*alpha*abs(x))
 * PiecewiseExp            g  = where(x &lt; 0, exp(-alpha*abs(x))/2, 1 - exp(-alpha*abs(x))/2)
 *                         g' = alpha/2*exp(-alpha*abs(x))
 * Sigmoid                 g  = 1/(1 + exp(-alpha*x))
 *                         g' = alpha*exp(-alpha*abs(x))/(1 + exp(-alpha*abs(x)))^2
 * SoftSign                g  = 0.5*(alpha*x/(1 + abs(alpha*x))) + 0.5
 *                         g' = alpha/2/(1 + abs(alpha*x))^2
 * SuperSpike              g  = 0.5 + alpha*x/(1 + abs(x))
 *                         g' = alpha/(1 + abs(x))^2
 * ATan                    g  = atan(pi/2*alpha*x)/pi + 0.5
 *                         g' = alpha/2/(1 + (pi/2*alpha*x)^2)
 * NonzeroSignLogAbs       g  = sign(x)*log1p(abs(alpha*x))
 *                         g' = 1/(1/alpha + abs(x))
 * Erf                     g  = erfc(-alpha*x)/2
 *                         g' = alpha/sqrt(pi)*exp(-(alpha*x)^2)
 * PiecewiseLeakyReLU      g  = min(max(x, -w), w)*(1/(2*w)) + 0.5 + c*(x - min(max(x, -w), w))
 *                         g' = where(abs(x) &lt; w, 1/(2*w), c)
 * SquarewaveFourierSeries g  = 0.5 + 2/pi*sin(2*pi/T_period*x)
 *                         g' = 4/T_period*cos(2*pi/T_period*x)
 * S2NN                    g  = where(x &lt; 0, 1/(1 + exp(-alpha*x)), beta*log1p(x) + 0.5)
 *                         g' = where(x &lt; 0, alpha*exp(-alpha*abs(x))/(1 + exp(-alpha*abs(x)))^2, beta/(x + 1))
 * QPseudoSpike            g  = where(x &gt;= 0, 1 - 0.5*(1 + 2/(alpha - 1)*abs(x))^(1 - alpha), 0.5*(1 + 2/(alpha - 1)*abs(x))^(1 - alpha))
 *                         g' = (1 + 2/(alpha - 1)*abs(x))^(-alpha)
 * LeakyKReLU              g  = k*max(x, 0) + leak*min(x, 0)
 *                         g' = where(x &gt;= 0, k, leak)
 * FakeNumericalGradient   g  = alpha*min(max(x, -1/alpha), 1/alpha) + sign(x)*log(max(alpha*abs(x), 1))
 *                         g' = min(1/abs(x), alpha)
 * LogTailedReLU           g  = alpha*min(x, 0) + min(max(x, 0), 1) + log(max(x, 1))
 *                         g' = where(x &gt; 0, 1/max(x, 1), alpha)
 * DeterministicPass       g  = x
 *                         g' = 1
 * Rect                    g  = min(max(alpha*x + 0.5, 0), 1)
 *                         g' = where(abs(x) &lt; 1/(2*alpha), alpha, 0)
 * </pre>
 *
 * <h2>Numbers</h2>
 * Parameter-only sub-expressions are computed once in double and rounded to float for the float paths (the
 * built-ins' precomputed constants); the float paths compute in float with transcendental functions in double,
 * rounded; a function value scaled by a constant ({@code atan(z)/pi}) is computed in double and rounded once.
 * {@code where} has no branch in float code (a branch on random-signed potentials mispredicts half the time):
 * with constant pieces it blends with the built-ins' vectorizable steps in the one-index loop; with pieces that
 * depend on x it selects by bit masks (both pieces computed, not vectorized, a few ns per element). In float
 * code a NaN x gives NaN through a {@code where}; in double, the else piece. Kinks ({@link #kinks()}) are found
 * numerically: the sign changes of every comparison difference and of the arguments of abs, sign, heaviside, min
 * and max on {@code [-16, 16]}.
 *
 * <h2>On a GPU</h2>
 * The CUDA backend's neuron kernels take {@link #cudaCode}: the gpu module turns that float code into PTX in Java
 * ({@code FormulaPtx}: the same float operations, calls to the CUDA math library's functions) and links it with
 * shipped kernels at load time, so an executor with the driver alone, no CUDA toolkit, runs a formula's layers.
 *
 * <h2>Travel</h2>
 * Java serialization writes {@link #toString()} and reads it back through {@link Surrogates#parse}: generated
 * classes never travel; an executor compiles (once per JVM) what it receives.
 */
public final class Formula extends SurrogateFunction {
    private static final long serialVersionUID = 1L;

    /** The name in specs: {@code Formula(primitive='...', ...)}. */
    public static final String NAME = "Formula";
    /** The argument holding the primitive's text. */
    public static final String PRIMITIVE = "primitive";
    /** The argument holding the gradient's text. */
    public static final String GRADIENT = "gradient";

    /** The longest primitive or gradient text, in characters (the parser and the code generators are linear in it). */
    public static final int MAX_TEXT_LENGTH = 10_000;
    /**
     * The deepest nesting of a primitive or gradient: parentheses, calls, signs, powers, and each operator of a chain
     * ({@code a + b + c} is two levels). The walks over a formula recurse per level (Janino's parser about 15 frames
     * a level) and a derivative nests deeper than its primitive (the worst within the limits about 300 levels); at
     * this limit they need a few MB of the 64 MB stack of {@link LargeStack}, while formulas that people write nest
     * a dozen levels.
     */
    public static final int MAX_NESTING_DEPTH = 200;
    /**
     * The most nodes of a derived gradient before simplification, counted as a tree: symbolic differentiation can
     * square a primitive's size (a product of n factors gives n terms of n factors). The built-ins' derivatives have
     * under 40; at this limit the generated Java is at most about 120,000 characters (well under a second of
     * Janino, and methods well under the JVM's 64 KB); at 20,000 nodes it was 4.5 million characters and 40 s.
     */
    public static final int MAX_GRADIENT_NODES = 5_000;

    private static final double KINK_SCAN_FROM = -16;
    private static final double KINK_SCAN_TO = 16;
    private static final double KINK_SCAN_STEP = 1.0 / 1024;

    private final transient Expr primitive;
    private final transient Expr givenGradient;
    private final transient Expr gradient;
    private final transient Map<String, Double> params;
    private final transient FormulaKernel kernel;
    /**
     * The canonical texts, printed once at construction: printing walks the tree, and every walk runs on a
     * {@link LargeStack} thread; equality and hashing compare these (equal trees print equal texts and a text parses
     * back to its tree, so text equality is tree equality).
     */
    private final transient String primitiveText;
    private final transient String givenGradientText;
    private final transient String gradientText;
    /** Found on first use ({@link #kinks()}): an executor that only trains in spiking mode never scans. */
    private transient volatile double[] kinks;

    private Formula(Expr primitive, Expr givenGradient, Expr gradient, Map<String, Double> params, FormulaKernel kernel,
                    double[] kinks, boolean spiking) {
        this(primitive, givenGradient, gradient, params, kernel, kinks, spiking,
                primitive == null ? null : Expr.print(primitive), givenGradient == null ? null : Expr.print(givenGradient),
                Expr.print(gradient));
    }

    private Formula(Expr primitive, Expr givenGradient, Expr gradient, Map<String, Double> params, FormulaKernel kernel,
                    double[] kinks, boolean spiking, String primitiveText, String givenGradientText, String gradientText) {
        super(spiking);
        this.primitive = primitive;
        this.givenGradient = givenGradient;
        this.gradient = gradient;
        this.params = params;
        this.kernel = kernel;
        this.kinks = kinks;
        this.primitiveText = primitiveText;
        this.givenGradientText = givenGradientText;
        this.gradientText = gradientText;
    }

    /**
     * A formula from its texts and parameters, in spiking mode. {@code primitive} or {@code gradient} may be null
     * (not both). Every problem is an {@link IllegalArgumentException} that says what and where.
     */
    public static Formula of(String primitive, String gradient, Map<String, Double> params) {
        return of(primitive, gradient, params, true);
    }

    /** As {@link #of(String, String, Map)} with the spiking mode given. */
    public static Formula of(String primitive, String gradient, Map<String, Double> params, boolean spiking) {
        return LargeStack.call(() -> create(primitive, gradient, params, spiking));
    }

    private static Formula create(String primitive, String gradient, Map<String, Double> params, boolean spiking) {
        if (primitive == null && gradient == null) {
            throw new IllegalArgumentException(NAME + ": give primitive='...' (the gradient is then derived), gradient='...', "
                    + "or both");
        }
        Expr[] out = new Expr[1];
        Map<String, Integer> firstUse = new LinkedHashMap<>();
        Expr p = null;
        if (primitive != null) {
            p = parse(PRIMITIVE, primitive, out, firstUse);
        }
        Expr g = null;
        if (gradient != null) {
            g = parse(GRADIENT, gradient, out, firstUse);
        }
        Map<String, Double> values = checkParameters(p, g, firstUse, params == null ? Map.of() : params);
        if (p == null && !spiking) {
            throw noPrimitive(gradient);
        }
        return build(p, g, values, spiking);
    }

    /**
     * A formula from spec arguments: {@code primitive} and {@code gradient} as strings, {@code spiking} as a boolean
     * (or 1/0), every other entry a parameter (a number). What the model spec and {@link Surrogates#parse} call.
     */
    public static Formula fromArguments(Map<String, ?> args) {
        String p = null;
        String g = null;
        boolean spiking = true;
        Map<String, Double> params = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : args.entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            if (k.equals(PRIMITIVE) || k.equals(GRADIENT)) {
                if (!(v instanceof String s)) {
                    throw new IllegalArgumentException(NAME + ": " + k + " must be a quoted text, e.g. " + k + "='0.5 + atan(x)/pi'"
                            + ", got " + v);
                }
                if (k.equals(PRIMITIVE)) {
                    p = s;
                } else {
                    g = s;
                }
            } else if (k.toLowerCase(Locale.ROOT).equals(Surrogates.SPIKING)) {
                if (v instanceof Boolean b) {
                    spiking = b;
                } else if (v instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1)) {
                    spiking = n.doubleValue() == 1;
                } else {
                    throw new IllegalArgumentException(NAME + ": spiking must be true or false, got " + v);
                }
            } else if (v instanceof Number n) {
                params.put(k, n.doubleValue());
            } else {
                throw new IllegalArgumentException(NAME + ": parameter " + k + " must be a number, got "
                        + (v instanceof String ? "the text '" + v + "'" : String.valueOf(v)));
            }
        }
        return of(p, g, params, spiking);
    }

    /** The same formula with other parameter values (the names must stay those the formula uses). */
    public Formula withParameters(Map<String, Double> values) {
        Map<String, Integer> uses = new LinkedHashMap<>();
        for (String n : usedParameters(primitive, givenGradient)) {
            uses.put(n, -1);
        }
        return LargeStack.call(() -> build(primitive, givenGradient, checkParameters(primitive, givenGradient, uses, values),
                isSpiking()));
    }

    private static Expr parse(String which, String text, Expr[] out, Map<String, Integer> firstUse) {
        if (text.indexOf('\'') >= 0) {
            throw new IllegalArgumentException(NAME + ": the " + which + " must not contain a single quote, got '" + text + "'");
        }
        ExprParser parser;
        try {
            parser = ExprParser.parse(text, out);
        } catch (ExprParser.FormulaSyntaxException e) {
            throw new FormulaException(which, e);
        } catch (ExprParser.LimitException e) {
            throw new IllegalArgumentException(NAME + ": the " + which + " " + e.getMessage(), e);
        }
        parser.firstUse.forEach(firstUse::putIfAbsent);
        return out[0];
    }

    /** A syntax error in one of the texts; {@link #position} is 0-based within that text. */
    public static final class FormulaException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        /** {@code primitive} or {@code gradient}. */
        public final String which;
        /** The 0-based position of the error in that text. */
        public final int position;

        FormulaException(String which, ExprParser.FormulaSyntaxException e) {
            super(NAME + ": syntax error in the " + which + " at " + e.getMessage(), e);
            this.which = which;
            this.position = e.position;
        }
    }

    private static Set<String> usedParameters(Expr p, Expr g) {
        Set<String> used = new LinkedHashSet<>(Expr.parameters(p));
        used.addAll(Expr.parameters(g));
        return used;
    }

    private static Map<String, Double> checkParameters(Expr p, Expr g, Map<String, Integer> firstUse, Map<String, Double> given) {
        Set<String> used = usedParameters(p, g);
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : given.entrySet()) {
            String name = e.getKey();
            if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException(NAME + ": invalid parameter name '" + name + "'");
            }
            if (!used.contains(name)) {
                throw new IllegalArgumentException(NAME + ": parameter '" + name + "' is not used by the formula; "
                        + (used.isEmpty() ? "it uses no parameters" : "its parameters: " + String.join(", ", used))
                        + " (names are case-sensitive; x, pi and e are not parameters)");
            }
            Double v = e.getValue();
            if (v == null || !Double.isFinite(v)) {
                throw new IllegalArgumentException(NAME + ": parameter " + name + " must be a finite number, got " + v);
            }
            values.put(name, v);
        }
        for (String name : used) {
            if (!values.containsKey(name)) {
                Integer at = firstUse.get(name);
                throw new IllegalArgumentException(NAME + ": parameter '" + name + "'"
                        + (at != null && at >= 0 ? " (column " + (at + 1) + ")" : "") + " has no value; give each one in the "
                        + "call, e.g. " + name + "=1.0 (parameters have no defaults; the formula uses: "
                        + String.join(", ", used) + ")");
            }
        }
        return Collections.unmodifiableMap(values);
    }

    private static Formula build(Expr p, Expr given, Map<String, Double> values, boolean spiking) {
        Expr g = given != null ? given : Expr.derivative(p);
        Formula f = new Formula(p, given, g, values, compile(p, g, values), null, spiking);
        if (p != null && given != null) {
            checkPair(f);
        }
        return f;
    }

    private static FormulaKernel compile(Expr p, Expr g, Map<String, Double> values) {
        List<String> order = new ArrayList<>(usedParameters(p, g));
        double[] v = new double[order.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(order.get(i));
        }
        return FormulaCompiler.kernel(p, g, order, v);
    }

    /**
     * The kernel of a built-in's texts ({@link BuiltinFormulas}) with its parameters, without the pair check of
     * {@link #of}: the pairs are tested once for all ({@code FormulaBuiltinsTest}), and a check at extreme parameters
     * that the built-in accepts must not fail a training step.
     */
    static FormulaKernel builtinKernel(String primitive, String gradient, Map<String, Double> params) {
        return LargeStack.call(() -> {
            Expr[] out = new Expr[1];
            Map<String, Integer> firstUse = new LinkedHashMap<>();
            Expr p = parse(PRIMITIVE, primitive, out, firstUse);
            Expr g = parse(GRADIENT, gradient, out, firstUse);
            return compile(p, g, checkParameters(p, g, firstUse, params));
        });
    }

    /** Rejects a primitive/gradient pair that disagree (upstream's check_manual_grad on its grid). */
    private static void checkPair(Formula f) {
        double scale = 1;
        for (double x = GradientChecker.FROM; x < GradientChecker.TO; x += GradientChecker.STEP) {
            double g = Math.abs(f.gradient(x));
            if (Double.isFinite(g)) {
                scale = Math.max(scale, g);
            }
        }
        double tolerance = GradientChecker.DEFAULT_TOLERANCE * scale;
        GradientChecker.Report r = GradientChecker.check(f);
        if (!r.passed(tolerance)) {
            throw new IllegalArgumentException(NAME + ": the gradient is not the derivative of the primitive: the largest "
                    + "|gradient(x) - (primitive(x+h) - primitive(x-h))/2h| on upstream's grid [-2, 2) is "
                    + r.maxAbsError() + " at x = " + r.atX() + " (h = " + GradientChecker.H + ", tolerance " + tolerance
                    + "): primitive " + f.primitiveText + ", gradient " + f.givenGradientText
                    + ", " + f.params);
        }
    }

    /** The sign changes of every switch quantity on the scan range, refined by bisection. */
    private static double[] kinks(Expr p, Expr g, Map<String, Double> values) {
        List<Expr> switches = new ArrayList<>();
        if (p != null) {
            Expr.switches(p, switches);
        }
        Expr.switches(g, switches);
        Set<Double> found = new java.util.TreeSet<>();
        for (Expr s : new LinkedHashSet<>(switches)) {
            int n = (int) Math.round((KINK_SCAN_TO - KINK_SCAN_FROM) / KINK_SCAN_STEP);
            double px = KINK_SCAN_FROM;
            double pv = Expr.eval(s, px, values);
            for (int i = 1; i <= n; i++) {
                double x = KINK_SCAN_FROM + i * KINK_SCAN_STEP;
                double v = Expr.eval(s, x, values);
                if (v == 0) {
                    found.add(x);
                } else if (pv != 0 && !Double.isNaN(pv) && !Double.isNaN(v) && (pv < 0) != (v < 0)) {
                    double lo = px;
                    double hi = x;
                    for (int k = 0; k < 80 && lo < hi; k++) {
                        double mid = lo + (hi - lo) / 2;
                        if (mid == lo || mid == hi) {
                            break;
                        }
                        double mv = Expr.eval(s, mid, values);
                        if (mv == 0) {
                            lo = mid;
                            hi = mid;
                        } else if ((mv < 0) == (pv < 0)) {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    found.add(lo);
                    if (hi != lo) {
                        found.add(hi);
                    }
                }
                px = x;
                pv = v;
            }
        }
        double[] out = new double[found.size()];
        int i = 0;
        for (double k : found) {
            out[i++] = k;
        }
        return out;
    }

    private static IllegalArgumentException noPrimitive(String gradient) {
        return new IllegalArgumentException(NAME + "(gradient='" + gradient + "') has no primitive, so spiking mode cannot be "
                + "switched off (the non-spiking forward pass is the primitive); give primitive='...' as well");
    }

    // ---------------------------------------------------------------- accessors

    /** The compiled kernel (the float paths of the built-ins that {@link BuiltinFormulas} defines by formula). */
    FormulaKernel kernel() {
        return kernel;
    }

    /** Whether a primitive is known (given). */
    public boolean hasPrimitive() {
        return primitive != null;
    }

    /** The primitive's canonical text, or null for a gradient-only formula. */
    public String primitiveText() {
        return primitiveText;
    }

    /** The gradient's canonical text: as given, or the simplified symbolic derivative of the primitive. */
    public String gradientText() {
        return gradientText;
    }

    /** Whether the gradient was given (rather than derived). */
    public boolean gradientGiven() {
        return givenGradient != null;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Double> parameters() {
        return params;
    }

    @Override
    public SurrogateFunction setSpikingMode(boolean spiking) {
        if (!spiking && primitive == null) {
            throw noPrimitive(gradientText());
        }
        return super.setSpikingMode(spiking);
    }

    // ---------------------------------------------------------------- math (the compiled kernel)

    @Override
    public double primitive(double x) {
        return kernel.primitive(x);
    }

    @Override
    public double gradient(double x) {
        return kernel.gradient(x);
    }

    @Override
    public float primitive(float x) {
        return kernel.primitive(x);
    }

    @Override
    public float gradient(float x) {
        return kernel.gradient(x);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        kernel.primitive(x, xOff, y, yOff, n);
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        kernel.gradient(x, xOff, out, oOff, n);
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        kernel.backward(gradOut, x, xOff, gradIn, gOff, n);
    }

    @Override
    public double[] kinks() {
        double[] k = kinks;
        if (k == null) {
            k = LargeStack.call(() -> kinks(primitive, gradient, params));
            kinks = k;
        }
        return k.clone();
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        return LargeStack.call(() -> FormulaCuda.code(this, gradient, params, x, y, dtype));
    }

    @Override
    public Formula copy() {
        return new Formula(primitive, givenGradient, gradient, params, kernel, kinks, isSpiking(), primitiveText,
                givenGradientText, gradientText);
    }

    // ---------------------------------------------------------------- text

    /**
     * {@code Formula(primitive='...', gradient='...', alpha=2.0, spiking=true)}: the canonical texts (the gradient
     * only when it was given), the parameters, the mode; {@link Surrogates#parse} reads it back to an equal function.
     */
    @Override
    public String toString() {
        return spec(true);
    }

    /** The spec text; {@code spiking=...} is written always or only when off. */
    public String spec(boolean alwaysWriteSpiking) {
        StringBuilder sb = new StringBuilder(NAME).append('(');
        String sep = "";
        if (primitive != null) {
            sb.append(PRIMITIVE).append("='").append(primitiveText).append('\'');
            sep = ", ";
        }
        if (givenGradient != null) {
            sb.append(sep).append(GRADIENT).append("='").append(givenGradientText).append('\'');
            sep = ", ";
        }
        for (Map.Entry<String, Double> e : params.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(formatParameter(e.getValue()));
            sep = ", ";
        }
        if (alwaysWriteSpiking || !isSpiking()) {
            sb.append(sep).append("spiking=").append(isSpiking());
        }
        return sb.append(')').toString();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Formula other)) {
            return false;
        }
        return isSpiking() == other.isSpiking() && Objects.equals(primitiveText, other.primitiveText)
                && Objects.equals(givenGradientText, other.givenGradientText) && params.equals(other.params);
    }

    @Override
    public int hashCode() {
        return Objects.hash(NAME, primitiveText, givenGradientText, params, isSpiking());
    }

    /** Serialization writes the text; reading parses it (and compiles, once per JVM). */
    private Object writeReplace() throws ObjectStreamException {
        return new Text(toString());
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("Formula is serialized as its text (Formula.Text)");
    }

    /** The serialized form of a {@link Formula}: its {@link #toString()}. */
    private static final class Text implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String spec;

        Text(String spec) {
            this.spec = spec;
        }

        private Object readResolve() throws ObjectStreamException {
            try {
                return Surrogates.parse(spec);
            } catch (IllegalArgumentException e) {
                java.io.InvalidObjectException ex = new java.io.InvalidObjectException("bad Formula text " + spec + ": " + e.getMessage());
                ex.initCause(e);
                throw ex;
            }
        }
    }
}
