package io.github.sparksnn.surrogate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a generated CUDA snippet on the CPU: a small interpreter for exactly the C subset the generators emit
 * ({@code const T v = expr;}, {@code float v = expr;}, {@code v += expr;}, {@code (void) v;}, a counted {@code for} loop,
 * {@code ?:}, comparisons, arithmetic, casts, the math functions and the cuda_fp16.h half2 intrinsics).
 *
 * <p>Float code is evaluated with float rounding after every operation (like the device without FMA
 * contraction). Half2 code is evaluated lane-wise in float: both lanes of the input hold the same value, so a
 * half2 is one number, {@code __half22float2(v).x == .y == v}, and {@code __floats2half2_rn(a, b)} requires
 * {@code a == b}. That checks the emitted math and constants, not half rounding.
 */
final class CudaSnippetInterpreter {
    private static final Pattern TOKEN = Pattern.compile(
            "\\s*([A-Za-z_][A-Za-z0-9_]*|[0-9]+\\.[0-9]*(?:[eE][+-]?[0-9]+)?f?|[0-9]+(?:[eE][+-]?[0-9]+)?f?"
                    + "|\\+\\+|\\+=|<=|>=|==|!=|[-+*/()?:<>,;=.{}])");

    private final List<String> t = new ArrayList<>();
    private final boolean half;
    private int p;

    private CudaSnippetInterpreter(String code, boolean half) {
        this.half = half;
        StringBuilder sb = new StringBuilder();
        for (String line : code.split("\n")) {
            if (!line.trim().startsWith("//")) {
                sb.append(line).append('\n');
            }
        }
        String s = sb.toString();
        Matcher m = TOKEN.matcher(s);
        int at = 0;
        int last = s.length();
        while (last > 0 && Character.isWhitespace(s.charAt(last - 1))) {
            last--;
        }
        while (at < last) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("cannot tokenize at: " + s.substring(at));
            }
            t.add(m.group(1));
            at = m.end();
        }
    }

    /** A parsed snippet, to run at many inputs. */
    interface Program {
        /** Runs the snippet with {@code x} bound to {@code xName} and returns the value of {@code yName}. */
        double run(String xName, float x, String yName);
    }

    /** Parses {@code code} once; half2 intrinsics compute in float (no half rounding). */
    static Program compile(String code) {
        return compile(code, false);
    }

    /**
     * Parses {@code code} once. With {@code halfRounding}, the result of every half2 intrinsic (and every
     * {@code __float2half2_rn} constant) is rounded to IEEE binary16 (round to nearest even, overflow to infinity,
     * subnormals kept), as on the device; float code inside the snippet stays float.
     */
    static Program compile(String code, boolean halfRounding) {
        CudaSnippetInterpreter in = new CudaSnippetInterpreter(code, halfRounding);
        List<Consumer<Map<String, Double>>> stmts = new ArrayList<>();
        while (in.p < in.t.size()) {
            stmts.add(in.statement());
        }
        return (xName, x, yName) -> execute(stmts, xName, x, yName);
    }

    /** Parses and runs {@code code} once. */
    static double run(String code, String xName, float x, String yName) {
        return compile(code).run(xName, x, yName);
    }

    private static double execute(List<Consumer<Map<String, Double>>> stmts, String xName, float x, String yName) {
        Map<String, Double> env = new HashMap<>();
        env.put(xName, (double) x);
        for (Consumer<Map<String, Double>> s : stmts) {
            s.accept(env);
        }
        Double y = env.get(yName);
        if (y == null) {
            throw new IllegalStateException(yName + " was never declared");
        }
        return y;
    }

    private String peek() {
        return p < t.size() ? t.get(p) : "<end>";
    }

    private String next() {
        return t.get(p++);
    }

    private void expect(String s) {
        if (!peek().equals(s)) {
            throw new IllegalArgumentException("expected '" + s + "' but found '" + peek() + "' at token " + p + " " + t);
        }
        p++;
    }

    private static boolean isType(String s) {
        return s.equals("float") || s.equals("half2") || s.equals("float2") || s.equals("int");
    }

    private static void declare(Map<String, Double> env, String name, double v) {
        if (env.containsKey(name)) {
            throw new IllegalStateException("redeclared variable " + name);
        }
        env.put(name, v);
    }

    private Consumer<Map<String, Double>> statement() {
        String first = peek();
        if (first.equals("for")) {
            next();
            expect("(");
            expect("int");
            String i = next();
            expect("=");
            ToDoubleFunction<Map<String, Double>> start = expr();
            expect(";");
            expect(i);
            expect("<");
            ToDoubleFunction<Map<String, Double>> end = expr();
            expect(";");
            expect("++");
            expect(i);
            expect(")");
            expect("{");
            List<Consumer<Map<String, Double>>> body = new ArrayList<>();
            while (!peek().equals("}")) {
                body.add(statement());
            }
            expect("}");
            return env -> {
                for (double k = start.applyAsDouble(env); k < end.applyAsDouble(env); k++) {
                    Map<String, Double> scope = new HashMap<>(env);
                    scope.put(i, k);
                    for (Consumer<Map<String, Double>> s : body) {
                        s.accept(scope);
                    }
                    for (String v : env.keySet()) { // write back mutated outer variables
                        env.put(v, scope.get(v));
                    }
                }
            };
        }
        if (first.equals("(") && p + 4 < t.size() && t.get(p + 1).equals("void") && t.get(p + 2).equals(")")) {
            p += 3; // (void) name;  -- a no-op that marks name as used
            String name = next();
            expect(";");
            return env -> {
                if (!env.containsKey(name)) {
                    throw new IllegalStateException("undeclared variable " + name);
                }
            };
        }
        if (first.equals("const")) {
            next();
        }
        if (isType(peek())) {
            next();
            String name = next();
            expect("=");
            ToDoubleFunction<Map<String, Double>> e = expr();
            expect(";");
            return env -> declare(env, name, e.applyAsDouble(env));
        }
        String name = next();
        expect("+=");
        ToDoubleFunction<Map<String, Double>> e = expr();
        expect(";");
        return env -> env.put(name, (double) (float) (env.get(name) + e.applyAsDouble(env)));
    }

    private ToDoubleFunction<Map<String, Double>> expr() {
        ToDoubleFunction<Map<String, Double>> c = comparison();
        if (peek().equals("?")) {
            next();
            ToDoubleFunction<Map<String, Double>> a = expr();
            expect(":");
            ToDoubleFunction<Map<String, Double>> b = expr();
            return env -> c.applyAsDouble(env) != 0 ? a.applyAsDouble(env) : b.applyAsDouble(env);
        }
        return c;
    }

    private ToDoubleFunction<Map<String, Double>> comparison() {
        ToDoubleFunction<Map<String, Double>> l = additive();
        String op = peek();
        if (op.equals("<") || op.equals("<=") || op.equals(">") || op.equals(">=") || op.equals("==") || op.equals("!=")) {
            next();
            ToDoubleFunction<Map<String, Double>> r = additive();
            return env -> {
                double a = l.applyAsDouble(env);
                double b = r.applyAsDouble(env);
                boolean v = switch (op) {
                    case "<" -> a < b;
                    case "<=" -> a <= b;
                    case ">" -> a > b;
                    case ">=" -> a >= b;
                    case "!=" -> a != b;
                    default -> a == b;
                };
                return v ? 1 : 0;
            };
        }
        return l;
    }

    private ToDoubleFunction<Map<String, Double>> additive() {
        ToDoubleFunction<Map<String, Double>> l = multiplicative();
        while (peek().equals("+") || peek().equals("-")) {
            String op = next();
            ToDoubleFunction<Map<String, Double>> a = l;
            ToDoubleFunction<Map<String, Double>> b = multiplicative();
            l = op.equals("+") ? env -> (float) (a.applyAsDouble(env) + b.applyAsDouble(env))
                    : env -> (float) (a.applyAsDouble(env) - b.applyAsDouble(env));
        }
        return l;
    }

    private ToDoubleFunction<Map<String, Double>> multiplicative() {
        ToDoubleFunction<Map<String, Double>> l = unary();
        while (peek().equals("*") || peek().equals("/")) {
            String op = next();
            ToDoubleFunction<Map<String, Double>> a = l;
            ToDoubleFunction<Map<String, Double>> b = unary();
            l = op.equals("*") ? env -> (float) (a.applyAsDouble(env) * b.applyAsDouble(env))
                    : env -> (float) a.applyAsDouble(env) / (float) b.applyAsDouble(env);
        }
        return l;
    }

    private ToDoubleFunction<Map<String, Double>> unary() {
        if (peek().equals("-")) {
            next();
            ToDoubleFunction<Map<String, Double>> a = unary();
            return env -> -a.applyAsDouble(env);
        }
        if (peek().equals("(") && p + 2 < t.size() && t.get(p + 1).equals("float") && t.get(p + 2).equals(")")) {
            p += 3;
            ToDoubleFunction<Map<String, Double>> a = unary();
            return env -> (float) a.applyAsDouble(env);
        }
        return postfix();
    }

    private ToDoubleFunction<Map<String, Double>> postfix() {
        ToDoubleFunction<Map<String, Double>> v = primary();
        while (peek().equals(".")) {
            next();
            String member = next();
            if (!member.equals("x") && !member.equals("y")) {
                throw new IllegalArgumentException("unknown member ." + member);
            }
            // both lanes hold the same value
        }
        return v;
    }

    private ToDoubleFunction<Map<String, Double>> primary() {
        String s = next();
        if (s.equals("(")) {
            ToDoubleFunction<Map<String, Double>> e = expr();
            expect(")");
            return e;
        }
        if (Character.isDigit(s.charAt(0))) {
            boolean isFloat = s.endsWith("f");
            double v = isFloat ? Float.parseFloat(s.substring(0, s.length() - 1)) : Double.parseDouble(s);
            if (!isFloat && (s.contains(".") || s.contains("e") || s.contains("E"))) {
                throw new IllegalArgumentException("double literal without f suffix: " + s);
            }
            return env -> v;
        }
        if (peek().equals("(")) {
            next();
            List<ToDoubleFunction<Map<String, Double>>> args = new ArrayList<>();
            if (!peek().equals(")")) {
                args.add(expr());
                while (peek().equals(",")) {
                    next();
                    args.add(expr());
                }
            }
            expect(")");
            return call(s, args);
        }
        return env -> {
            Double v = env.get(s);
            if (v == null) {
                throw new IllegalStateException("undeclared variable " + s);
            }
            return v;
        };
    }

    /** Rounds to the nearest IEEE binary16 value (ties to even); beyond the largest half, infinity. */
    static double toHalf(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double a = Math.abs(v);
        if (a >= 65520) {
            return Math.copySign(Double.POSITIVE_INFINITY, v);
        }
        double quantum = a < 6.103515625e-05 ? 0x1p-24 : Math.scalb(1.0, Math.getExponent(a) - 10);
        return Math.copySign(Math.rint(a / quantum) * quantum, v);
    }

    private ToDoubleFunction<Map<String, Double>> call(String f, List<ToDoubleFunction<Map<String, Double>>> a) {
        ToDoubleFunction<Map<String, Double>> exact = callFloat(f, a);
        if (half && (f.startsWith("__h") || f.equals("h2exp") || f.startsWith("__float"))) {
            return env -> toHalf(exact.applyAsDouble(env));
        }
        return exact;
    }

    private static ToDoubleFunction<Map<String, Double>> callFloat(String f, List<ToDoubleFunction<Map<String, Double>>> a) {
        int arity = switch (f) {
            case "fabsf", "expf", "cosf", "logf", "log1pf", "sqrtf", "tanhf", "atanf", "erff", "erfcf", "sinf", "__hneg2", "h2exp", "__habs2", "__float2half2_rn", "__half22float2" -> 1;
            case "fmaxf", "fminf", "powf", "__hmul2", "__hadd2", "__hsub2", "__h2div", "__hmax2", "__hmin2",
                 "__hge2", "__hgt2", "__hlt2", "__hle2", "__floats2half2_rn" -> 2;
            case "__hfma2" -> 3;
            default -> throw new IllegalArgumentException("unsupported function " + f);
        };
        if (a.size() != arity) {
            throw new IllegalArgumentException(f + " takes " + arity + " arguments, got " + a.size());
        }
        ToDoubleFunction<Map<String, Double>> a0 = a.get(0);
        ToDoubleFunction<Map<String, Double>> a1 = arity > 1 ? a.get(1) : null;
        ToDoubleFunction<Map<String, Double>> a2 = arity > 2 ? a.get(2) : null;
        return switch (f) {
            case "fabsf", "__habs2" -> env -> Math.abs(a0.applyAsDouble(env));
            case "expf", "h2exp" -> env -> (float) Math.exp(a0.applyAsDouble(env));
            case "cosf" -> env -> (float) Math.cos(a0.applyAsDouble(env));
            case "sinf" -> env -> (float) Math.sin(a0.applyAsDouble(env));
            case "logf" -> env -> (float) Math.log(a0.applyAsDouble(env));
            case "log1pf" -> env -> (float) Math.log1p(a0.applyAsDouble(env));
            case "sqrtf" -> env -> (float) Math.sqrt(a0.applyAsDouble(env));
            case "tanhf" -> env -> (float) Math.tanh(a0.applyAsDouble(env));
            case "atanf" -> env -> (float) Math.atan(a0.applyAsDouble(env));
            case "erff" -> env -> (float) ErrorFunction.erf(a0.applyAsDouble(env));
            case "erfcf" -> env -> (float) ErrorFunction.erfc(a0.applyAsDouble(env));
            case "__hneg2" -> env -> -a0.applyAsDouble(env);
            case "__float2half2_rn", "__half22float2" -> a0;
            case "fmaxf", "__hmax2" -> env -> Math.max(a0.applyAsDouble(env), a1.applyAsDouble(env));
            case "fminf", "__hmin2" -> env -> Math.min(a0.applyAsDouble(env), a1.applyAsDouble(env));
            case "powf" -> env -> (float) Math.pow(a0.applyAsDouble(env), a1.applyAsDouble(env));
            case "__hmul2" -> env -> (float) (a0.applyAsDouble(env) * a1.applyAsDouble(env));
            case "__hadd2" -> env -> (float) (a0.applyAsDouble(env) + a1.applyAsDouble(env));
            case "__hsub2" -> env -> (float) (a0.applyAsDouble(env) - a1.applyAsDouble(env));
            case "__h2div" -> env -> (float) a0.applyAsDouble(env) / (float) a1.applyAsDouble(env);
            case "__hge2" -> env -> a0.applyAsDouble(env) >= a1.applyAsDouble(env) ? 1 : 0;
            case "__hgt2" -> env -> a0.applyAsDouble(env) > a1.applyAsDouble(env) ? 1 : 0;
            case "__hlt2" -> env -> a0.applyAsDouble(env) < a1.applyAsDouble(env) ? 1 : 0;
            case "__hle2" -> env -> a0.applyAsDouble(env) <= a1.applyAsDouble(env) ? 1 : 0;
            case "__hfma2" -> env -> (float) (a0.applyAsDouble(env) * a1.applyAsDouble(env) + a2.applyAsDouble(env));
            case "__floats2half2_rn" -> env -> {
                double lo = a0.applyAsDouble(env);
                double hi = a1.applyAsDouble(env);
                if (Double.compare(lo, hi) != 0) {
                    throw new IllegalStateException("lanes differ: " + lo + " vs " + hi);
                }
                return lo;
            };
            default -> throw new IllegalArgumentException(f);
        };
    }
}
