package io.github.sparksnn.gpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one PTX {@code .func} of float code on the CPU: the subset {@link FormulaPtx} writes (and the forms nvcc writes
 * for the same C: immediates, {@code rcp.rn}, the unordered comparisons), one register file, statements in order.
 * {@code add/sub/mul/div.rn.f32} are Java's float operations (IEEE round to nearest, subnormals kept, as PTX without
 * {@code .ftz}); {@code rcp.rn.f32} is {@code 1 / a}; {@code sqrt.rn.f32} the correctly rounded root;
 * {@code min.f32}/{@code max.f32} return the other operand when one is NaN ({@link #min}, {@link #max});
 * {@code setp} compares as PTX says (ordered forms false with a NaN, the {@code u} forms true); guarded branches
 * ({@code @%p bra}) jump to labels; calls go to a {@link MathLibrary}. Anything else is refused, so a generator that emits more fails its test here.
 */
final class PtxInterpreter {
    /** The math wrappers' values ({@code snn_expf}, ... by the wrapped function's name). */
    interface MathLibrary {
        float call(String function, float[] args);
    }

    private static final Pattern F32 = Pattern.compile("0[fF]([0-9A-Fa-f]{8})");

    private final List<String[]> code = new ArrayList<>();
    /** Per statement its guard ({@code %p1}, {@code !%p1}) or null. */
    private final List<String> guards = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final String param;

    /** The function {@code name} of {@code ptx}. */
    PtxInterpreter(String ptx, String name) {
        Matcher m = Pattern.compile("\\.func\\s*\\(\\s*\\.param\\s+\\.b32\\s+func_retval0\\s*\\)\\s*" + Pattern.quote(name)
                + "\\s*\\(\\s*\\.param\\s+\\.b32\\s+([A-Za-z0-9_]+)\\s*\\)\\s*\\{").matcher(ptx);
        if (!m.find()) {
            throw new IllegalArgumentException("no .func " + name + " with one .b32 parameter");
        }
        param = m.group(1);
        int depth = 1;
        int end = m.end();
        while (depth > 0) {
            char c = ptx.charAt(end++);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == '/' && ptx.charAt(end) == '/') {
                end = ptx.indexOf('\n', end);
            }
        }
        String body = ptx.substring(m.end(), end - 1).replaceAll("//[^\n]*", "").replace('{', ' ').replace('}', ' ');
        for (String stmt : body.split(";")) {
            String s = stmt.trim().replaceAll("\\s+", " ");
            Matcher label = Pattern.compile("^([$A-Za-z_][$A-Za-z0-9_]*)\\s*:\\s*").matcher(s);
            while (label.find()) { // nvcc branches around a call in one arm of ?: (a call may have effects)
                labels.put(label.group(1), code.size());
                s = s.substring(label.end());
                label = Pattern.compile("^([$A-Za-z_][$A-Za-z0-9_]*)\\s*:\\s*").matcher(s);
            }
            if (s.isEmpty() || s.startsWith(".reg") || s.startsWith(".param") || s.startsWith(".local")) {
                continue;
            }
            String guard = null;
            if (s.startsWith("@")) {
                int g = s.indexOf(' ');
                guard = s.substring(1, g);
                s = s.substring(g + 1);
            }
            guards.add(guard);
            int sp = s.indexOf(' ');
            String op = sp < 0 ? s : s.substring(0, sp);
            String rest = sp < 0 ? "" : s.substring(sp + 1);
            List<String> parts = new ArrayList<>();
            parts.add(op);
            if (op.startsWith("call")) { // call.uni (retval0), fn, (param0, param1)
                Matcher c = Pattern.compile("\\(\\s*(\\w+)\\s*\\)\\s*,\\s*(\\w+)\\s*,\\s*\\(([^)]*)\\)").matcher(rest);
                if (!c.find()) {
                    throw new IllegalArgumentException("cannot read " + s);
                }
                parts.add(c.group(1));
                parts.add(c.group(2));
                for (String p : c.group(3).split(",")) {
                    parts.add(p.trim());
                }
            } else {
                for (String o : rest.split(",")) {
                    parts.add(o.trim());
                }
            }
            code.add(parts.toArray(new String[0]));
        }
    }

    /** The statements, each as opcode then operands (for the tests' structural comparisons). */
    List<String[]> code() {
        return code;
    }

    /** {@code min.f32}: the other operand when one is NaN, NaN when both are; else the smaller, -0 below +0. */
    static float min(float a, float b) {
        return Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.min(a, b);
    }

    /** {@code max.f32}, as {@link #min}. */
    static float max(float a, float b) {
        return Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.max(a, b);
    }

    /** The function's value at {@code x}. */
    float run(float x, MathLibrary math) {
        Map<String, Float> f = new HashMap<>();
        Map<String, Boolean> p = new HashMap<>();
        Map<String, Float> params = new HashMap<>();
        for (int pc = 0; pc < code.size(); pc++) {
            String[] s = code.get(pc);
            String op = s[0];
            String guard = guards.get(pc);
            if (guard != null) {
                Boolean g = p.get(guard.startsWith("!") ? guard.substring(1) : guard);
                if (g == null) {
                    throw new IllegalStateException("unset predicate " + guard);
                }
                if (g == guard.startsWith("!")) {
                    continue;
                }
            }
            if (op.equals("bra") || op.equals("bra.uni")) {
                Integer to = labels.get(s[1]);
                if (to == null) {
                    throw new IllegalStateException("no label " + s[1]);
                }
                pc = to - 1;
                continue;
            }
            switch (op) {
                case "ld.param.f32" -> {
                    String src = s[2].replaceAll("[\\[\\]]", "").replace("+0", "");
                    Float v = src.equals(param) ? Float.valueOf(x) : params.get(src);
                    if (v == null) {
                        throw new IllegalStateException("ld.param from unset " + src);
                    }
                    f.put(s[1], v);
                }
                case "st.param.f32", "st.param.b32" -> {
                    String dst = s[1].replaceAll("[\\[\\]]", "").replace("+0", "");
                    params.put(dst, value(f, s[2]));
                }
                case "ret" -> {
                    Float r = params.get("func_retval0");
                    if (r == null) {
                        throw new IllegalStateException("ret before the result was stored");
                    }
                    return r;
                }
                case "call.uni", "call" -> {
                    String fn = s[2];
                    if (!fn.startsWith("snn_")) {
                        throw new IllegalArgumentException("a call to " + fn + ", not a math wrapper");
                    }
                    float[] args = new float[s.length - 3];
                    for (int i = 0; i < args.length; i++) {
                        Float v = params.get(s[3 + i]);
                        if (v == null) {
                            throw new IllegalStateException("call with unset " + s[3 + i]);
                        }
                        args[i] = v;
                    }
                    params.put(s[1], math.call(fn.substring(4), args));
                }
                case "mov.f32", "mov.b32" -> f.put(s[1], value(f, s[2]));
                case "add.rn.f32", "add.f32" -> f.put(s[1], value(f, s[2]) + value(f, s[3]));
                case "sub.rn.f32", "sub.f32" -> f.put(s[1], value(f, s[2]) - value(f, s[3]));
                case "mul.rn.f32", "mul.f32" -> f.put(s[1], value(f, s[2]) * value(f, s[3]));
                case "div.rn.f32" -> f.put(s[1], value(f, s[2]) / value(f, s[3]));
                case "rcp.rn.f32" -> f.put(s[1], 1.0f / value(f, s[2]));
                case "neg.f32" -> f.put(s[1], -value(f, s[2]));
                // nvcc's form of fminf(fmaxf(v, 0), 1): clamped to [+0, 1], NaN to +0 (as min/max above give it)
                case "cvt.sat.f32.f32" -> {
                    float v = value(f, s[2]);
                    f.put(s[1], Float.isNaN(v) || v <= 0 ? 0f : Math.min(v, 1f));
                }
                case "abs.f32" -> f.put(s[1], Math.abs(value(f, s[2])));
                case "sqrt.rn.f32" -> f.put(s[1], (float) Math.sqrt(value(f, s[2])));
                case "min.f32" -> f.put(s[1], min(value(f, s[2]), value(f, s[3])));
                case "max.f32" -> f.put(s[1], max(value(f, s[2]), value(f, s[3])));
                case "selp.f32", "selp.b32" -> {
                    Boolean c = p.get(s[4]);
                    if (c == null) {
                        throw new IllegalStateException("unset predicate " + s[4]);
                    }
                    f.put(s[1], c ? value(f, s[2]) : value(f, s[3]));
                }
                default -> {
                    if (op.startsWith("setp.") && op.endsWith(".f32")) {
                        p.put(s[1], compare(op.substring(5, op.length() - 4), value(f, s[2]), value(f, s[3])));
                    } else {
                        throw new IllegalArgumentException("instruction outside the interpreted subset: "
                                + String.join(" ", s));
                    }
                }
            }
        }
        throw new IllegalStateException("no ret");
    }

    private static boolean compare(String cmp, float a, float b) {
        boolean nan = Float.isNaN(a) || Float.isNaN(b);
        return switch (cmp) {
            case "lt" -> a < b;
            case "le" -> a <= b;
            case "gt" -> a > b;
            case "ge" -> a >= b;
            case "eq" -> a == b;
            case "ne" -> !nan && a != b;
            case "ltu" -> nan || a < b;
            case "leu" -> nan || a <= b;
            case "gtu" -> nan || a > b;
            case "geu" -> nan || a >= b;
            case "equ" -> nan || a == b;
            case "neu" -> a != b;
            case "num" -> !nan;
            case "nan" -> nan;
            default -> throw new IllegalArgumentException("setp." + cmp);
        };
    }

    private static float value(Map<String, Float> f, String operand) {
        Matcher m = F32.matcher(operand);
        if (m.matches()) {
            return Float.intBitsToFloat(Integer.parseUnsignedInt(m.group(1), 16));
        }
        Float v = f.get(operand);
        if (v == null) {
            throw new IllegalStateException("read of unset register " + operand);
        }
        return v;
    }

    /** CUDA's math functions as Java's in double, rounded to float: the same for both sides of a comparison. */
    static final MathLibrary JAVA_MATH = (fn, a) -> switch (fn) {
        case "expf" -> (float) Math.exp(a[0]);
        case "logf" -> (float) Math.log(a[0]);
        case "tanhf" -> (float) Math.tanh(a[0]);
        case "atanf" -> (float) Math.atan(a[0]);
        case "erff" -> (float) Erf.ERF.gradient((double) a[0]);
        case "erfcf" -> (float) Erf.ERFC.gradient((double) a[0]);
        case "log1pf" -> (float) Math.log1p(a[0]);
        case "sinf" -> (float) Math.sin(a[0]);
        case "cosf" -> (float) Math.cos(a[0]);
        case "powf" -> (float) Math.pow(a[0], a[1]);
        default -> throw new IllegalArgumentException("no math function " + fn);
    };

    /** erf and erfc in double, as the formula language computes them. */
    private static final class Erf {
        static final io.github.sparksnn.surrogate.Formula ERF = io.github.sparksnn.surrogate.Formula.of(null, "erf(x)",
                Map.of());
        static final io.github.sparksnn.surrogate.Formula ERFC = io.github.sparksnn.surrogate.Formula.of(null, "erfc(x)",
                Map.of());
    }
}
