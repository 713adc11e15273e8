package io.github.sparksnn.gpu;

import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A built-in surrogate's {@code cudaCode} with its parameters lifted out of the text into kernel arguments
 * ({@code float snn_p0, int snn_p1, ...}), so that one compiled module (one shipped PTX/cubin per surrogate and
 * dtype) serves every parameter value and a machine with only the CUDA driver needs no compiler.
 *
 * <p>How it finds the parameters without a second hand-written copy of each function: the snippet's numeric
 * literals are tokens (a float literal as {@code cudaFloat} writes it, {@code 2.0f}, {@code 1.0E-4f}, with its sign
 * when the minus is unary; or an integer, e.g. a loop bound). The snippets of the default instance and of instances
 * with each parameter moved to two other values are compared: when their text outside the literals (the skeleton)
 * is the same, the literal positions that changed are the parameters' places. Any instance whose snippet has that
 * skeleton and the default's literals at the other positions is then served by the lifted code, with its own
 * literals as the arguments; the arguments are the very floats the literal code would have compiled in, so the
 * arithmetic is unchanged (the kernels are compiled with {@code -fmad=false}: no contraction either way). An
 * instance that does not fit (a {@link Formula}, a user surrogate, a parameter value whose code takes another
 * shape) keeps its literal code, compiled by nvcc at run time as before.
 */
public final class SurrogateArguments {
    /** Prefix of the lifted arguments' names in the generated source. */
    static final String ARG = "snn_p";

    // A float literal as SurrogateFunction.cudaFloat writes it, or a decimal integer; not part of an identifier.
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![A-Za-z0-9_.])(\\d+\\.\\d+(?:E[-+]?\\d+)?f|\\d+)(?![A-Za-z0-9_.])");
    // A minus after one of these (or at the start) is unary: it belongs to the literal that follows.
    private static final String UNARY_BEFORE = "(,=?:*/+-<>!&|";

    private static final Map<String, Template> TEMPLATES = new ConcurrentHashMap<>();

    /** One lifted literal: whether it is an {@code int} (else a {@code float}) and its value's text in this instance. */
    record Arg(boolean integer, String text) {
        float floatValue() {
            return Float.parseFloat(text.substring(0, text.length() - 1));
        }

        int intValue() {
            return Integer.parseInt(text);
        }
    }

    /**
     * The snippet to inline (literals at the parameters' places replaced by {@code snn_pK}), the C parameter
     * declarations to append to each kernel ({@code ", float snn_p0, ..."}, empty when none), and this instance's
     * argument values. {@code lifted} is false for a literal snippet (no arguments).
     */
    record Code(String snippet, String declarations, List<Arg> args, boolean lifted) {
        /** Appends this instance's values to a launch, after the kernel's own arguments. */
        KernelArgs appendTo(KernelArgs a) {
            for (Arg arg : args) {
                if (arg.integer()) {
                    a.i(arg.intValue());
                } else {
                    a.f(arg.floatValue());
                }
            }
            return a;
        }
    }

    private record Token(int start, int end, String text) {
    }

    /** A lifted snippet for a class: the default's tokens and skeleton, and which token positions are parameters. */
    private record Template(String skeleton, List<String> fixed, boolean[] varying, String liftedSnippet,
                            String declarations) {
    }

    private SurrogateArguments() {
    }

    /** {@code sg}'s code in {@code dtype}: lifted when its class is a built-in and this instance fits, else literal. */
    public static Code of(SurrogateFunction sg, String x, String y, CudaDtype dtype) {
        return of(sg, s -> s.cudaCode(x, y, dtype), "cudaCode/" + x + "/" + y + "/" + dtype);
    }

    /**
     * As {@link #of(SurrogateFunction, String, String, CudaDtype)} for any code a surrogate determines ({@code codeOf},
     * e.g. its primitive's CUDA code; {@code what} names it in the template cache): lifted where the code has the same
     * shape at the default and at moved parameter values.
     */
    static Code of(SurrogateFunction sg, Function<SurrogateFunction, String> codeOf, String what) {
        String snippet = codeOf.apply(sg);
        Template t = template(sg, codeOf, what);
        if (t == null) {
            return new Code(snippet, "", List.of(), false);
        }
        List<Token> tokens = tokens(snippet);
        if (!skeleton(snippet, tokens).equals(t.skeleton()) || tokens.size() != t.varying().length) {
            return new Code(snippet, "", List.of(), false);
        }
        List<Arg> args = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String text = tokens.get(i).text();
            if (t.varying()[i]) {
                args.add(new Arg(!text.contains("."), text));
            } else if (!text.equals(t.fixed().get(i))) {
                return new Code(snippet, "", List.of(), false);
            }
        }
        return new Code(t.liftedSnippet(), t.declarations(), List.copyOf(args), true);
    }

    /** Whether every parameter value of {@code sg}'s class that keeps the default's code shape is served by one module. */
    public static boolean liftable(SurrogateFunction sg) {
        CudaDtype f = CudaDtype.FLOAT;
        String x = NeuronKernelSource.X, y = NeuronKernelSource.G;
        return template(sg, s -> s.cudaCode(x, y, f), "cudaCode/" + x + "/" + y + "/" + f) != null;
    }

    private static Template template(SurrogateFunction sg, Function<SurrogateFunction, String> codeOf, String what) {
        if (sg instanceof Formula) {
            return null;
        }
        SurrogateFunction def;
        try {
            def = Surrogates.create(sg.name(), Map.of());
        } catch (RuntimeException e) {
            return null;
        }
        if (def.getClass() != sg.getClass()) {
            return null;
        }
        String key = sg.getClass().getName() + "/" + what;
        Template t = TEMPLATES.get(key);
        if (t == null && !TEMPLATES.containsKey(key)) {
            t = build(def, codeOf);
            if (t != null) {
                TEMPLATES.put(key, t);
            }
        }
        return t;
    }

    private static Template build(SurrogateFunction def, Function<SurrogateFunction, String> codeOf) {
        String base;
        try {
            base = codeOf.apply(def);
        } catch (RuntimeException e) {
            return null;
        }
        List<Token> baseTokens = tokens(base);
        String skeleton = skeleton(base, baseTokens);
        boolean[] varying = new boolean[baseTokens.size()];
        for (Map.Entry<String, Double> p : def.parameters().entrySet()) {
            int tried = 0;
            for (double v : perturbations(p.getValue())) {
                Map<String, Double> params = new LinkedHashMap<>(def.parameters());
                params.put(p.getKey(), v);
                String code;
                try {
                    code = codeOf.apply(Surrogates.create(def.name(), params));
                } catch (RuntimeException e) {
                    continue; // out of the parameter's range (or no code there): try the next value
                }
                List<Token> tokens = tokens(code);
                if (!skeleton(code, tokens).equals(skeleton)) {
                    // this value gives the code another shape (SquarewaveFourierSeries' harmonics in its primitive):
                    // it marks nothing, and instances of that shape keep literal code (of() checks the shape)
                    continue;
                }
                for (int i = 0; i < tokens.size(); i++) {
                    String a = tokens.get(i).text(), b = baseTokens.get(i).text();
                    if (!a.equals(b)) {
                        if (a.contains(".") != b.contains(".")) {
                            return null;
                        }
                        varying[i] = true;
                    }
                }
                if (++tried == 2) {
                    break;
                }
            }
        }
        StringBuilder lifted = new StringBuilder();
        StringBuilder decl = new StringBuilder();
        List<String> fixed = new ArrayList<>();
        int at = 0, k = 0;
        for (int i = 0; i < baseTokens.size(); i++) {
            Token tok = baseTokens.get(i);
            fixed.add(tok.text());
            if (varying[i]) {
                lifted.append(base, at, tok.start()).append(ARG).append(k);
                decl.append(", ").append(tok.text().contains(".") ? "float " : "int ").append(ARG).append(k);
                at = tok.end();
                k++;
            }
        }
        lifted.append(base.substring(at));
        return new Template(skeleton, fixed, varying, lifted.toString(), decl.toString());
    }

    /** Values to move a parameter to: two off the grid of round numbers first, then integer steps, then smaller. */
    private static double[] perturbations(double d) {
        return new double[]{d * 1.37 + 0.29, d * 1.61 + 0.43, d + 1, d + 2, d * 0.5, d * 0.25, d + 0.5};
    }

    private static List<Token> tokens(String code) {
        List<Token> out = new ArrayList<>();
        Matcher m = NUMBER.matcher(code);
        while (m.find()) {
            int start = m.start();
            if (start > 0 && code.charAt(start - 1) == '-') {
                int p = start - 2;
                while (p >= 0 && code.charAt(p) == ' ') {
                    p--;
                }
                if (p < 0 || UNARY_BEFORE.indexOf(code.charAt(p)) >= 0) {
                    start--;
                }
            }
            out.add(new Token(start, m.end(), code.substring(start, m.end())));
        }
        return out;
    }

    private static String skeleton(String code, List<Token> tokens) {
        StringBuilder sb = new StringBuilder();
        int at = 0;
        for (Token t : tokens) {
            sb.append(code, at, t.start()).append('#');
            at = t.end();
        }
        return sb.append(code.substring(at)).toString();
    }
}
