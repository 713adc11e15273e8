package io.github.sparksnn.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Formula}'s kernels without a CUDA compiler: PTX written in Java from the formula's own CUDA code, spliced
 * into kernels compiled once by nvcc and shipped.
 *
 * <h2>Why this route</h2>
 * A GPU executor commonly has the driver and no toolkit; JCuda 12.6's NVRTC needs CUDA 12's library, absent beside a
 * CUDA 13 driver. The driver does accept PTX text ({@code cuModuleLoadData} JIT-compiles it), and a formula's g' is
 * straight-line float code. So:
 * <ol>
 *   <li>The kernels around g' (the neuron backward, the smooth forward, the half2 kernel) are the ordinary generated
 *       sources with the surrogate snippet replaced by a call to an {@code extern} device function
 *       ({@link #GRADIENT}, {@link #PRIMITIVE}), compiled once with {@code nvcc -rdc=true} ({@link Nvcc#RDC_FLAGS}) so
 *       that the call stays a call, and shipped ({@link Part}).</li>
 *   <li>The formula's transcendental functions are the CUDA math library's, not PTX instructions (PTX has only
 *       {@code .approx} {@code ex2}/{@code lg2}/{@code sin}/{@code cos}): one shipped module of {@code .func}
 *       wrappers compiled by nvcc from the library ({@code snn_expf(x) = expf(x)}, ...; {@link #MATH_FUNCTIONS}), with
 *       the same flags, so each call computes what nvcc inlines for {@code expf} in a formula's literal code.</li>
 *   <li>g' itself ({@link #translate}) is PTX written from the formula's {@code cudaCode} (the exact text nvcc would
 *       compile for it, so the same constants, the same operations, in the same association): straight-line
 *       {@code add.rn.f32}, {@code sub.rn.f32}, {@code mul.rn.f32}, {@code div.rn.f32} (the {@code .rn} forms are
 *       never contracted into an FMA, as {@code -fmad=false}), {@code neg.f32}, {@code abs.f32}
 *       ({@code fabsf}), {@code sqrt.rn.f32} ({@code sqrtf}), {@code min.f32}/{@code max.f32}
 *       ({@code fminf}/{@code fmaxf}), {@code setp} + {@code selp} for {@code ?:}, and {@code call} for the
 *       wrappers; constants as the literals' floats ({@code 0fXXXXXXXX}).</li>
 *   <li>{@link #link} splices text: the template's {@code .extern .func} declaration is replaced by the wrappers the
 *       formula calls and g's definition, giving one self-contained PTX module that the driver JIT-compiles like any
 *       other ({@link CudaDevice} loads it through the same {@code cuModuleLoadDataEx} path).</li>
 * </ol>
 * Splicing text rather than the driver's linker ({@code cuLinkCreate}/{@code cuLinkAddData}/{@code cuLinkComplete})
 * keeps one load path for every module: the result is plain PTX, so the loader, its error reports, the PTX ISA
 * lowering, JCuda's nvPTXCompiler checks (no GPU needed) and the host emulator's driver-only mode all treat it as
 * they treat shipped PTX, and no linker state or object format enters the backend. The cost is a real call per
 * element (no inlining across the splice); the neuron kernels are memory-bound, so it is small.
 *
 * <p>The CUDA C of a formula module (with the formula's literal code) still names the module (its hash) and is what
 * the host emulator compiles; {@link PtxStore} asks {@link KernelSource#compilerFreePtx()} before the nvcc cache and
 * nvcc, so a formula's PTX is this one whether or not nvcc is installed. Tests show the arithmetic is nvcc's: the
 * PTX interpreted gives, bit for bit, what g++ makes of the same CUDA C with the same math functions
 * ({@code FormulaPtxHostParityTest}), and what nvcc's own PTX of the formula gives
 * ({@code NvccCompileTest}).
 */
public final class FormulaPtx {
    /** The device function the neuron and half templates call for g'(x). */
    public static final String GRADIENT = "snn_formula_gradient";
    /** The device function the smooth template calls for g(x). */
    public static final String PRIMITIVE = "snn_formula_primitive";

    /** The CUDA math functions a snippet may call (through the shipped wrappers {@code snn_<name>}), with their arity. */
    public static final Map<String, Integer> MATH_FUNCTIONS = mathFunctions();

    /** Where the shipped parts live: a folder beside the shipped PTX, each {@code <part>-<hash>.ptx}. */
    static final String RESOURCE_DIR = "/io/github/sparksnn/gpu/ptx/formula/";

    private static Map<String, Integer> mathFunctions() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String f : new String[] {"expf", "logf", "tanhf", "atanf", "erff", "erfcf", "log1pf", "sinf", "cosf"}) {
            m.put(f, 1);
        }
        m.put("powf", 2);
        return java.util.Collections.unmodifiableMap(m);
    }

    private FormulaPtx() {
    }

    // ------------------------------------------------------------------------------------------------ shipped parts

    /** The parts compiled by nvcc and shipped: the three kernel templates and the math library's wrappers. */
    public enum Part {
        /** {@link NeuronKernelSource}'s kernels calling {@link #GRADIENT}. */
        NEURON,
        /** {@link SmoothKernelSource}'s kernel calling {@link #PRIMITIVE}. */
        SMOOTH,
        /** {@link HalfKernelSource}'s kernel calling {@link #GRADIENT} per lane. */
        HALF,
        /** The wrappers {@code snn_expf}, ... ({@link #MATH_FUNCTIONS}). */
        MATH;

        /** The CUDA C this part is compiled from (with {@link Nvcc#RDC_FLAGS}). */
        public KernelSource source() {
            return Sources.OF.get(this);
        }

        /** The kernels (entries) this part defines, none for {@link #MATH}. */
        public List<String> kernels() {
            return PtxBuild.kernelsOf(source().source());
        }

        /** The name of its shipped PTX, what it holds then its source's hash: {@code neuron-<hash>.ptx}. */
        public String file() {
            return name().toLowerCase(Locale.ROOT) + "-" + source().hash() + ".ptx";
        }

        /** The classpath name of its shipped PTX. */
        public String resource() {
            return RESOURCE_DIR + file();
        }
    }

    private static final class Sources {
        static final Map<Part, KernelSource> OF = new java.util.EnumMap<>(Map.of(
                Part.NEURON, NeuronKernelSource.formulaTemplate(),
                Part.SMOOTH, SmoothKernelSource.formulaTemplate(),
                Part.HALF, HalfKernelSource.formulaTemplate(),
                Part.MATH, new KernelSource("formula math wrappers", mathSource(), Nvcc.RDC_FLAGS, null)));
    }

    /** The wrappers' CUDA C: {@code extern "C" __device__ float snn_expf(float x) { return expf(x); }}, ... */
    static String mathSource() {
        StringBuilder sb = new StringBuilder("// spark-snn: the CUDA math library's float functions as device functions,"
                + " called by the PTX that\n// io.github.sparksnn.gpu.FormulaPtx writes for a formula (compiled with"
                + " -rdc=true -fmad=false)\n");
        for (Map.Entry<String, Integer> f : MATH_FUNCTIONS.entrySet()) {
            String args = f.getValue() == 1 ? "float x" : "float x, float y";
            String call = f.getValue() == 1 ? "x" : "x, y";
            sb.append("extern \"C\" __device__ float snn_").append(f.getKey()).append('(').append(args)
                    .append(") { return ").append(f.getKey()).append('(').append(call).append("); }\n");
        }
        return sb.toString();
    }

    private static final Map<Part, String> SHIPPED = new ConcurrentHashMap<>();

    /** The shipped PTX of {@code part}, if the jar has it (a stale jar: another hash). */
    public static Optional<String> shipped(Part part) {
        String cached = SHIPPED.get(part);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = FormulaPtx.class.getResourceAsStream(part.resource())) {
            if (in == null) {
                return Optional.empty();
            }
            String ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            SHIPPED.put(part, ptx);
            return Optional.of(ptx);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + part.resource(), e);
        }
    }

    private static String require(Part part) {
        return shipped(part).orElseThrow(() -> new IllegalStateException("the jar lacks the " + part + " part of"
                + " compiler-free formula kernels (" + part.resource() + ", " + part.source().name() + "): a build"
                + " whose shipped PTX is out of date (gpu/regenerate-ptx.sh)"));
    }

    // ------------------------------------------------------------------------------------------------ linking

    /** A device function in PTX: its name, its {@code .func} text, the math wrappers it calls ({@code expf}, ...). */
    public record Func(String name, String ptx, Set<String> calls) {
    }

    private static final Pattern EXTERN = Pattern.compile("\\.extern\\s+\\.func\\s*\\(\\s*\\.param\\s+\\.b32\\s+"
            + "func_retval0\\s*\\)\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\(\\s*\\.param\\s+\\.b32\\s+[A-Za-z0-9_]+\\s*\\)\\s*;");

    /**
     * One PTX module: {@code template}'s kernels with its {@code .extern} declaration of {@code f} replaced by the math
     * wrappers {@code f} calls (and the data they use) and {@code f}'s definition.
     */
    public static String link(Part template, Func f) {
        if (template == Part.MATH) {
            throw new IllegalArgumentException("MATH is not a kernel template");
        }
        String ptx = require(template);
        Matcher m = EXTERN.matcher(ptx);
        StringBuilder defs = new StringBuilder();
        boolean found = false;
        while (m.find()) {
            if (!m.group(1).equals(f.name())) {
                throw new IllegalStateException(template + " template declares another extern function " + m.group(1));
            }
            if (found) {
                throw new IllegalStateException(template + " template declares " + f.name() + " twice");
            }
            found = true;
            defs.append(ptx, 0, m.start());
            MathModule math = MathModule.get();
            Set<String> globals = new LinkedHashSet<>();
            List<String> funcs = new ArrayList<>();
            for (String c : f.calls()) {
                String body = math.functions.get("snn_" + c);
                if (body == null) {
                    throw new IllegalStateException("the shipped math wrappers lack snn_" + c);
                }
                funcs.add(body);
                for (Map.Entry<String, String> g : math.globals.entrySet()) {
                    if (Pattern.compile("\\b" + Pattern.quote(g.getKey()) + "\\b").matcher(body).find()) {
                        globals.add(g.getValue());
                    }
                }
            }
            defs.append("// linked in by io.github.sparksnn.gpu.FormulaPtx: the CUDA math wrappers ")
                    .append(f.calls()).append(" and ").append(f.name()).append('\n');
            for (String g : globals) {
                defs.append(g).append('\n');
            }
            for (String body : funcs) {
                defs.append(body).append('\n');
            }
            defs.append(f.ptx());
            defs.append(ptx, m.end(), ptx.length());
        }
        if (!found) {
            throw new IllegalStateException(template + " template has no .extern declaration of " + f.name());
        }
        return defs.toString();
    }

    /** The shipped math module cut into its functions and its module-scope data. */
    private static final class MathModule {
        final Map<String, String> functions = new LinkedHashMap<>();
        /** Data symbol name to its declaration ({@code .global .align 4 .b8 __cudart_i2opi_f[24] = {...};}). */
        final Map<String, String> globals = new LinkedHashMap<>();
        private static volatile MathModule instance;

        static MathModule get() {
            MathModule m = instance;
            if (m == null) {
                m = new MathModule(require(Part.MATH));
                instance = m;
            }
            return m;
        }

        private static final Pattern FUNC = Pattern.compile("^(?:\\.visible\\s+|\\.weak\\s+)?\\.func\\b.*?"
                + "([A-Za-z_$][A-Za-z0-9_$]*)\\s*\\($");
        private static final Pattern DATA = Pattern.compile("^\\.(?:global|const)\\b[^=;]*?([A-Za-z_$][A-Za-z0-9_$]*)"
                + "\\s*(?:\\[[^\\]]*\\])?\\s*(?:=|;)");

        MathModule(String ptx) {
            String[] lines = ptx.split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                Matcher d = DATA.matcher(line);
                Matcher f = FUNC.matcher(line);
                if (d.find()) {
                    StringBuilder decl = new StringBuilder(line);
                    while (!decl.toString().trim().endsWith(";")) {
                        decl.append('\n').append(lines[++i]);
                    }
                    globals.put(d.group(1), decl.toString());
                } else if (f.find()) {
                    StringBuilder body = new StringBuilder();
                    int depth = 0;
                    boolean opened = false;
                    for (; i < lines.length; i++) {
                        String l = lines[i];
                        body.append(l).append('\n');
                        String code = l.contains("//") ? l.substring(0, l.indexOf("//")) : l;
                        for (char c : code.toCharArray()) {
                            if (c == '{') {
                                depth++;
                                opened = true;
                            } else if (c == '}') {
                                depth--;
                            }
                        }
                        if (opened && depth == 0) {
                            break;
                        }
                    }
                    functions.put(f.group(1), body.toString());
                }
            }
            for (String name : MATH_FUNCTIONS.keySet()) {
                if (!functions.containsKey("snn_" + name)) {
                    throw new IllegalStateException("the shipped math wrappers lack snn_" + name);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ translation

    /**
     * PTX {@code .func} {@code name}: the value of float {@code y} that the CUDA {@code snippet} declares from float
     * {@code x}. The snippet is the float code a {@code Formula} generates ({@code Formula.cudaCode(x, y, FLOAT)}):
     * statements {@code const float v = e;} and {@code (void) x;}, {@code //} comments; expressions of float
     * literals ({@code 1.5f}), declared names, {@code + - * /}, unary minus, one comparison as the condition of
     * {@code ?:}, and the functions {@code fabsf sqrtf fminf fmaxf} and {@link #MATH_FUNCTIONS}, with C's precedence
     * and left-to-right association. Anything else is refused ({@link IllegalArgumentException}): it is not the
     * subset whose meaning is certain.
     */
    public static Func translate(String snippet, String x, String y, String name) {
        Parser p = new Parser(snippet);
        Emitter e = new Emitter(name);
        e.vars.put(x, "%f" + e.nextF++);
        boolean declaredY = false;
        while (!p.atEnd()) {
            if (p.peekIs("(")) { // (void) v;
                p.expect("(");
                p.expect("void");
                p.expect(")");
                String v = p.identifier();
                p.expect(";");
                if (!e.vars.containsKey(v)) {
                    throw p.error("(void) of an undeclared name " + v);
                }
                continue;
            }
            p.expect("const");
            p.expect("float");
            String v = p.identifier();
            p.expect("=");
            Node value = p.expression();
            p.expect(";");
            if (e.vars.containsKey(v)) {
                throw p.error("redeclared " + v);
            }
            e.vars.put(v, e.emit(value));
            declaredY |= v.equals(y);
        }
        if (!declaredY) {
            throw new IllegalArgumentException("the snippet does not declare " + y);
        }
        return e.finish(e.vars.get(y));
    }

    /** An expression: a float constant, a name, an operation on operands, a comparison, a choice. */
    private sealed interface Node {
    }

    private record Const(float v) implements Node {
    }

    private record Name(String name) implements Node {
    }

    /** {@code op} is {@code + - * /}, {@code neg}, or a function name. */
    private record Op(String op, List<Node> args) implements Node {
    }

    private record Cmp(String op, Node a, Node b) implements Node {
    }

    private record Choice(Cmp cond, Node a, Node b) implements Node {
    }

    private static final Pattern TOKEN = Pattern.compile("\\s*(?:(//[^\\n]*)|([A-Za-z_][A-Za-z0-9_]*)"
            + "|([0-9]+\\.[0-9]+(?:[eE][-+]?[0-9]+)?f)|(<=|>=|==|!=|[-+*/()?:<>,;=]))");

    private static final class Parser {
        final List<String> tokens = new ArrayList<>();
        int p;

        Parser(String text) {
            Matcher m = TOKEN.matcher(text);
            int at = 0;
            int end = text.length();
            while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
                end--;
            }
            while (at < end) {
                if (!m.find(at) || m.start() != at) {
                    throw new IllegalArgumentException("not a formula's float CUDA code (no compiler-free PTX for it):"
                            + " cannot read " + abbreviate(text.substring(at)));
                }
                if (m.group(1) == null) {
                    tokens.add(m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4));
                }
                at = m.end();
            }
        }

        boolean atEnd() {
            return p >= tokens.size();
        }

        String peek() {
            return atEnd() ? "<end>" : tokens.get(p);
        }

        boolean peekIs(String s) {
            return peek().equals(s);
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("not a formula's float CUDA code (no compiler-free PTX for it): " + what
                    + " at token " + p + " of " + abbreviate(String.join(" ", tokens)));
        }

        void expect(String s) {
            if (!peekIs(s)) {
                throw error("expected '" + s + "' but found '" + peek() + "'");
            }
            p++;
        }

        String identifier() {
            String s = peek();
            if (!Character.isLetter(s.charAt(0)) && s.charAt(0) != '_' || isKeyword(s)) {
                throw error("expected a name but found '" + s + "'");
            }
            p++;
            return s;
        }

        private static boolean isKeyword(String s) {
            return s.equals("const") || s.equals("float") || s.equals("void");
        }

        /** conditional: relational ('?' expression ':' conditional)? */
        Node expression() {
            Node c = relational();
            if (!peekIs("?")) {
                return c; // a comparison here can only be a condition: emit() refuses one used as a value
            }
            p++;
            if (!(c instanceof Cmp cmp)) {
                throw error("a condition that is not one comparison");
            }
            Node a = expression();
            expect(":");
            Node b = expression();
            return new Choice(cmp, a, b);
        }

        Node relational() {
            Node a = additive();
            String op = peek();
            if (op.equals("<") || op.equals("<=") || op.equals(">") || op.equals(">=") || op.equals("==")
                    || op.equals("!=")) {
                p++;
                Node b = additive();
                if (peek().matches("<|<=|>|>=|==|!=")) {
                    throw error("chained comparisons");
                }
                return new Cmp(op, a, b);
            }
            return a;
        }

        Node additive() {
            Node a = multiplicative();
            while (peekIs("+") || peekIs("-")) {
                String op = tokens.get(p++);
                a = new Op(op, List.of(a, multiplicative()));
            }
            return a;
        }

        Node multiplicative() {
            Node a = unary();
            while (peekIs("*") || peekIs("/")) {
                String op = tokens.get(p++);
                a = new Op(op, List.of(a, unary()));
            }
            return a;
        }

        Node unary() {
            if (peekIs("-")) {
                p++;
                Node a = unary();
                // C folds a negated constant exactly; negation of anything else is neg.f32
                return a instanceof Const k ? new Const(-k.v()) : new Op("neg", List.of(a));
            }
            return primary();
        }

        Node primary() {
            String s = peek();
            if (s.equals("(")) {
                p++;
                Node e = expression();
                expect(")");
                return e;
            }
            if (Character.isDigit(s.charAt(0))) {
                p++;
                float v = Float.parseFloat(s.substring(0, s.length() - 1));
                if (!Float.isFinite(v)) {
                    throw error("a literal out of float's range: " + s);
                }
                return new Const(v);
            }
            String id = identifier();
            if (!peekIs("(")) {
                return new Name(id);
            }
            p++;
            List<Node> args = new ArrayList<>();
            if (!peekIs(")")) {
                args.add(expression());
                while (peekIs(",")) {
                    p++;
                    args.add(expression());
                }
            }
            expect(")");
            int arity = switch (id) {
                case "fabsf", "sqrtf" -> 1;
                case "fminf", "fmaxf" -> 2;
                default -> MATH_FUNCTIONS.getOrDefault(id, -1);
            };
            if (arity < 0) {
                throw error("an unknown function " + id);
            }
            if (args.size() != arity) {
                throw error(id + " takes " + arity + " argument(s), got " + args.size());
            }
            return new Op(id, args);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    /** Writes the PTX: SSA registers, each constant moved into a register once. */
    private static final class Emitter {
        final String name;
        final StringBuilder body = new StringBuilder();
        final Map<String, String> vars = new HashMap<>();
        final Map<Integer, String> constants = new HashMap<>();
        final Set<String> calls = new LinkedHashSet<>();
        int nextF = 1;
        int nextP = 1;

        Emitter(String name) {
            this.name = name;
        }

        private String f() {
            return "%f" + nextF++;
        }

        private void line(String instr, String... operands) {
            body.append('\t').append(instr).append(" \t").append(String.join(", ", operands)).append(";\n");
        }

        String emit(Node n) {
            if (n instanceof Const k) {
                int bits = Float.floatToRawIntBits(k.v());
                String r = constants.get(bits);
                if (r == null) {
                    r = f();
                    line("mov.f32", r, String.format(Locale.ROOT, "0f%08X", bits));
                    constants.put(bits, r);
                }
                return r;
            }
            if (n instanceof Name v) {
                String r = vars.get(v.name());
                if (r == null) {
                    throw new IllegalArgumentException("not a formula's float CUDA code: undeclared name " + v.name());
                }
                return r;
            }
            if (n instanceof Choice c) {
                String a = emit(c.cond().a());
                String b = emit(c.cond().b());
                String p = "%p" + nextP++;
                line("setp." + predicate(c.cond().op()) + ".f32", p, a, b);
                String x = emit(c.a());
                String y = emit(c.b());
                String r = f();
                line("selp.f32", r, x, y, p);
                return r;
            }
            if (n instanceof Cmp) {
                throw new IllegalArgumentException("not a formula's float CUDA code: a comparison used as a value");
            }
            Op o = (Op) n;
            List<String> a = new ArrayList<>();
            for (Node arg : o.args()) {
                a.add(emit(arg));
            }
            String r;
            switch (o.op()) {
                case "+" -> line("add.rn.f32", r = f(), a.get(0), a.get(1));
                case "-" -> line("sub.rn.f32", r = f(), a.get(0), a.get(1));
                case "*" -> line("mul.rn.f32", r = f(), a.get(0), a.get(1));
                case "/" -> line("div.rn.f32", r = f(), a.get(0), a.get(1));
                case "neg" -> line("neg.f32", r = f(), a.get(0));
                case "fabsf" -> line("abs.f32", r = f(), a.get(0));
                case "sqrtf" -> line("sqrt.rn.f32", r = f(), a.get(0));
                case "fminf" -> line("min.f32", r = f(), a.get(0), a.get(1));
                case "fmaxf" -> line("max.f32", r = f(), a.get(0), a.get(1));
                default -> r = call(o.op(), a);
            }
            return r;
        }

        /** C's comparisons on floats: ordered (false with a NaN), except {@code !=} (true with a NaN). */
        private static String predicate(String op) {
            return switch (op) {
                case "<" -> "lt";
                case "<=" -> "le";
                case ">" -> "gt";
                case ">=" -> "ge";
                case "==" -> "eq";
                case "!=" -> "neu";
                default -> throw new IllegalStateException(op);
            };
        }

        private String call(String fn, List<String> args) {
            calls.add(fn);
            body.append("\t{\n");
            List<String> params = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                body.append("\t.param .b32 param").append(i).append(";\n");
                line("st.param.f32", "[param" + i + "+0]", args.get(i));
                params.add("param" + i);
            }
            body.append("\t.param .b32 retval0;\n");
            body.append("\tcall.uni (retval0), snn_").append(fn).append(", (").append(String.join(", ", params))
                    .append(");\n");
            String r = f();
            line("ld.param.f32", r, "[retval0+0]");
            body.append("\t}\n");
            return r;
        }

        Func finish(String result) {
            StringBuilder sb = new StringBuilder();
            sb.append("// ").append(name).append(": written by io.github.sparksnn.gpu.FormulaPtx from the formula's CUDA code\n");
            sb.append(".func  (.param .b32 func_retval0) ").append(name).append("(\n\t.param .b32 ").append(name)
                    .append("_param_0\n)\n{\n");
            if (nextP > 1) {
                sb.append("\t.reg .pred \t%p<").append(nextP).append(">;\n");
            }
            sb.append("\t.reg .f32 \t%f<").append(nextF).append(">;\n\n");
            sb.append("\tld.param.f32 \t%f1, [").append(name).append("_param_0];\n");
            sb.append(body);
            sb.append("\tst.param.f32 \t[func_retval0+0], ").append(result).append(";\n");
            sb.append("\tret;\n}\n");
            return new Func(name, sb.toString(), java.util.Collections.unmodifiableSet(calls));
        }
    }
}
