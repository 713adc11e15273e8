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
 * module serves every value. Kernels: {@code neuron_backward}, {@code surrogate_gradient}.
 */
public final class NeuronKernelSource {
    /** Names of the variables the surrogate snippet reads and declares. */
    static final String X = "snn_x";
    static final String G = "snn_g";

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
        String snippet = code.snippet();
        String params = code.declarations();
        String label = sourceLabel(sg, code).replace("*/", "* /");
        String src = """
                // spark-snn generated neuron kernels for surrogate %s
                // (see io.github.sparksnn.gpu.NeuronKernelSource; compiled with -fmad=false)

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
                            const float ss = s[idx];
                            const float snn_x = hh - th;
                %s            // CpuBackend's expressions: hard dSt = dS + dV (v_r - H), dH = dV (1 - S) + dSt g';
                            // soft dSt = dS - dV th, dH = dV + dSt g'
                            float dH;
                            if (hard) {
                                const float dSt = dS[idx] + (detach ? 0.0f : dv1 * (vr - hh));
                                dH = dv1 * (1.0f - ss) + dSt * snn_g;
                            } else {
                                const float dSt = dS[idx] - (detach ? 0.0f : dv1 * th);
                                dH = dv1 + dSt * snn_g;
                            }
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
                """.formatted(label, params, indent(snippet, "        "), params, indent(snippet, "            "));
        return new Module(new KernelSource("neuron[" + sourceLabel(sg, code) + "]", src), code);
    }

    private static String indent(String code, String pad) {
        StringBuilder sb = new StringBuilder();
        for (String line : code.split("\n")) {
            sb.append(pad).append(line).append('\n');
        }
        return sb.toString();
    }
}
