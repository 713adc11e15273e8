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
 * <p>The source depends only on the surrogate's name and parameters (not its spiking mode): the backward is the
 * same in both modes. Kernels: {@code neuron_backward}, {@code surrogate_gradient}.
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
        String snippet = sg.cudaCode(X, G, CudaDtype.FLOAT);
        String label = label(sg).replace("*/", "* /");
        // snn_block_sum repeats kernels.cu's on purpose: this is its own compilation unit, and its text is hashed
        // into the shipped PTX and cubin names (PtxBuild), so sharing it would mean rebuilding them with nvcc.
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
                extern "C" __global__ void surrogate_gradient(long long n, const float* x, float* y) {
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
                        float dHdV, float dHdX) {
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
                """.formatted(label, indent(snippet, "        "), indent(snippet, "            "));
        return new KernelSource("neuron[" + label(sg) + "]", src);
    }

    private static String indent(String code, String pad) {
        StringBuilder sb = new StringBuilder();
        for (String line : code.split("\n")) {
            sb.append(pad).append(line).append('\n');
        }
        return sb.toString();
    }
}
