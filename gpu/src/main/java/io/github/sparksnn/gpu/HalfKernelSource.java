package io.github.sparksnn.gpu;

import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;

/**
 * Generates the half-precision surrogate kernel {@code surrogate_gradient_half2}: {@code y = g'(x)} computed
 * with the surrogate's {@code half2} snippet ({@link SurrogateFunction#cudaCode} with {@link CudaDtype#HALF2},
 * upstream's fp16 {@code cuda_code}), two elements per thread, float in and out. Only {@code snn gpu check-grad
 * --dtype half} uses it: the backend's training kernels are float32.
 */
public final class HalfKernelSource {
    private HalfKernelSource() {
    }

    /** The CUDA C translation unit for {@code sg}, named {@code half[<label>]}. */
    public static KernelSource of(SurrogateFunction sg) {
        return module(sg).source();
    }

    /** The module for {@code sg}, parameters as kernel arguments where they can be ({@link SurrogateArguments}). */
    public static NeuronKernelSource.Module module(SurrogateFunction sg) {
        SurrogateArguments.Code code = SurrogateArguments.of(sg, NeuronKernelSource.X, NeuronKernelSource.G, CudaDtype.HALF2);
        String label = NeuronKernelSource.sourceLabel(sg, code);
        KernelSource ks = new KernelSource("half[" + label + "]", source(label, "", code.snippet(), code.declarations()));
        if (sg instanceof Formula f) {
            // a formula's half2 code is its float code per lane (__half22float2, float, __floats2half2_rn): the
            // template does exactly that around the float g' that FormulaPtx writes, no compiler needed
            ks = ks.withCompilerFreePtx(() -> FormulaPtx.link(FormulaPtx.Part.HALF, FormulaPtx.translate(
                    f.cudaCode(NeuronKernelSource.X, NeuronKernelSource.G, CudaDtype.FLOAT), NeuronKernelSource.X,
                    NeuronKernelSource.G, FormulaPtx.GRADIENT)));
        }
        return new NeuronKernelSource.Module(ks, code);
    }

    /**
     * The half kernel of a {@code Formula} without its g': each lane in float through
     * {@code snn_formula_gradient}, an {@code extern} device function ({@code nvcc -rdc=true}) that {@link FormulaPtx}
     * writes and splices in at load time, as {@code Formula.cudaCode(HALF2)} computes the lanes. Compiled once, shipped.
     */
    static KernelSource formulaTemplate() {
        String x = NeuronKernelSource.X, y = NeuronKernelSource.G, fn = FormulaPtx.GRADIENT;
        String decl = "extern \"C\" __device__ float " + fn + "(float " + x + ");\n";
        String snippet = "const float2 snn_xf = __half22float2(" + x + ");\n"
                + "const half2 " + y + " = __floats2half2_rn(" + fn + "(snn_xf.x), " + fn + "(snn_xf.y));\n";
        return new KernelSource("half[Formula template]", source("Formula (g' = " + fn + " per lane, linked in at"
                + " load time)", decl, snippet, ""), Nvcc.RDC_FLAGS, null);
    }

    private static String source(String sourceLabel, String prelude, String snippet, String params) {
        String label = sourceLabel.replace("*/", "* /");
        return """
                // spark-snn generated half-precision surrogate kernel for %s
                // (see io.github.sparksnn.gpu.HalfKernelSource)
                #include <cuda_fp16.h>
                %s
                // y[i] = g'(x[i]) in half2 arithmetic, for i < 2 * pairs
                extern "C" __global__ void surrogate_gradient_half2(long long pairs, const float* xs, float* ys%s) {
                    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < pairs;
                         i += (long long) blockDim.x * gridDim.x) {
                        const half2 %s = __floats2half2_rn(xs[2 * i], xs[2 * i + 1]);
                %s
                        const float2 snn_f = __half22float2(%s);
                        ys[2 * i] = snn_f.x;
                        ys[2 * i + 1] = snn_f.y;
                    }
                }
                """.formatted(label, prelude, params, NeuronKernelSource.X, indent(snippet), NeuronKernelSource.G);
    }

    private static String indent(String code) {
        StringBuilder sb = new StringBuilder();
        for (String line : code.split("\n")) {
            sb.append("        ").append(line).append('\n');
        }
        return sb.toString().stripTrailing();
    }
}
