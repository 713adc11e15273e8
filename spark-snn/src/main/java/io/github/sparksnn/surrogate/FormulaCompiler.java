package io.github.sparksnn.surrogate;

import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.SimpleCompiler;

/**
 * Turns a formula's trees into Java source for a {@link FormulaKernel} subclass and compiles it with Janino (what
 * Spark uses for its own generated code; no JDK compiler needed). The class is cached per source text (the
 * {@link #CACHE_LIMIT} most recently used), so every formula text in use is compiled once per JVM (class loader),
 * whatever its parameter values: those are constructor arguments. Janino runs on a {@link LargeStack} thread; a
 * method over the JVM's 64 KB of bytecode (or a class over its 65535 constants) is a user error,
 * {@code formula too large: ...}, not a bug report.
 *
 * <p>The generated code has the shape of the hand-written built-ins: parameter-only sub-expressions are computed
 * once in double in the constructor and kept as double and float fields ({@code alpha / 2}, {@code pi / 2 * alpha});
 * the float paths compute in float, with the transcendental functions in double and rounded ({@code (float)
 * Math.atan(z)}), as the built-ins' float paths do; the bulk loops copy the constants to locals and have the
 * one-index twin that C2 vectorizes. Sub-expressions that occur twice are computed once.
 */
final class FormulaCompiler {
    private static final String PACKAGE = "io.github.sparksnn.surrogate.generated";
    private static final String KERNEL = "io.github.sparksnn.surrogate.FormulaKernel";
    /**
     * Compiled classes kept, least recently used forgotten first. A training job uses a handful of formulas; a SQL
     * query over a column of formulas cycles through more, and each class (with its class loader) can take a few
     * hundred KB for a formula near the limits, so a few hundred keep the cache within tens of MB.
     */
    static final int CACHE_LIMIT = 256;
    /** Keyed by the SHA-256 of the source: the source of a large formula is hundreds of KB, its digest 32 bytes. */
    private static final LruCache<String, Class<? extends FormulaKernel>> CACHE = new LruCache<>(CACHE_LIMIT);
    private FormulaCompiler() {
    }

    /** A kernel for these trees (primitive may be null) with {@code values[i]} the value of {@code params.get(i)}. */
    static FormulaKernel kernel(Expr primitive, Expr gradient, List<String> params, double[] values) {
        String source = source(primitive, gradient, params);
        String key = sha256(source);
        Class<? extends FormulaKernel> k = CACHE.get(key);
        if (k == null) {
            k = CACHE.putIfAbsent(key, compile(source)); // a concurrent compile of the same text may win: harmless
        }
        try {
            return k.getConstructor(double[].class).newInstance((Object) values.clone());
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("generated formula kernel failed to initialize", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("generated formula kernel cannot be instantiated", e);
        }
    }

    /** Number of compiled formula classes held (for tests). */
    static int cachedClasses() {
        return CACHE.size();
    }

    private static String sha256(String source) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e); // every JVM must provide it
        }
    }

    /** Compiles on a {@link LargeStack} thread (Janino recurses per level of an expression). */
    static Class<? extends FormulaKernel> compile(String source) {
        return LargeStack.call(() -> cook(source));
    }

    private static Class<? extends FormulaKernel> cook(String source) {
        SimpleCompiler sc = new SimpleCompiler();
        ClassLoader parent = FormulaKernel.class.getClassLoader();
        sc.setParentClassLoader(parent);
        try {
            sc.cook(source);
            int at = source.indexOf("public final class ") + "public final class ".length();
            String name = PACKAGE + "." + source.substring(at, source.indexOf(' ', at));
            return sc.getClassLoader().loadClass(name).asSubclass(FormulaKernel.class);
        } catch (CompileException | ClassNotFoundException | RuntimeException | StackOverflowError e) {
            String limit = jvmLimit(e);
            if (limit != null) {
                throw new IllegalArgumentException("Formula: formula too large: its generated Java (" + source.length()
                        + " characters) exceeds " + limit + "; shorten the primitive, or give gradient='...' in a shorter"
                        + " form");
            }
            throw new IllegalStateException("Formula: the generated Java does not compile (a bug; please report it with "
                    + "the formula): " + e.getMessage() + "\n" + source, e);
        }
    }

    /**
     * The JVM limit a Janino failure hit, or null for any other failure (a bug of ours): a method's bytecode over
     * 64 KB, a class's constant pool over 65535 entries, or (should a walk still be too deep for the big stack)
     * a stack overflow.
     */
    static String jvmLimit(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof StackOverflowError) {
                return "the compiler's stack (" + (LargeStack.STACK_BYTES >> 20) + " MB)";
            }
            String m = c.getMessage();
            if (m != null && m.contains("grows beyond 64 KB")) {
                return "the JVM's limit of 64 KB of bytecode per method";
            }
            if (m != null && m.contains("grown past JVM limit")) {
                return "the JVM's limit of 65535 constants per class";
            }
        }
        return null;
    }

    private static String className(String source) {
        // the name carries the formula's shape in its hash; the class loader keeps equal names apart anyway
        return "FormulaKernel_" + Integer.toHexString(source.substring(source.indexOf("class ") + 1).hashCode());
    }

    /** The Java source of the kernel class (package, class and constructor included). */
    static String source(Expr primitive, Expr gradient, List<String> params) {
        Constants constants = new Constants(params);
        StringBuilder body = new StringBuilder();
        if (primitive != null) {
            scalar(body, "primitive", primitive, constants, false);
            scalar(body, "primitive", primitive, constants, true);
            bulk(body, Loop.PRIMITIVE, primitive, constants);
        }
        scalar(body, "gradient", gradient, constants, false);
        scalar(body, "gradient", gradient, constants, true);
        bulk(body, Loop.GRADIENT, gradient, constants);
        bulk(body, Loop.BACKWARD, gradient, constants);

        StringBuilder head = new StringBuilder();
        head.append("package ").append(PACKAGE).append(";\n\n");
        head.append("/** primitive: ").append(primitive == null ? "(none)" : Expr.print(primitive).replace("*/", "* /"))
                .append("\n *  gradient: ").append(Expr.print(gradient).replace("*/", "* /"))
                .append("\n *  parameters: ").append(params).append(" */\n");
        head.append("public final class @NAME@ extends ").append(KERNEL).append(" {\n");
        head.append("    private final boolean finiteConstants;\n");
        for (int i = 0; i < constants.code.size(); i++) {
            head.append("    private final double c").append(i).append(";\n");
            head.append("    private final float f").append(i).append(";\n");
        }
        head.append("\n    public @NAME@(double[] p) {\n");
        for (int i = 0; i < constants.code.size(); i++) {
            head.append("        this.c").append(i).append(" = ").append(constants.code.get(i)).append(";\n");
            head.append("        this.f").append(i).append(" = (float) this.c").append(i).append(";\n");
        }
        head.append("        this.finiteConstants = true");
        for (int i = 0; i < constants.code.size(); i++) {
            head.append(" && Float.isFinite(this.f").append(i).append(')');
        }
        head.append(";\n    }\n");
        String src = head.append(body).append("}\n").toString();
        return src.replace("@NAME@", className(src));
    }

    private enum Loop { PRIMITIVE, GRADIENT, BACKWARD }

    private static void scalar(StringBuilder sb, String method, Expr e, Constants constants, boolean isFloat) {
        Gen g = new Gen(e, constants, isFloat, "        ");
        String result = g.gen(e);
        String t = isFloat ? "float" : "double";
        sb.append("\n    @Override\n    public ").append(t).append(' ').append(method).append('(').append(t).append(" x) {\n");
        sb.append(g.statements).append("        return ").append(result).append(";\n    }\n");
    }

    private static void bulk(StringBuilder sb, Loop loop, Expr e, Constants constants) {
        // two codes: the one-index loop may blend constant where() branches with vectorizable float math
        Gen one = new Gen(e, constants, true, "                ");
        one.vectorLoop = true;
        String oneResult = one.gen(e);
        Gen two = new Gen(e, constants, true, "                ");
        String twoResult = two.gen(e);
        sb.append("\n    @Override\n");
        String in;
        String outArr;
        String outOff;
        switch (loop) {
            case PRIMITIVE:
                sb.append("    public void primitive(float[] xs, int xOff, float[] y, int yOff, int n) {\n");
                outArr = "y";
                outOff = "yOff";
                break;
            case GRADIENT:
                sb.append("    public void gradient(float[] xs, int xOff, float[] out, int oOff, int n) {\n");
                outArr = "out";
                outOff = "oOff";
                break;
            default:
                sb.append("    public void backward(float[] gradOut, float[] xs, int xOff, float[] gradIn, int gOff, int n) {\n");
                outArr = "gradIn";
                outOff = "gOff";
                break;
        }
        TreeSet<Integer> floats = new TreeSet<>(one.usedFloat);
        floats.addAll(two.usedFloat);
        TreeSet<Integer> doubles = new TreeSet<>(one.usedDouble);
        doubles.addAll(one.usedConstants);
        doubles.addAll(two.usedDouble);
        doubles.addAll(two.usedConstants);
        for (int i : floats) {
            sb.append("        final float f").append(i).append(" = this.f").append(i).append(";\n");
        }
        for (int i : doubles) {
            sb.append("        final double c").append(i).append(" = this.c").append(i).append(";\n");
        }
        // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench), as the built-ins; its blends of
        // constant branches are exact only for finite constants, so other parameter values take the general loop
        sb.append("        if (xOff == ").append(outOff).append(one.blends ? " && this.finiteConstants" : "").append(") {\n");
        sb.append("            for (int i = ").append(outOff).append(", end = ").append(outOff).append(" + n; i < end; i++) {\n");
        sb.append("                final float x = xs[i];\n").append(one.statements);
        in = loop == Loop.BACKWARD ? "gradOut[i] * " + oneResult : oneResult;
        sb.append("                ").append(outArr).append("[i] = ").append(in).append(";\n");
        sb.append("            }\n        } else {\n");
        sb.append("            for (int i = 0; i < n; i++) {\n");
        sb.append("                final float x = xs[xOff + i];\n").append(two.statements);
        in = loop == Loop.BACKWARD ? "gradOut[gOff + i] * " + twoResult : twoResult;
        sb.append("                ").append(outArr).append('[').append(outOff).append(" + i] = ").append(in).append(";\n");
        sb.append("            }\n        }\n    }\n");
    }

    /** Parameter-only sub-expressions, numbered in order of first use; each computed once in double. */
    private static final class Constants {
        final List<String> params;
        final Map<Expr, Integer> index = new HashMap<>();
        final List<String> code = new ArrayList<>();

        Constants(List<String> params) {
            this.params = params;
        }

        int of(Expr e) {
            Integer i = index.get(e);
            if (i == null) {
                i = code.size();
                code.add(javaDouble(e));
                index.put(e, i);
            }
            return i;
        }

        private String javaDouble(Expr e) {
            if (e instanceof Expr.Num n) {
                return doubleLiteral(n.v());
            } else if (e instanceof Expr.Named n) {
                return doubleLiteral(n.v());
            } else if (e instanceof Expr.Var v) {
                int i = params.indexOf(v.name());
                if (i < 0) {
                    throw new IllegalStateException("unknown parameter " + v.name());
                }
                return "p[" + i + "]";
            } else if (e instanceof Expr.Neg n) {
                return "(-" + javaDouble(n.a()) + ")";
            } else if (e instanceof Expr.Bin b) {
                if (b.op() == '^') {
                    return "Math.pow(" + javaDouble(b.a()) + ", " + javaDouble(b.b()) + ")";
                }
                return "(" + javaDouble(b.a()) + " " + b.op() + " " + javaDouble(b.b()) + ")";
            } else if (e instanceof Expr.Call c) {
                List<String> args = new ArrayList<>();
                c.args().forEach(a -> args.add(javaDouble(a)));
                return doubleFunction(c.fn()) + "(" + String.join(", ", args) + ")";
            } else if (e instanceof Expr.Cmp c) {
                return "(" + javaDouble(c.a()) + " " + c.op() + " " + javaDouble(c.b()) + ")";
            }
            Expr.Where w = (Expr.Where) e;
            return "(" + javaDouble(w.cond()) + " ? " + javaDouble(w.a()) + " : " + javaDouble(w.b()) + ")";
        }
    }

    private static String doubleFunction(String fn) {
        switch (fn) {
            case "erf": case "erfc": case "sigmoid": case "sign": case "heaviside": return KERNEL + "." + fn;
            default: return "Math." + fn;
        }
    }

    static String doubleLiteral(double v) {
        if (Double.isNaN(v)) {
            return "Double.NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
        }
        String s = Double.toString(v);
        return v < 0 || (v == 0 && 1 / v < 0) ? "(" + s + ")" : s;
    }

    static String floatLiteral(double v) {
        float f = (float) v;
        if (Float.isNaN(f)) {
            return "Float.NaN";
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
        }
        String s = Float.toString(f) + "f";
        return f < 0 || (f == 0 && 1 / f < 0) ? "(" + s + ")" : s;
    }

    /** Sub-expressions of {@code e} that depend on x, counted (for computing repeated ones once). */
    static void countShared(Expr e, Map<Expr, Integer> counts) {
        if (!Expr.hasX(e) || e instanceof Expr.Var) {
            return;
        }
        if (!(e instanceof Expr.Cmp)) { // a comparison is a boolean: never a float/double helper
            counts.merge(e, 1, Integer::sum);
        }
        for (Expr c : Expr.children(e)) {
            countShared(c, counts);
        }
    }

    /** {@code (base * base * ... * base)}, {@code times} factors: a small integer power as products (Java and CUDA). */
    static String product(String base, int times) {
        StringBuilder p = new StringBuilder("(").append(base);
        for (int i = 1; i < times; i++) {
            p.append(" * ").append(base);
        }
        return p.append(')').toString();
    }

    /** Small integer exponents become products (as the built-ins write {@code z * z}); others go to pow. */
    static int smallIntegerExponent(Expr b) {
        if (b instanceof Expr.Num n && n.v() == Math.rint(n.v()) && Math.abs(n.v()) <= 8 && n.v() != 0) {
            return (int) n.v();
        }
        if (b instanceof Expr.Neg m && m.a() instanceof Expr.Num n && n.v() == Math.rint(n.v()) && n.v() <= 8 && n.v() > 0) {
            return -(int) n.v();
        }
        return 0;
    }

    /** Java code for one x-dependent expression in double or float, with helper locals in {@link #statements}. */
    private static final class Gen {
        final Constants constants;
        final boolean isFloat;
        final String indent;
        final Map<Expr, Integer> counts = new HashMap<>();
        final Map<Expr, String> temps = new LinkedHashMap<>();
        final TreeSet<Integer> usedFloat = new TreeSet<>();
        final TreeSet<Integer> usedDouble = new TreeSet<>();
        /** In the one-index bulk loop: where() with constant branches becomes a vectorizable blend. */
        boolean vectorLoop;
        /** Whether a blend was emitted (the loop then needs finite constants). */
        boolean blends;
        /** Double constants used by double code (a double island inside float code). */
        final TreeSet<Integer> usedConstants = new TreeSet<>();

        final String tempPrefix;
        final StringBuilder statements;
        private Gen doubles;

        Gen(Expr root, Constants constants, boolean isFloat, String indent) {
            this(root, constants, isFloat, indent, "t", new StringBuilder());
        }

        private Gen(Expr root, Constants constants, boolean isFloat, String indent, String tempPrefix, StringBuilder statements) {
            this.constants = constants;
            this.isFloat = isFloat;
            this.indent = indent;
            this.tempPrefix = tempPrefix;
            this.statements = statements;
            countShared(root, counts);
        }

        /**
         * In float code, a function value scaled by a constant ({@code atan(z) / pi}, {@code 4/T cos(w x)}) is computed
         * in double, argument included, and rounded once, as the built-ins' float paths do: one rounding instead of
         * three, and the phase of a periodic function keeps its digits.
         */
        private boolean doubleIsland(Expr e) {
            if (!isFloat || !(e instanceof Expr.Bin b) || (b.op() != '*' && b.op() != '/')) {
                return false;
            }
            // only a function value used once: one shared with float code stays float, so both uses agree
            return (!Expr.hasX(b.a()) && transcendental(b.b()) && counts.getOrDefault(b.b(), 0) == 1)
                    || (!Expr.hasX(b.b()) && transcendental(b.a()) && counts.getOrDefault(b.a(), 0) == 1);
        }

        private static boolean transcendental(Expr e) {
            if (!(e instanceof Expr.Call c)) {
                return false;
            }
            switch (c.fn()) {
                case "exp": case "log": case "log1p": case "sqrt": case "tanh": case "atan": case "erf": case "sin": case "cos":
                    return true;
                default:
                    return false;
            }
        }

        String gen(Expr e) {
            if (!Expr.hasX(e)) {
                if (e instanceof Expr.Num n) {
                    return isFloat ? floatLiteral(n.v()) : doubleLiteral(n.v());
                }
                int i = constants.of(e);
                if (isFloat) {
                    usedFloat.add(i);
                    return "f" + i;
                }
                usedConstants.add(i);
                return "c" + i;
            }
            if (e instanceof Expr.Var) {
                return "x";
            }
            String t = temps.get(e);
            if (t != null) {
                return t;
            }
            String s;
            if (doubleIsland(e)) {
                if (doubles == null) {
                    doubles = new Gen(e, constants, false, indent, tempPrefix + "d", statements);
                    doubles.usedDouble.addAll(usedDouble);
                }
                doubles.counts.clear();
                countShared(e, doubles.counts);
                s = "((float) " + doubles.gen(e) + ")";
                usedDouble.addAll(doubles.usedConstants);
                usedDouble.addAll(doubles.usedDouble);
            } else {
                s = build(e);
            }
            if (counts.getOrDefault(e, 0) >= 2) {
                return temp(e, s);
            }
            return s;
        }

        private String doubleConstant(Expr e) {
            int i = constants.of(e);
            usedDouble.add(i);
            return "c" + i;
        }

        private String temp(Expr e, String code) {
            String name = tempPrefix + temps.size();
            statements.append(indent).append("final ").append(isFloat ? "float " : "double ").append(name)
                    .append(" = ").append(code).append(";\n");
            temps.put(e, name);
            return name;
        }

        private String build(Expr e) {
            if (e instanceof Expr.Neg n) {
                return "(-" + gen(n.a()) + ")";
            } else if (e instanceof Expr.Bin b) {
                if (b.op() != '^') {
                    return "(" + gen(b.a()) + " " + b.op() + " " + gen(b.b()) + ")";
                }
                int k = Expr.hasX(b.b()) ? 0 : smallIntegerExponent(b.b());
                if (k != 0) {
                    String base = gen(b.a());
                    if (Math.abs(k) > 1 && !(b.a() instanceof Expr.Var) && !temps.containsKey(b.a()) && Expr.hasX(b.a())) {
                        base = temp(b.a(), base);
                    }
                    String p = product(base, Math.abs(k));
                    return k > 0 ? p : "(" + (isFloat ? "1.0f" : "1.0") + " / " + p + ")";
                }
                // a constant exponent stays double in the float path too (as the built-ins' (float) Math.pow(b, 1 - a))
                String exponent = isFloat && !Expr.hasX(b.b()) && !(b.b() instanceof Expr.Num) ? doubleConstant(b.b()) : gen(b.b());
                String pow = "Math.pow(" + gen(b.a()) + ", " + exponent + ")";
                return isFloat ? "((float) " + pow + ")" : pow;
            } else if (e instanceof Expr.Call c) {
                List<String> args = new ArrayList<>();
                c.args().forEach(a -> args.add(gen(a)));
                String joined = String.join(", ", args);
                switch (c.fn()) {
                    case "abs": case "min": case "max":
                        return "Math." + c.fn() + "(" + joined + ")";
                    case "sigmoid": case "sign": case "heaviside": case "erfc":
                        return KERNEL + "." + c.fn() + "(" + joined + ")"; // float overloads
                    default:
                        String call = doubleFunction(c.fn()) + "(" + joined + ")";
                        return isFloat ? "((float) " + call + ")" : call;
                }
            } else if (e instanceof Expr.Cmp c) {
                return "(" + gen(c.a()) + " " + c.op() + " " + gen(c.b()) + ")";
            }
            Expr.Where w = (Expr.Where) e;
            String op = w.cond().op();
            if (isFloat && vectorLoop && !op.equals("==") && !op.equals("!=") && !Expr.hasX(w.a()) && !Expr.hasX(w.b())) {
                // s a + (1 - s) b with s = 1/0 from min/max/multiply only (Select.step): C2 vectorizes it, and it is
                // exactly a or b for finite a and b (the loop runs only then); a NaN x gives NaN, as select() does
                String fn = op.equals("<") ? "vlt" : op.equals("<=") ? "vle" : op.equals(">") ? "vgt" : "vge";
                String c = temp(w.cond(), KERNEL + "." + fn + "(" + gen(w.cond().a()) + ", " + gen(w.cond().b()) + ")");
                blends = true;
                return "(" + c + " * " + gen(w.a()) + " + (1.0f - " + c + ") * " + gen(w.b()) + ")";
            }
            if (isFloat && !op.equals("==") && !op.equals("!=")) {
                // float code: both branches computed, one taken by bit masks (no branch to mispredict)
                String fn = op.equals("<") ? "lt" : op.equals("<=") ? "le" : op.equals(">") ? "gt" : "ge";
                return KERNEL + ".select(" + KERNEL + "." + fn + "(" + gen(w.cond().a()) + ", " + gen(w.cond().b()) + "), "
                        + gen(w.a()) + ", " + gen(w.b()) + ")";
            }
            return "(" + gen(w.cond()) + " ? " + gen(w.a()) + " : " + gen(w.b()) + ")";
        }
    }
}
