package io.github.sparksnn.surrogate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the expression language of {@link Formula} into an {@link Expr} tree.
 *
 * <pre>
 * expr    := sum
 * sum     := term { ('+' | '-') term }
 * term    := unary { ('*' | '/') unary }
 * unary   := ('-' | '+') unary | power
 * power   := atom [ '^' unary ]                 (right-associative; -x^2 = -(x^2))
 * atom    := number | name | name '(' args ')' | '(' expr ')'
 * where   := 'where' '(' sum cmp sum ',' expr ',' expr ')'   cmp := &lt; &lt;= &gt; &gt;= == !=
 * </pre>
 * Names: {@code x} (the variable), {@code pi}, {@code e}, the functions of {@link Expr#FUNCTIONS}, and any other
 * identifier is a parameter. Errors are {@link FormulaSyntaxException}s with the 0-based position in the text.
 *
 * <p>The parser recurses once per nesting level, so a text is refused before it can exhaust a thread's stack (which
 * Spark treats as fatal to the executor): longer than {@link Formula#MAX_TEXT_LENGTH} characters, or nested deeper
 * than {@link Formula#MAX_NESTING_DEPTH} levels, counting both the parser's own levels (parentheses, calls, unary
 * signs, powers) and the depth of the tree it builds (a chain {@code a + b + c} is a left-deep tree, one level per
 * operator). Those are {@link LimitException}s, with no position: they are about the whole text.
 */
final class ExprParser extends TextCursor {
    /** A syntax error: the message, and where in the text (0-based) it occurred. */
    static final class FormulaSyntaxException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        final int position;
        final String reason;

        FormulaSyntaxException(String text, int position, String reason) {
            super("column " + (position + 1) + ": " + reason + ", found "
                    + (position < text.length() ? "'" + text.charAt(position) + "'" : "end of text")
                    + "\n  " + text + "\n  " + " ".repeat(position) + "^");
            this.position = position;
            this.reason = reason;
        }
    }

    /** A text beyond one of the limits; one line naming the limit and the value. */
    static final class LimitException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        LimitException(String message) {
            super(message);
        }
    }

    /** The parser's current nesting (active {@link #unary} calls: every level of the grammar passes through it). */
    private int nesting;
    /** The column of each parameter's first use, for messages about parameters. */
    final Map<String, Integer> firstUse = new LinkedHashMap<>();

    private ExprParser(String s) {
        super(s);
    }

    /** Parses a whole text; the tree and the first use of each parameter. */
    static ExprParser parse(String text, Expr[] out) {
        if (text == null) {
            throw new IllegalArgumentException("formula text must not be null");
        }
        if (text.length() > Formula.MAX_TEXT_LENGTH) {
            throw new LimitException("is too long: " + text.length() + " characters; the limit is "
                    + Formula.MAX_TEXT_LENGTH);
        }
        ExprParser p = new ExprParser(text);
        p.ws();
        if (p.pos >= text.length()) {
            throw p.error(p.pos, "empty formula: expected an expression in x");
        }
        Expr e = p.sum();
        p.ws();
        if (p.pos < text.length()) {
            if (isCmp(p.peek())) {
                throw p.error(p.pos, "a comparison is only allowed as the first argument of where(cond, a, b)");
            }
            throw p.error(p.pos, "expected an operator (+ - * / ^) or the end of the formula");
        }
        // a chain a + b + c + ... is one parser level but a tree as deep as it is long: the walks recurse on the tree
        int depth = Expr.depth(e);
        if (depth > Formula.MAX_NESTING_DEPTH) {
            throw tooDeep(depth + " levels");
        }
        out[0] = e;
        return p;
    }

    private static LimitException tooDeep(String what) {
        return new LimitException("is nested too deeply: " + what + "; the limit is " + Formula.MAX_NESTING_DEPTH
                + " (each parenthesis, function call, sign and power is a level, and so is each operator of a chain"
                + " such as a + b + c)");
    }

    /** Parses a text to its tree. */
    static Expr parse(String text) {
        Expr[] out = new Expr[1];
        parse(text, out);
        return out[0];
    }

    private Expr sum() {
        Expr e = term();
        while (true) {
            ws();
            char c = peek();
            if (c == '+' || c == '-') {
                pos++;
                e = new Expr.Bin(c, e, term());
            } else {
                return e;
            }
        }
    }

    private Expr term() {
        Expr e = unary();
        while (true) {
            ws();
            char c = peek();
            if (c == '*' || c == '/') {
                pos++;
                e = new Expr.Bin(c, e, unary());
            } else {
                return e;
            }
        }
    }

    private Expr unary() {
        if (++nesting > Formula.MAX_NESTING_DEPTH) {
            throw tooDeep("more than " + Formula.MAX_NESTING_DEPTH + " levels at column " + (pos + 1));
        }
        try {
            return unaryLevel();
        } finally {
            nesting--;
        }
    }

    private Expr unaryLevel() {
        ws();
        if (peek() == '-') {
            pos++;
            return new Expr.Neg(unary());
        }
        if (peek() == '+') {
            pos++;
            return unary();
        }
        Expr base = atom();
        ws();
        if (peek() == '^') {
            pos++;
            return new Expr.Bin('^', base, unary());
        }
        return base;
    }

    private Expr atom() {
        ws();
        int at = pos;
        char c = peek();
        if (c == '(') {
            pos++;
            Expr e = sum();
            ws();
            if (isCmp(peek())) {
                throw error(pos, "a comparison is only allowed as the first argument of where(cond, a, b)");
            }
            expect(')');
            return e;
        }
        if (Character.isDigit(c) || c == '.') {
            return number();
        }
        if (Character.isLetter(c) || c == '_') {
            String name = identifier();
            ws();
            boolean call = peek() == '(';
            Integer arity = Expr.FUNCTIONS.get(name);
            if (arity != null) {
                if (!call) {
                    throw error(pos, "function " + name + " needs its argument" + (arity > 1 ? "s" : "") + " in parentheses");
                }
                pos++;
                return name.equals("where") ? where(at) : call(name, arity, at);
            }
            if (call) {
                throw error(at, "unknown function '" + name + "'; the functions: " + String.join(", ", Expr.FUNCTIONS.keySet()));
            }
            switch (name) {
                case "x": return new Expr.Var(Expr.X);
                case "pi": return new Expr.Named("pi", Math.PI);
                case "e": return new Expr.Named("e", Math.E);
                default:
                    firstUse.putIfAbsent(name, at);
                    return new Expr.Var(name);
            }
        }
        if (pos >= s.length()) {
            throw error(pos, "expected a number, x, a parameter, a function call or '('");
        }
        throw error(pos, "expected a number, x, a parameter, a function call or '('");
    }

    private Expr call(String name, int arity, int at) {
        List<Expr> args = new ArrayList<>();
        ws();
        if (peek() != ')') {
            while (true) {
                args.add(sum());
                ws();
                if (isCmp(peek())) {
                    throw error(pos, "a comparison is only allowed as the first argument of where(cond, a, b)");
                }
                if (peek() == ',') {
                    pos++;
                    continue;
                }
                break;
            }
        }
        ws();
        if (peek() != ')') {
            throw error(pos, "expected ',' or ')' in the arguments of " + name);
        }
        pos++;
        if (args.size() != arity) {
            throw error(at, name + " takes " + arity + " argument" + (arity > 1 ? "s" : "") + ", got " + args.size());
        }
        return new Expr.Call(name, args);
    }

    private Expr where(int at) {
        Expr l = sum();
        ws();
        int opAt = pos;
        String op = comparison();
        if (op == null) {
            throw error(opAt, "where's first argument must be a comparison (< <= > >= == !=)");
        }
        Expr r = sum();
        ws();
        expect(',');
        Expr a = sum();
        ws();
        expect(',');
        Expr b = sum();
        ws();
        if (peek() == ',') {
            throw error(at, "where takes 3 arguments (cond, a, b), got more");
        }
        expect(')');
        return new Expr.Where(new Expr.Cmp(op, l, r), a, b);
    }

    private String comparison() {
        for (String op : new String[] {"<=", ">=", "==", "!=", "<", ">"}) {
            if (s.startsWith(op, pos)) {
                pos += op.length();
                return op;
            }
        }
        return null;
    }

    private static boolean isCmp(char c) {
        return c == '<' || c == '>' || c == '=' || c == '!';
    }

    private Expr number() {
        int at = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            pos++;
        }
        if (peek() == '.') {
            pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            int save = pos;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!Character.isDigit(peek())) {
                pos = save; // "2e" is 2 followed by the name e: let the caller report it
            } else {
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
            }
        }
        String t = s.substring(at, pos);
        if (t.equals(".")) {
            throw error(at, "expected a number");
        }
        double v = Double.parseDouble(t);
        if (!Double.isFinite(v)) {
            throw error(at, "number " + t + " is not finite in double precision");
        }
        return new Expr.Num(v);
    }

    private String identifier() {
        int at = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
            pos++;
        }
        String name = s.substring(at, pos);
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw error(at, "names are ASCII letters, digits and '_'");
        }
        return name;
    }

    /** Formulas allow white space before any token. */
    @Override
    void expect(char c) {
        ws();
        super.expect(c);
    }

    @Override
    FormulaSyntaxException error(int at, String message) {
        return new FormulaSyntaxException(s, at, message);
    }
}
