package io.github.sparksnn.gpu;

import io.github.sparksnn.surrogate.BuiltinFormulas;
import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * Generates the non-spiking (smooth) neuron forward: {@code H = cv V + cx X + c0}, {@code S = g(H - th)} with the
 * surrogate's primitive {@code g}, {@code V = reset(H, S)}, the CPU's {@code chargeFireReset} in the CPU's order.
 *
 * <p>{@code cudaCode} gives only {@code g'}; the primitive's CUDA comes from the formula machinery: a built-in's
 * primitive text ({@link BuiltinFormulas#twin}) or a {@link Formula}'s, turned into CUDA as the gradient of a
 * gradient-only formula (so {@code FormulaCuda} writes it, with parameter-only sub-expressions folded to float
 * literals in double). Those literals are lifted into kernel arguments as the gradient's are
 * ({@link SurrogateArguments}; {@code snn_p0, ...}), so a built-in ships one smooth module for every parameter value
 * of the default's shape (not SquarewaveFourierSeries at {@code n != 2}: more harmonics; nor LeakyKReLU at
 * {@code leak != 0}: the default's zero leak folds its term away). Kernel:
 * {@code neuron_forward_smooth}.
 *
 * <p>The CPU's float primitive is its own code (a compiled formula or a hand-written loop), not this text, and the
 * CUDA math library is not Java's: the smooth forward agrees within a few float ulps, not bit for bit.
 */
public final class SmoothKernelSource {
    private SmoothKernelSource() {
    }

    /** The CUDA statements declaring {@code const float y = g(x)} for {@code sg}'s primitive. */
    static String primitiveCode(SurrogateFunction sg, String x, String y) {
        Formula f = null;
        if (sg instanceof Formula formula) {
            f = formula;
        } else {
            try {
                f = BuiltinFormulas.twin(sg);
            } catch (IllegalArgumentException e) {
                // not a built-in: no primitive text
            }
        }
        if (f == null || f.primitiveText() == null) {
            throw new UnsupportedOperationException("CUDA backend: the non-spiking (smooth) forward of " + sg
                    + " needs its primitive g(x) as a formula text, and it has none (a user surrogate, or"
                    + " SquarewaveFourierSeries with n = 1); use spiking mode or the CPU backend");
        }
        return Formula.of(null, f.primitiveText(), f.parameters()).cudaCode(x, y, CudaDtype.FLOAT);
    }

    /** The module for {@code sg}: its primitive's parameters as kernel arguments where they can be. */
    public static NeuronKernelSource.Module module(SurrogateFunction sg) {
        String x = NeuronKernelSource.X, y = NeuronKernelSource.G;
        SurrogateArguments.Code code = SurrogateArguments.of(sg, s -> primitiveCode(s, x, y), "primitive/" + x + "/" + y);
        String label = NeuronKernelSource.sourceLabel(sg, code);
        KernelSource ks = new KernelSource("smooth[" + label + "]", source(label, "", code.snippet(), code.declarations()));
        if (!code.lifted()) {
            // literal code, always a formula's (a Formula's primitive, or a built-in's twin at a shape no shipped
            // module has): the template's kernel with g as PTX from that code, no compiler needed (FormulaPtx)
            String snippet = code.snippet();
            ks = ks.withCompilerFreePtx(() -> FormulaPtx.link(FormulaPtx.Part.SMOOTH,
                    FormulaPtx.translate(snippet, x, y, FormulaPtx.PRIMITIVE)));
        }
        return new NeuronKernelSource.Module(ks, code);
    }

    /**
     * The smooth forward of a formula without its primitive: it calls {@code snn_formula_primitive(snn_x)}, an
     * {@code extern} device function ({@code nvcc -rdc=true}) whose PTX {@link FormulaPtx} writes and splices in at
     * load time. Compiled once, shipped.
     */
    static KernelSource formulaTemplate() {
        String x = NeuronKernelSource.X, y = NeuronKernelSource.G;
        String decl = "extern \"C\" __device__ float " + FormulaPtx.PRIMITIVE + "(float " + x + ");\n";
        String snippet = "const float " + y + " = " + FormulaPtx.PRIMITIVE + "(" + x + ");\n";
        return new KernelSource("smooth[Formula template]", source("Formula (g = " + FormulaPtx.PRIMITIVE
                + ", linked in at load time)", decl, snippet, ""), Nvcc.RDC_FLAGS, null);
    }

    private static String source(String sourceLabel, String prelude, String snippet, String params) {
        String label = sourceLabel.replace("*/", "* /");
        return """
                // spark-snn generated smooth (non-spiking) neuron forward for surrogate %s
                // (see io.github.sparksnn.gpu.SmoothKernelSource; compiled with -fmad=false)
                %s
                // H[t] = cv V + cx X[t] + c0, S[t] = g(H[t] - th), V = reset(H[t], S[t]); one thread per neuron
                extern "C" __global__ void neuron_forward_smooth(int timeSteps, int n, const float* x, float* h,
                        float* s, float* v, int hard, float cv, float cx, float c0, float th, float vr%s) {
                    for (long long j = (long long) blockIdx.x * blockDim.x + threadIdx.x; j < n;
                         j += (long long) blockDim.x * gridDim.x) {
                        float vv = v[j];
                        for (int t = 0; t < timeSteps; t++) {
                            const long long idx = (long long) t * n + j;
                            const float hh = cv * vv + cx * x[idx] + c0;
                            const float snn_x = hh - th;
                %s            h[idx] = hh;
                            s[idx] = snn_g;
                            vv = hard ? hh + snn_g * (vr - hh) : hh - th * snn_g;
                        }
                        v[j] = vv;
                    }
                }
                """.formatted(label, prelude, params, indent(snippet));
    }

    /** The CUDA C translation unit for {@code sg}, named {@code smooth[<label>]}. */
    public static KernelSource of(SurrogateFunction sg) {
        return module(sg).source();
    }

    private static String indent(String code) {
        StringBuilder sb = new StringBuilder();
        for (String line : code.split("\n")) {
            sb.append("            ").append(line).append('\n');
        }
        return sb.toString();
    }
}
