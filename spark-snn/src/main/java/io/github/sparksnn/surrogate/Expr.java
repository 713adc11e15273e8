package io.github.sparksnn.surrogate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The expression tree of a {@link Formula}: numbers, {@code x}, parameters, the constants {@code pi} and {@code e},
 * arithmetic, function calls, and {@code where(cond, a, b)}. Immutable records with structural equality, so two
 * formulas that parse to the same tree are equal whatever their spacing. Printing ({@link #print}) gives text that
 * {@link ExprParser} parses back to an equal tree; {@link #derivative} differentiates by {@code x} and simplifies.
 */
sealed interface Expr {
    /** The functions of the language with their arity (min and max take two arguments, the others one). */
    Map<String, Integer> FUNCTIONS = orderedFunctions();

    /** A decimal number as written (never negative when parsed; folding may produce negative ones). */
    record Num(double v) implements Expr {
    }

    /** {@code pi} or {@code e}: kept by name so that printed formulas stay readable. */
    record Named(String name, double v) implements Expr {
    }

    /** {@code x} or a parameter. */
    record Var(String name) implements Expr {
    }

    /** Unary minus. */
    record Neg(Expr a) implements Expr {
    }

    /** {@code a op b} with op one of {@code + - * / ^}. */
    record Bin(char op, Expr a, Expr b) implements Expr {
    }

    /** A function call, e.g. {@code atan(u)}, {@code min(a, b)}. */
    record Call(String fn, List<Expr> args) implements Expr {
        public Call {
            args = List.copyOf(args);
        }
    }

    /** A comparison {@code a op b} with op one of {@code < <= > >= == !=}; only inside {@code where}. */
    record Cmp(String op, Expr a, Expr b) implements Expr {
    }

    /** {@code where(cond, a, b)}: {@code a} where {@code cond} holds, else {@code b}. */
    record Where(Cmp cond, Expr a, Expr b) implements Expr {
    }

    String X = "x";

    private static Map<String, Integer> orderedFunctions() {
        java.util.LinkedHashMap<String, Integer> m = new java.util.LinkedHashMap<>();
        for (String f : new String[] {"abs", "exp", "log", "sqrt", "tanh", "atan", "erf", "sigmoid", "sign",
            "heaviside", "sin", "cos", "erfc", "log1p"}) {
            m.put(f, 1);
        }
        m.put("min", 2);
        m.put("max", 2);
        m.put("where", 3);
        return java.util.Collections.unmodifiableMap(m);
    }

    // ---------------------------------------------------------------- queries

    /** Whether {@code e} depends on {@code x}. */
    static boolean hasX(Expr e) {
        if (e instanceof Var v) {
            return v.name().equals(X);
        }
        for (Expr c : children(e)) {
            if (hasX(c)) {
                return true;
            }
        }
        return false;
    }

    /** The direct sub-expressions of {@code e}, left to right. */
    static List<Expr> children(Expr e) {
        if (e instanceof Neg n) {
            return List.of(n.a());
        } else if (e instanceof Bin b) {
            return List.of(b.a(), b.b());
        } else if (e instanceof Call c) {
            return c.args();
        } else if (e instanceof Cmp c) {
            return List.of(c.a(), c.b());
        } else if (e instanceof Where w) {
            return List.of(w.cond(), w.a(), w.b());
        }
        return List.of();
    }

    /** The parameter names used by {@code e}, in order of first use. */
    static void parameters(Expr e, Set<String> out) {
        if (e instanceof Var v && !v.name().equals(X)) {
            out.add(v.name());
        }
        for (Expr c : children(e)) {
            parameters(c, out);
        }
    }

    static Set<String> parameters(Expr e) {
        Set<String> out = new LinkedHashSet<>();
        if (e != null) {
            parameters(e, out);
        }
        return out;
    }

    /**
     * The x-dependent quantities whose sign change is a piece boundary: comparison differences ({@code a - b} of a
     * {@code where}), the arguments of abs, sign and heaviside, and the difference of min/max arguments.
     */
    static void switches(Expr e, List<Expr> out) {
        for (Expr c : children(e)) {
            switches(c, out);
        }
        Expr s = null;
        if (e instanceof Call c) {
            if (c.fn().equals("abs") || c.fn().equals("sign") || c.fn().equals("heaviside")) {
                s = c.args().get(0);
            } else if (c.fn().equals("min") || c.fn().equals("max")) {
                s = new Bin('-', c.args().get(0), c.args().get(1));
            }
        } else if (e instanceof Cmp c) {
            s = new Bin('-', c.a(), c.b());
        }
        if (s != null && hasX(s)) {
            out.add(s);
        }
    }

    /** The number of levels of {@code e} (a leaf is 1), found without recursion. */
    static int depth(Expr e) {
        return (int) measure(e)[1];
    }

    /**
     * The nodes of {@code e} counted as a tree (a sub-tree shared by two parents, as the raw derivative shares them,
     * counts twice: every walk visits it twice), saturating at {@code Long.MAX_VALUE}; found without recursion, in
     * time linear in the distinct nodes.
     */
    static long nodes(Expr e) {
        return measure(e)[0];
    }

    /** {nodes as a tree, depth}: an explicit-stack post-order walk, each distinct node (by identity) once. */
    private static long[] measure(Expr root) {
        java.util.IdentityHashMap<Expr, long[]> done = new java.util.IdentityHashMap<>();
        java.util.ArrayDeque<Expr> stack = new java.util.ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Expr e = stack.peek();
            if (done.containsKey(e)) {
                stack.pop();
                continue;
            }
            boolean ready = true;
            for (Expr c : children(e)) {
                if (!done.containsKey(c)) {
                    stack.push(c);
                    ready = false;
                }
            }
            if (ready) {
                stack.pop();
                long nodes = 1;
                long depth = 0;
                for (Expr c : children(e)) {
                    long[] m = done.get(c);
                    nodes = nodes + m[0] < 0 ? Long.MAX_VALUE : nodes + m[0];
                    depth = Math.max(depth, m[1]);
                }
                done.put(e, new long[] {nodes, depth + 1});
            }
        }
        return done.get(root);
    }

    // ---------------------------------------------------------------- evaluation (double, the tree walk)

    /** Evaluates {@code e} in double with {@code x} and the parameters bound (the same functions as the compiled code). */
    static double eval(Expr e, double x, Map<String, Double> p) {
        if (e instanceof Num n) {
            return n.v();
        } else if (e instanceof Named n) {
            return n.v();
        } else if (e instanceof Var v) {
            return v.name().equals(X) ? x : p.get(v.name());
        } else if (e instanceof Neg n) {
            return -eval(n.a(), x, p);
        } else if (e instanceof Bin b) {
            double l = eval(b.a(), x, p);
            double r = eval(b.b(), x, p);
            switch (b.op()) {
                case '+': return l + r;
                case '-': return l - r;
                case '*': return l * r;
                case '/': return l / r;
                default: return Math.pow(l, r);
            }
        } else if (e instanceof Call c) {
            double a = eval(c.args().get(0), x, p);
            switch (c.fn()) {
                case "abs": return Math.abs(a);
                case "exp": return Math.exp(a);
                case "log": return Math.log(a);
                case "sqrt": return Math.sqrt(a);
                case "tanh": return Math.tanh(a);
                case "atan": return Math.atan(a);
                case "erf": return FormulaKernel.erf(a);
                case "erfc": return FormulaKernel.erfc(a);
                case "log1p": return Math.log1p(a);
                case "sigmoid": return FormulaKernel.sigmoid(a);
                case "sign": return FormulaKernel.sign(a);
                case "heaviside": return FormulaKernel.heaviside(a);
                case "sin": return Math.sin(a);
                case "cos": return Math.cos(a);
                case "min": return Math.min(a, eval(c.args().get(1), x, p));
                case "max": return Math.max(a, eval(c.args().get(1), x, p));
                default: throw new IllegalStateException(c.fn());
            }
        } else if (e instanceof Cmp c) {
            return test(c, x, p) ? 1 : 0;
        } else {
            Where w = (Where) e;
            return test(w.cond(), x, p) ? eval(w.a(), x, p) : eval(w.b(), x, p);
        }
    }

    static boolean test(Cmp c, double x, Map<String, Double> p) {
        double l = eval(c.a(), x, p);
        double r = eval(c.b(), x, p);
        switch (c.op()) {
            case "<": return l < r;
            case "<=": return l <= r;
            case ">": return l > r;
            case ">=": return l >= r;
            case "==": return l == r;
            default: return l != r;
        }
    }

    // ---------------------------------------------------------------- printing

    /** Precedence: comparison 0, + - 1, * / 2, unary minus 3, ^ 4, atoms 5. */
    static int prec(Expr e) {
        if (e instanceof Cmp) {
            return 0;
        } else if (e instanceof Bin b) {
            return b.op() == '+' || b.op() == '-' ? 1 : b.op() == '^' ? 4 : 2;
        } else if (e instanceof Neg) {
            return 3;
        } else if (e instanceof Num n) {
            return n.v() < 0 || (n.v() == 0 && 1 / n.v() < 0) ? 3 : 5;
        }
        return 5;
    }

    /** Canonical text: minimal parentheses, single spaces around binary operators except {@code ^}. */
    static String print(Expr e) {
        StringBuilder sb = new StringBuilder();
        print(e, sb);
        return sb.toString();
    }

    private static void print(Expr e, StringBuilder sb) {
        if (e instanceof Num n) {
            if (prec(n) == 3) {
                sb.append('-');
                number(-n.v(), sb);
            } else {
                number(n.v(), sb);
            }
        } else if (e instanceof Named n) {
            sb.append(n.name());
        } else if (e instanceof Var v) {
            sb.append(v.name());
        } else if (e instanceof Neg n) {
            sb.append('-');
            // -a^b is -(a^b) (^ binds tighter), so only looser operands and another minus need parentheses
            child(n.a(), prec(n.a()) <= 3, sb);
        } else if (e instanceof Bin b) {
            int p = prec(b);
            if (b.op() == '^') { // right-associative: a^b^c = a^(b^c); a negative base needs parentheses
                child(b.a(), prec(b.a()) <= 4, sb);
                sb.append('^');
                child(b.b(), prec(b.b()) < 3, sb);
            } else {
                child(b.a(), prec(b.a()) < p, sb);
                sb.append(' ').append(b.op()).append(' ');
                child(b.b(), prec(b.b()) <= p, sb); // left-associative: a - (b - c) keeps its parentheses
            }
        } else if (e instanceof Call c) {
            sb.append(c.fn()).append('(');
            for (int i = 0; i < c.args().size(); i++) {
                sb.append(i == 0 ? "" : ", ");
                print(c.args().get(i), sb);
            }
            sb.append(')');
        } else if (e instanceof Cmp c) {
            child(c.a(), prec(c.a()) <= 0, sb);
            sb.append(' ').append(c.op()).append(' ');
            child(c.b(), prec(c.b()) <= 0, sb);
        } else {
            Where w = (Where) e;
            sb.append("where(");
            print(w.cond(), sb);
            sb.append(", ");
            print(w.a(), sb);
            sb.append(", ");
            print(w.b(), sb);
            sb.append(')');
        }
    }

    private static void child(Expr e, boolean parens, StringBuilder sb) {
        if (parens) {
            sb.append('(');
        }
        print(e, sb);
        if (parens) {
            sb.append(')');
        }
    }

    /** Integers below 2^53 without a fraction ({@code 2}), others as Java's shortest round-trip text ({@code 0.1}, {@code 1.0E-4}). */
    private static void number(double v, StringBuilder sb) {
        if (v == Math.rint(v) && Math.abs(v) < 0x1p53 && !(v == 0 && 1 / v < 0)) {
            sb.append((long) v);
        } else {
            sb.append(Double.toString(v));
        }
    }

    // ---------------------------------------------------------------- derivative and simplification

    /** A number; a negative one as the parser makes it, {@code -(k)}, so that printed trees parse back equal. */
    static Expr num(double v) {
        return v < 0 || (v == 0 && 1 / v < 0) ? new Neg(new Num(-v)) : new Num(v);
    }

    /** The value of a number or a negated number, else null. */
    private static Double numValue(Expr e) {
        if (e instanceof Num n) {
            return n.v();
        }
        if (e instanceof Neg m && m.a() instanceof Num n) {
            return -n.v();
        }
        return null;
    }

    private static boolean isNum(Expr e, double v) {
        Double k = numValue(e);
        return k != null && k == v;
    }

    /**
     * {@code d e / d x}, simplified. The raw derivative shares sub-trees, but simplification and every later walk
     * see it as a tree, whose size can grow with the square of the primitive's (a product of n factors has n
     * terms of n factors): past {@link Formula#MAX_GRADIENT_NODES} nodes it is refused, before any walk over it.
     */
    static Expr derivative(Expr e) {
        Expr raw = d(e);
        long nodes = nodes(raw);
        if (nodes > Formula.MAX_GRADIENT_NODES) {
            throw new IllegalArgumentException(Formula.NAME + ": the derivative of the primitive is too large: " + nodes
                    + " nodes; the limit is " + Formula.MAX_GRADIENT_NODES + " (give gradient='...' with a shorter form,"
                    + " or shorten the primitive)");
        }
        return simplify(raw);
    }

    private static Expr d(Expr e) {
        if (!hasX(e)) {
            return num(0);
        }
        if (e instanceof Var) {
            return num(1);
        } else if (e instanceof Neg n) {
            return neg(d(n.a()));
        } else if (e instanceof Bin b) {
            Expr a = b.a();
            Expr c = b.b();
            switch (b.op()) {
                case '+': return add(d(a), d(c));
                case '-': return sub(d(a), d(c));
                case '*': return add(mul(d(a), c), mul(a, d(c)));
                case '/': return hasX(c) ? div(sub(mul(d(a), c), mul(a, d(c))), pow(c, num(2))) : div(d(a), c);
                default:
                    if (hasX(c)) { // (a^c)' = a^c (c' log a + c a' / a)
                        return mul(b, add(mul(d(c), call("log", a)), div(mul(c, d(a)), a)));
                    }
                    return mul(mul(c, pow(a, simplify(sub(c, num(1))))), d(a));
            }
        } else if (e instanceof Call c) {
            return chain(c);
        } else if (e instanceof Where w) {
            return new Where(w.cond(), d(w.a()), d(w.b()));
        }
        throw new IllegalStateException("no derivative of " + print(e));
    }

    private static Expr chain(Call c) {
        Expr u = c.args().get(0);
        Expr du = d(u);
        switch (c.fn()) {
            case "abs": return mul(call("sign", u), du);
            case "sign": case "heaviside": return num(0);
            case "exp": return mul(c, du);
            case "log": return div(du, u);
            case "log1p": return div(du, add(num(1), u));
            case "sqrt": return div(du, mul(num(2), c));
            // 1 - tanh^2 cancels once tanh nears 1; 4 sigmoid(2u) sigmoid(-2u) = 4 / (e^u + e^-u)^2 = sech^2 does not
            case "tanh": return mul(mul(mul(num(4), call("sigmoid", mul(num(2), u))), call("sigmoid", neg(mul(num(2), u)))), du);
            case "atan": return div(du, add(num(1), pow(u, num(2))));
            case "erf": return mul(mul(div(num(2), call("sqrt", new Named("pi", Math.PI))), call("exp", neg(pow(u, num(2))))), du);
            case "erfc": return neg(mul(mul(div(num(2), call("sqrt", new Named("pi", Math.PI))), call("exp", neg(pow(u, num(2))))), du));
            // s (1 - s) cancels once s nears 1 (float: 4e-4 relative at s(6)); 1 - s(u) = s(-u) exactly in real numbers
            case "sigmoid": return mul(mul(c, call("sigmoid", neg(u))), du);
            case "sin": return mul(call("cos", u), du);
            case "cos": return mul(neg(call("sin", u)), du);
            case "min": case "max": {
                Expr v = c.args().get(1);
                // min is a where a <= b, max a where a >= b (at the switch either side is accepted)
                return new Where(new Cmp(c.fn().equals("min") ? "<=" : ">=", u, v), du, d(v));
            }
            default: throw new IllegalStateException(c.fn());
        }
    }

    static Expr call(String fn, Expr... args) {
        return new Call(fn, List.of(args));
    }

    static Expr neg(Expr a) {
        return new Neg(a);
    }

    static Expr add(Expr a, Expr b) {
        return new Bin('+', a, b);
    }

    static Expr sub(Expr a, Expr b) {
        return new Bin('-', a, b);
    }

    static Expr mul(Expr a, Expr b) {
        return new Bin('*', a, b);
    }

    static Expr div(Expr a, Expr b) {
        return new Bin('/', a, b);
    }

    static Expr pow(Expr a, Expr b) {
        return new Bin('^', a, b);
    }

    /**
     * Algebraic clean-up of a derivative: numbers folded ({@code 2 - 1 = 1}), the identities of 0 and 1, double
     * negation, signs moved out of products, and a {@code where} with equal branches. {@code 0 * a = 0} differs
     * from IEEE only for an infinite or NaN {@code a}, as in every computer algebra system.
     */
    static Expr simplify(Expr e) {
        if (e instanceof Neg n) {
            Expr a = simplify(n.a());
            if (a instanceof Neg m) {
                return m.a();
            }
            return neg(a);
        } else if (e instanceof Bin b) {
            return simplifyBin(b.op(), simplify(b.a()), simplify(b.b()));
        } else if (e instanceof Call c) {
            List<Expr> args = new ArrayList<>();
            c.args().forEach(a -> args.add(simplify(a)));
            return new Call(c.fn(), args);
        } else if (e instanceof Cmp c) {
            return new Cmp(c.op(), simplify(c.a()), simplify(c.b()));
        } else if (e instanceof Where w) {
            Expr a = simplify(w.a());
            Expr b = simplify(w.b());
            return a.equals(b) ? a : new Where((Cmp) simplify(w.cond()), a, b);
        }
        return e;
    }

    private static Expr simplifyBin(char op, Expr a, Expr b) {
        Double x = numValue(a);
        Double y = numValue(b);
        if (x != null && y != null && op != '^') {
            switch (op) {
                case '+': return num(x + y);
                case '-': return num(x - y);
                case '*': return num(x * y);
                default: return num(x / y);
            }
        }
        switch (op) {
            case '+':
                if (isNum(a, 0)) {
                    return b;
                }
                if (isNum(b, 0)) {
                    return a;
                }
                if (b instanceof Neg n) {
                    return sub(a, n.a());
                }
                return add(a, b);
            case '-':
                if (isNum(b, 0)) {
                    return a;
                }
                if (isNum(a, 0)) {
                    return simplify(neg(b));
                }
                if (b instanceof Neg n) {
                    return add(a, n.a());
                }
                return sub(a, b);
            case '*':
                if (isNum(a, 0) || isNum(b, 0)) {
                    return num(0);
                }
                if (isNum(a, 1)) {
                    return b;
                }
                if (isNum(b, 1)) {
                    return a;
                }
                if (isNum(a, -1)) {
                    return simplify(neg(b));
                }
                if (isNum(b, -1)) {
                    return simplify(neg(a));
                }
                if (a instanceof Neg n && b instanceof Neg m) {
                    return mul(n.a(), m.a());
                }
                if (a instanceof Neg n) {
                    return neg(mul(n.a(), b));
                }
                if (b instanceof Neg m) {
                    return neg(mul(a, m.a()));
                }
                return mul(a, b);
            case '/':
                if (isNum(a, 0)) {
                    return num(0);
                }
                if (isNum(b, 1)) {
                    return a;
                }
                if (a instanceof Neg n) {
                    return neg(div(n.a(), b));
                }
                if (a instanceof Bin q && q.op() == '/' && !hasX(q.a()) && !hasX(b) && hasX(q.b())) {
                    return div(div(q.a(), b), q.b()); // (k / d) / c = (k / c) / d: one division per element, not two
                }
                return div(a, b);
            default:
                if (isNum(b, 1)) {
                    return a;
                }
                if (isNum(b, 0)) {
                    return num(1);
                }
                return pow(a, b);
        }
    }
}
