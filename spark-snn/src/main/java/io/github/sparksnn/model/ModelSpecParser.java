package io.github.sparksnn.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recursive-descent parser of the model spec grammar:
 * <pre>
 * spec      := layer ('|' layer)*
 * layer     := NAME [ '(' [ arg (',' arg)* ] ')' ]
 * arg       := [ NAME '=' ] value            (positional arguments first, in the layer's argument order)
 * value     := NUMBER | 'true' | 'false' | 'none' | NAME '(' [ NAME '=' value (',' ...)* ] ')'   (a surrogate)
 *            | NAME                                  (for a choice argument such as recurrent=dense)
 * </pre>
 * Errors are {@link ModelSpecException}s with the 0-based character position of the offending token.
 */
final class ModelSpecParser {
    private final String src;
    private int pos;

    ModelSpecParser(String src) {
        this.src = src;
    }

    List<LayerSpec> parse() {
        List<LayerSpec> layers = new ArrayList<>();
        skipWs();
        if (pos >= src.length()) {
            throw error(pos, "empty model spec: expected a layer such as 'linear(784, 10)'");
        }
        layers.add(layer());
        skipWs();
        while (pos < src.length()) {
            if (src.charAt(pos) != '|') {
                throw error(pos, "expected '|' between layers, found " + describe(pos));
            }
            pos++;
            skipWs();
            layers.add(layer());
            skipWs();
        }
        return layers;
    }

    private LayerSpec layer() {
        int start = pos;
        String name = name("a layer name (" + LayerKind.names() + ")");
        LayerKind kind = LayerKind.byName(name);
        if (kind == null) {
            throw error(start, "unknown layer '" + name + "' (known: " + LayerKind.names() + ")");
        }
        Map<String, Object> args = new LinkedHashMap<>();
        Map<String, Integer> argPos = new LinkedHashMap<>();
        skipWs();
        if (peek('(')) {
            pos++;
            skipWs();
            int positional = 0;
            boolean named = false;
            if (!peek(')')) {
                while (true) {
                    skipWs();
                    int argStart = pos;
                    String key = null;
                    if (isNameStart(pos)) {
                        int save = pos;
                        String n = readName();
                        skipWs();
                        if (peek('=')) {
                            pos++;
                            key = n;
                            final String k = key; // before its value, which is read by the argument's type
                            if (kind.params().stream().noneMatch(p -> p.name().equals(k))) {
                                throw error(argStart, kind.specName() + " has no argument '" + key + "'");
                            }
                        } else {
                            pos = save;
                        }
                    }
                    skipWs();
                    int valueStart = pos;
                    Object value = choiceFor(kind, key, positional) && isNameStart(pos) ? readName() : value();
                    if (key == null) {
                        if (named) {
                            throw error(argStart, "positional argument after a named one");
                        }
                        if (positional >= kind.params().size()) {
                            throw error(argStart, kind.specName() + " takes at most " + kind.params().size()
                                    + " positional argument(s)");
                        }
                        key = kind.params().get(positional++).name();
                    } else {
                        named = true;
                    }
                    if (args.containsKey(key)) {
                        throw error(argStart, "argument '" + key + "' given twice");
                    }
                    args.put(key, value);
                    argPos.put(key, valueStart);
                    final String k = key;
                    if (kind.params().stream().noneMatch(p -> p.name().equals(k))) {
                        throw error(argStart, kind.specName() + " has no argument '" + key + "'");
                    }
                    skipWs();
                    if (peek(',')) {
                        pos++;
                        continue;
                    }
                    if (peek(')')) {
                        break;
                    }
                    throw error(pos, "expected ',' or ')' in the arguments of " + kind.specName() + ", found "
                            + describe(pos));
                }
            }
            pos++; // ')'
        }
        try {
            return new LayerSpec(kind, args);
        } catch (IllegalArgumentException e) {
            int at = start;
            for (Map.Entry<String, Integer> e2 : argPos.entrySet()) {
                if (e.getMessage().contains("'" + e2.getKey() + "'") || e.getMessage().contains(" " + e2.getKey() + " ")) {
                    at = e2.getValue();
                }
            }
            throw error(at, e.getMessage());
        }
    }

    /** Whether the argument named {@code key} (or else the next positional one) is a name from a set of choices. */
    private static boolean choiceFor(LayerKind kind, String key, int positional) {
        for (int i = 0; i < kind.params().size(); i++) {
            ParamDef p = kind.params().get(i);
            if (key != null ? p.name().equals(key) : i == positional) {
                return p.type() == ParamType.CHOICE;
            }
        }
        return false;
    }

    private Object value() {
        int start = pos;
        if (pos >= src.length()) {
            throw error(pos, "expected a value, found the end of the spec");
        }
        char c = src.charAt(pos);
        if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
            return number();
        }
        if (isNameStart(pos)) {
            String n = readName();
            switch (n.toLowerCase(java.util.Locale.ROOT)) {
                case "true": return Boolean.TRUE;
                case "false": return Boolean.FALSE;
                case "none": case "null": return null;
                default: break;
            }
            skipWs();
            Map<String, Object> sargs = new LinkedHashMap<>();
            Map<String, Integer> textAt = new LinkedHashMap<>();
            if (peek('(')) {
                pos++;
                skipWs();
                while (!peek(')')) {
                    skipWs();
                    String key = name("a parameter name of surrogate " + n);
                    skipWs();
                    if (!peek('=')) {
                        throw error(pos, "expected '=' after surrogate parameter '" + key + "', found " + describe(pos));
                    }
                    pos++;
                    skipWs();
                    int vs = pos;
                    Object v;
                    if (peek('\'')) { // Formula(primitive='...'): quoted text, no quote inside
                        int close = src.indexOf('\'', pos + 1);
                        if (close < 0) {
                            throw error(pos, "the quoted text of surrogate parameter '" + key + "' is not closed");
                        }
                        v = src.substring(pos + 1, close);
                        textAt.put(key, pos + 1);
                        pos = close + 1;
                    } else {
                        v = value();
                    }
                    if (v != null && !(v instanceof Boolean) && !(v instanceof Number) && !(v instanceof String)) {
                        throw error(vs, "surrogate parameters are numbers, true/false or (for Formula) quoted text");
                    }
                    sargs.put(key, v instanceof Integer i ? Double.valueOf(i) : v);
                    skipWs();
                    if (peek(',')) {
                        pos++;
                        skipWs();
                        continue;
                    }
                    if (!peek(')')) {
                        throw error(pos, "expected ',' or ')' in surrogate " + n + ", found " + describe(pos));
                    }
                }
                pos++;
            }
            try {
                return SurrogateFactory.create(n, sargs);
            } catch (io.github.sparksnn.surrogate.Formula.FormulaException e) {
                Integer at = textAt.get(e.which);
                throw error(at == null ? start : at + e.position, e.getMessage());
            } catch (IllegalArgumentException e) {
                throw error(start, e.getMessage());
            }
        }
        throw error(pos, "expected a value (number, true, false, none or a surrogate), found " + describe(pos));
    }

    private Object number() {
        int start = pos;
        if (peek('-') || peek('+')) {
            pos++;
        }
        boolean fractional = false;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (Character.isDigit(c)) {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E') {
                fractional = true;
                pos++;
                if ((c == 'e' || c == 'E') && pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) {
                    pos++;
                }
            } else {
                break;
            }
        }
        String text = src.substring(start, pos);
        try {
            if (!fractional) {
                return Integer.valueOf(text);
            }
            return Double.valueOf(text);
        } catch (NumberFormatException e) {
            throw error(start, "malformed number '" + text + "'");
        }
    }

    private String name(String expected) {
        if (!isNameStart(pos)) {
            throw error(pos, "expected " + expected + ", found " + describe(pos));
        }
        return readName();
    }

    private String readName() {
        int start = pos;
        while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
            pos++;
        }
        return src.substring(start, pos);
    }

    private boolean isNameStart(int p) {
        return p < src.length() && (Character.isLetter(src.charAt(p)) || src.charAt(p) == '_');
    }

    private boolean peek(char c) {
        return pos < src.length() && src.charAt(pos) == c;
    }

    private void skipWs() {
        while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
            pos++;
        }
    }

    private String describe(int p) {
        if (p >= src.length()) {
            return "the end of the spec";
        }
        int end = p + 1;
        if (isNameStart(p)) {
            while (end < src.length() && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '_')) {
                end++;
            }
        }
        return "'" + src.substring(p, end) + "'";
    }

    private ModelSpecException error(int at, String msg) {
        return new ModelSpecException(src, at, msg);
    }
}
