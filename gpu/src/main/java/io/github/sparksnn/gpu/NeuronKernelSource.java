package io.github.sparksnn.gpu;

import io.github.sparksnn.surrogate.CudaDtype;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.Map;

/**
 * Generates the surrogate-dependent CUDA source: the BPTT backward of the fused neuron (one thread per neuron
 * looping over T backwards, exactly the CPU backend's ({@code CpuNeuronBackward}) float operations) with the surrogate
 * gradient {@code g'(x)} inlined from {@link SurrogateFunction#cudaCode}, and an element-wise
 * {@code surrogate_gradient} kernel (used by the parity tests to compare g' itself with the CPU).
 *
 * <p>The source depends only on the surrogate's class (and, for code whose shape changes with a parameter, on the
 * parameters), not on its spiking mode: the backward is the same in both modes. A built-in surrogate's parameters are
 * kernel arguments ({@link SurrogateArguments}, {@code float snn_p0, ...} after each kernel's own), so one shipped
 * module serves every value. Kernels: {@code neuron_backward}, {@code neuron_backward_static} (the input gradient
 * of a static input, summed over the steps in the CPU's order), {@code neuron_backward_max_pool} (the spike
 * gradient gathered from a max pooling's, no {@code dS} tensor), {@code surrogate_gradient}.
 */
public final class NeuronKernelSource {
    /** Names of the variables the surrogate snippet reads and declares. */
    static final String X = "snn_x";
    static final String G = "snn_g";
    /**
     * The most steps {@code neuron_backward_static} sums in a per-thread array (local memory, 256 bytes); more steps
     * take the composed {@code neuron_backward} + {@code sum_over_time}, the same bits.
     */
    public static final int STATIC_STEPS = 64;

    private NeuronKernelSource() {
    }

    /** A readable, mode-independent label such as {@code ATan(alpha=2.0)}. */
    public static String label(SurrogateFunction sg) {
        if (sg instanceof io.github.sparksnn.surrogate.Formula f) { // the texts are what tells two formulas apart
            return f.toString();
        }
        StringBuilder sb = new StringBuilder(sg.name()).append('(');
        boolean first = true;
        for (Map.Entry<String, Double> e : sg.parameters().entrySet()) {
            sb.append(first ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
            first = false;
        }
        return sb.append(')').toString();
    }

    /** The CUDA C translation unit for {@code sg}. */
    public static KernelSource of(SurrogateFunction sg) {
        return module(sg).source();
    }

    /**
     * A neuron module: its source and the surrogate's lifted parameter values ({@link SurrogateArguments}), which
     * every launch of its kernels appends after the kernel's own arguments.
     */
    public record Module(KernelSource source, SurrogateArguments.Code code) {
        KernelArgs append(KernelArgs a) {
            return code.appendTo(a);
        }
    }

    /**
     * The label a source is named by: {@link #label} for literal code, or the name with each parameter shown as
     * {@code *} ({@code ATan(alpha=*)}) when the parameters are kernel arguments (one source for every value).
     */
    static String sourceLabel(SurrogateFunction sg, SurrogateArguments.Code code) {
        if (!code.lifted()) {
            return label(sg);
        }
        StringBuilder sb = new StringBuilder(sg.name()).append('(');
        for (String k : sg.parameters().keySet()) {
            sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ").append(k).append("=*");
        }
        return sb.append(')').toString();
    }

    /** The module for {@code sg}: parameters as kernel arguments where {@link SurrogateArguments} can lift them. */
    public static Module module(SurrogateFunction sg) {
        SurrogateArguments.Code code = SurrogateArguments.of(sg, X, G, CudaDtype.FLOAT);
        String src = source(sourceLabel(sg, code), "", code.snippet(), code.declarations());
        KernelSource ks = new KernelSource("neuron[" + sourceLabel(sg, code) + "]", src);
        if (sg instanceof io.github.sparksnn.surrogate.Formula f) {
            // no compiler needed: the template's kernels with g' as PTX from the formula's own CUDA code (FormulaPtx)
            ks = ks.withCompilerFreePtx(() -> FormulaPtx.link(FormulaPtx.Part.NEURON,
                    FormulaPtx.translate(f.cudaCode(X, G, CudaDtype.FLOAT), X, G, FormulaPtx.GRADIENT)));
        }
        return new Module(ks, code);
    }

    /**
     * The neuron kernels of a {@code Formula} without its g': they call {@code snn_formula_gradient(snn_x)}, an
     * {@code extern} device function ({@code nvcc -rdc=true}), whose PTX {@link FormulaPtx} writes from the formula
     * and splices in at load time. Compiled once, shipped.
     */
    static KernelSource formulaTemplate() {
        String decl = "extern \"C\" __device__ float " + FormulaPtx.GRADIENT + "(float " + X + ");\n";
        String snippet = "const float " + G + " = " + FormulaPtx.GRADIENT + "(" + X + ");\n";
        return new KernelSource("neuron[Formula template]", source("Formula (g' = " + FormulaPtx.GRADIENT
                + ", linked in at load time)", decl, snippet, ""), Nvcc.RDC_FLAGS, null);
    }

    /**
     * The neuron kernels' CUDA C: {@code label} in the header comment, {@code prelude} after it (declarations), the
     * surrogate's {@code snippet} (declaring {@code const float snn_g} from {@code snn_x}) and its lifted parameters'
     * declarations {@code params} ({@code ", float snn_p0, ..."}).
     */
    private static String source(String sourceLabel, String prelude, String snippet, String params) {
        String names = params.replaceAll("\\s*(?:const\\s+)?\\w+\\s+(\\w+)", " $1"); // ", float snn_p0" -> ", snn_p0"
        String label = sourceLabel.replace("*/", "* /");
        return """
                // spark-snn generated neuron kernels for surrogate %s
                // (see io.github.sparksnn.gpu.NeuronKernelSource; compiled with -fmad=false)
                %s
                __device__ double snn_block_sum(double v, double* sh) {
                    sh[threadIdx.x] = v;
                    __syncthreads();
                    for (int s = blockDim.x >> 1; s > 0; s >>= 1) {
                        if (threadIdx.x < s) {
                            sh[threadIdx.x] += sh[threadIdx.x + s];
                        }
                        __syncthreads();
                    }
                    double r = sh[0];
                    __syncthreads();
                    return r;
                }

                // y[i] = g'(x[i])
                extern "C" __global__ void surrogate_gradient(long long n, const float* x, float* y%s) {
                    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n;
                         i += (long long) blockDim.x * gridDim.x) {
                        const float snn_x = x[i];
                %s        y[i] = snn_g;
                    }
                }

                // dL/dH[t] from dL/dS[t] (dSt0) and dL/dV[t] (dv1), CpuBackend's expressions: hard
                // dSt = dS + dV (v_r - H), dH = dV (1 - S) + dSt g'; soft dSt = dS - dV th, dH = dV + dSt g'
                __device__ __forceinline__ float snn_charge_gradient(float hh, float ss, float dSt0, float dv1, int hard,
                        int detach, float th, float vr%s) {
                    const float snn_x = hh - th;
                %s    if (hard) {
                        const float dSt = dSt0 + (detach ? 0.0f : dv1 * (vr - hh));
                        return dv1 * (1.0f - ss) + dSt * snn_g;
                    }
                    const float dSt = dSt0 - (detach ? 0.0f : dv1 * th);
                    return dv1 + dSt * snn_g;
                }

                // Exact BPTT through H[t] = charge(V[t-1], X[t]), S[t] = H(H[t] - th), V[t] = reset(H[t], S[t]).
                // dHdV = dH[t]/dV[t-1], dHdX = dH[t]/dX[t] (host-computed floats, as the CPU). With wantDk each block
                // writes sum dH * dH/dk of its neurons (double) to dkPartial[blockIdx.x]; blockDim.x must be 256.
                extern "C" __global__ void __launch_bounds__(256) neuron_backward(int timeSteps, int n,
                        const float* dS, const float* h, const float* s, const float* x, float* dX, double* dkPartial,
                        int hard, int detach, int decayInput, int wantDk, float th, float vr, float cr, float vInit,
                        float dHdV, float dHdX%s) {
                    __shared__ double sh[256];
                    double dk = 0.0;
                    for (long long j = (long long) blockIdx.x * blockDim.x + threadIdx.x; j < n;
                         j += (long long) blockDim.x * gridDim.x) {
                        float dv1 = 0.0f;
                        for (int t = timeSteps - 1; t >= 0; t--) {
                            const long long idx = (long long) t * n + j;
                            const float hh = h[idx];
                            const float dH = snn_charge_gradient(hh, s[idx], dS[idx], dv1, hard, detach, th, vr%s);
                            dX[idx] = dH * dHdX;
                            dv1 = dH * dHdV;
                            if (wantDk) {
                                float vp;
                                if (t == 0) {
                                    vp = vInit;
                                } else {
                                    const float hp = h[idx - n], sp = s[idx - n];
                                    vp = hard ? hp + sp * (vr - hp) : hp - th * sp;
                                }
                                const float dHdk = decayInput ? x[idx] - (vp - cr) : -(vp - cr);
                                dk += (double) dH * (double) dHdk;
                            }
                        }
                    }
                    if (wantDk) {
                        dk = snn_block_sum(dk, sh);
                        if (threadIdx.x == 0) {
                            dkPartial[blockIdx.x] = dk;
                        }
                    }
                }

                // neuron_backward of a static input (the same X at every step): dXSum[j] = sum over t of dX[t, j],
                // summed in step order ((dX[0] + dX[1]) + dX[2]) + ... as CpuBackend's neuronBackwardStatic, each
                // step's dX kept in a per-thread array meanwhile (timeSteps <= %d: the host checks). No dL/dk.
                extern "C" __global__ void neuron_backward_static(int timeSteps, int n, const float* dS, const float* h,
                        const float* s, float* dXSum, int hard, int detach, float th, float vr, float dHdV,
                        float dHdX%s) {
                    for (long long j = (long long) blockIdx.x * blockDim.x + threadIdx.x; j < n;
                         j += (long long) blockDim.x * gridDim.x) {
                        float steps[%d];
                        float dv1 = 0.0f;
                        for (int t = timeSteps - 1; t >= 0; t--) {
                            const long long idx = (long long) t * n + j;
                            const float dH = snn_charge_gradient(h[idx], s[idx], dS[idx], dv1, hard, detach, th, vr%s);
                            steps[t] = dH * dHdX;
                            dv1 = dH * dHdV;
                        }
                        float acc = steps[0];
                        for (int t = 1; t < timeSteps; t++) {
                            acc += steps[t];
                        }
                        dXSum[j] = acc;
                    }
                }

                // The pooled gradient routed back to element idx of the spikes [T, n] read as planes of ph x pw (window
                // k, stride st): max_pool_backward's gather, the windows in increasing output order
                __device__ __forceinline__ float snn_routed(const float* dy, const float* argmax, long long idx, int ph,
                        int pw, int k, int st, int ho, int wo) {
                    const long long per = (long long) ph * pw, p = idx / per;
                    const int in = (int) (idx %% per), i = in / pw, jj = in %% pw, ti = i - k + 1, tj = jj - k + 1;
                    const int oi0 = ti <= 0 ? 0 : (ti + st - 1) / st, oi1 = min(i / st, ho - 1);
                    const int oj0 = tj <= 0 ? 0 : (tj + st - 1) / st, oj1 = min(jj / st, wo - 1);
                    float acc = 0.0f;
                    for (int oi = oi0; oi <= oi1; oi++) {
                        for (int oj = oj0; oj <= oj1; oj++) {
                            const long long q = p * ho * wo + (long long) oi * wo + oj;
                            if ((int) argmax[q] == in) {
                                acc += dy[q];
                            }
                        }
                    }
                    return acc;
                }

                // neuron_backward of spikes that fed a max pooling: each step's dL/dS gathered from the pooled gradient dy
                // and argmax (no dS tensor), then as neuron_backward; with staticX the input gradient summed over the
                // steps in step order, as neuron_backward_static (timeSteps <= %d then: the host checks).
                extern "C" __global__ void neuron_backward_max_pool(int timeSteps, int n, const float* dy,
                        const float* argmax, int ph, int pw, int k, int st, int ho, int wo, const float* h, const float* s,
                        int staticX, float* dX, int hard, int detach, float th, float vr, float dHdV, float dHdX%s) {
                    for (long long j = (long long) blockIdx.x * blockDim.x + threadIdx.x; j < n;
                         j += (long long) blockDim.x * gridDim.x) {
                        float steps[%d];
                        float dv1 = 0.0f;
                        for (int t = timeSteps - 1; t >= 0; t--) {
                            const long long idx = (long long) t * n + j;
                            const float dSt = snn_routed(dy, argmax, idx, ph, pw, k, st, ho, wo);
                            const float dH = snn_charge_gradient(h[idx], s[idx], dSt, dv1, hard, detach, th, vr%s);
                            if (staticX) {
                                steps[t] = dH * dHdX;
                            } else {
                                dX[idx] = dH * dHdX;
                            }
                            dv1 = dH * dHdV;
                        }
                        if (staticX) {
                            float acc = steps[0];
                            for (int t = 1; t < timeSteps; t++) {
                                acc += steps[t];
                            }
                            dX[j] = acc;
                        }
                    }
                }
                """.formatted(label, prelude, params, indent(snippet, "        "), params, indent(snippet, "    "), params,
                names, STATIC_STEPS, params, STATIC_STEPS, names, STATIC_STEPS, params, STATIC_STEPS, names);
    }

    private static String indent(String code, String pad) {
        StringBuilder sb = new StringBuilder();
        for (String line : code.split("\n")) {
            sb.append(pad).append(line).append('\n');
        }
        return sb.toString();
    }
}
