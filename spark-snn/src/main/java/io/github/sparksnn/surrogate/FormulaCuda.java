package io.github.sparksnn.surrogate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CUDA code for a {@link Formula}'s gradient, in the built-ins' {@code cuda_code} form. Parameter-only
 * sub-expressions become float literals computed in double ({@link SurrogateFunction#cudaFloat}: exact shortest
 * text, no locale); repeated sub-expressions become {@code const} helpers named with the snippet's prefix. Float
 * code uses the CUDA math library ({@code atanf}, {@code erff}, ...). Half2 code unpacks the two lanes to float
 * ({@code __half22float2}), computes each lane with the float code and packs the result with
 * {@code __floats2half2_rn}: the functions the language has (atan, erf, tanh, ...) have no half2 intrinsics, and
 * the lanes come out correctly rounded from float rather than accumulating half rounding.
 */
final class FormulaCuda {
    private FormulaCuda() {
    }

    static String code(Formula f, Expr gradient, Map<String, Double> params, String x, String y, CudaDtype dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("cudaCode: dtype must not be null");
        }
        String prefix = SurrogateFunction.cudaPrefix("formula", x, y);
        StringBuilder sb = new StringBuilder(f.cudaCodeStartComment()).append('\n');
        sb.append("// g'(x) = ").append(Expr.print(gradient)).append('\n');
        if (!Expr.hasX(gradient)) { // a constant gradient: x is unused (and marked so, for nvcc's warning)
            double v = Expr.eval(gradient, 0, params);
            sb.append("(void) ").append(x).append(";\n");
            sb.append("const ").append(dtype.cType()).append(' ').append(y).append(" = ")
                    .append(dtype == CudaDtype.FLOAT ? Gen.literal(v) : SurrogateFunction.cudaHalf2(v)).append(";\n");
        } else if (dtype == CudaDtype.FLOAT) {
            Gen g = new Gen(gradient, params, x, prefix + "_t", sb);
            String r = g.gen(gradient);
            sb.append("const float ").append(y).append(" = ").append(r).append(";\n");
        } else {
            String xf = prefix + "_xf";
            sb.append("const float2 ").append(xf).append(" = __half22float2(").append(x).append(");\n");
            String lo = new Gen(gradient, params, xf + ".x", prefix + "_lo", sb).gen(gradient);
            sb.append("const float ").append(prefix).append("_lo = ").append(lo).append(";\n");
            String hi = new Gen(gradient, params, xf + ".y", prefix + "_hi", sb).gen(gradient);
            sb.append("const float ").append(prefix).append("_hi = ").append(hi).append(";\n");
            sb.append("const half2 ").append(y).append(" = __floats2half2_rn(").append(prefix).append("_lo, ")
                    .append(prefix).append("_hi);\n");
        }
        return sb.append(f.cudaCodeEndComment()).append('\n').toString();
    }

    private static final class Gen {
        final Map<String, Double> params;
        final String x;
        final String tempPrefix;
        final StringBuilder sb;
        final Map<Expr, Integer> counts = new HashMap<>();
        final Map<Expr, String> temps = new HashMap<>();

        Gen(Expr root, Map<String, Double> params, String x, String tempPrefix, StringBuilder sb) {
            this.params = params;
            this.x = x;
            this.tempPrefix = tempPrefix;
            this.sb = sb;
            FormulaCompiler.countShared(root, counts);
        }

        String gen(Expr e) {
            if (!Expr.hasX(e)) {
                return literal(Expr.eval(e, 0, params));
            }
            if (e instanceof Expr.Var) {
                return x;
            }
            String t = temps.get(e);
            if (t != null) {
                return t;
            }
            String s = build(e);
            return counts.getOrDefault(e, 0) >= 2 ? temp(e, s) : s;
        }

        private String temp(Expr e, String code) {
            String name = tempPrefix + temps.size();
            sb.append("const float ").append(name).append(" = ").append(code).append(";\n");
            temps.put(e, name);
            return name;
        }

        private static String literal(double v) {
            String s = SurrogateFunction.cudaFloat(v);
            return v < 0 || (v == 0 && 1 / v < 0) ? "(" + s + ")" : s;
        }

        private String build(Expr e) {
            if (e instanceof Expr.Neg n) {
                return "(-" + gen(n.a()) + ")";
            } else if (e instanceof Expr.Bin b) {
                if (b.op() != '^') {
                    return "(" + gen(b.a()) + " " + b.op() + " " + gen(b.b()) + ")";
                }
                int k = Expr.hasX(b.b()) ? 0 : FormulaCompiler.smallIntegerExponent(b.b());
                if (k != 0) {
                    String base = gen(b.a());
                    if (Math.abs(k) > 1 && !(b.a() instanceof Expr.Var) && !temps.containsKey(b.a())) {
                        base = temp(b.a(), base);
                    }
                    String p = FormulaCompiler.product(base, Math.abs(k));
                    return k > 0 ? p : "(1.0f / " + p + ")";
                }
                return "powf(" + gen(b.a()) + ", " + gen(b.b()) + ")";
            } else if (e instanceof Expr.Call c) {
                List<String> a = new ArrayList<>();
                c.args().forEach(arg -> a.add(gen(arg)));
                switch (c.fn()) {
                    case "abs": return "fabsf(" + a.get(0) + ")";
                    case "min": return "fminf(" + a.get(0) + ", " + a.get(1) + ")";
                    case "max": return "fmaxf(" + a.get(0) + ", " + a.get(1) + ")";
                    case "sigmoid": return "(1.0f / (1.0f + expf(-" + a.get(0) + ")))";
                    case "sign": return "(" + a.get(0) + " >= 0.0f ? 1.0f : -1.0f)";
                    case "heaviside": return "(" + a.get(0) + " >= 0.0f ? 1.0f : 0.0f)";
                    default: return c.fn() + "f(" + a.get(0) + ")"; // expf logf sqrtf tanhf atanf erff erfcf log1pf sinf cosf
                }
            } else if (e instanceof Expr.Cmp c) {
                return "(" + gen(c.a()) + " " + c.op() + " " + gen(c.b()) + ")";
            }
            Expr.Where w = (Expr.Where) e;
            return "(" + gen(w.cond()) + " ? " + gen(w.a()) + " : " + gen(w.b()) + ")";
        }
    }
}
