// spark-snn CUDA backend: the static kernels (everything except the surrogate-dependent neuron backward, whose
// source is generated per surrogate by NeuronKernelSource).
//
// Compiled with `nvcc -ptx -arch=compute_75 -fmad=false` (see Nvcc.FLAGS): no FMA contraction, so that every
// element-wise kernel performs exactly the float operations of CpuBackend in the same order and produces the same
// bits. The GEMM uses explicit fmaf() (it is compared with a tolerance, like OpenBLAS vs the Java GEMM).
// Every kernel takes its tensors already offset (CUdeviceptr.withByteOffset) and its sizes as ints; element
// indices that can exceed 2^31 are computed in 64 bits. 1-D kernels use grid-stride loops.

#define GRID_STRIDE(i, n) \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (long long) (n); \
         i += (long long) blockDim.x * gridDim.x)

// ---------------------------------------------------------------------------------------------------------------
// counter-based RNG, bit-identical to io.github.sparksnn.backend.CounterRng
// ---------------------------------------------------------------------------------------------------------------
__device__ __forceinline__ unsigned long long snn_rng_bits(unsigned long long seed, unsigned long long counter) {
    unsigned long long z = seed + counter * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// top 24 bits times 2^-24: exact in float, as CounterRng.uniform
__device__ __forceinline__ float snn_rng_uniform(unsigned long long seed, unsigned long long counter) {
    return (float) (unsigned int) (snn_rng_bits(seed, counter) >> 40) * 5.9604644775390625e-8f;
}

// ---------------------------------------------------------------------------------------------------------------
// SGEMM, row-major: C = alpha op(A) op(B) + beta C; 64x64 block tile, 16-deep k tile, 256 threads each computing
// a 4x4 micro tile strided by 16 (coalesced stores, conflict-free shared loads).
// ---------------------------------------------------------------------------------------------------------------
#define GEMM_TM 64
#define GEMM_TN 64
#define GEMM_TK 16

template <bool TA, bool TB>
__device__ __forceinline__ void sgemm_body(int m, int n, int k, float alpha, const float* __restrict__ A, int lda,
                                           const float* __restrict__ B, int ldb, float beta, float* __restrict__ C,
                                           int ldc) {
    __shared__ float As[GEMM_TK][GEMM_TM + 1];
    __shared__ float Bs[GEMM_TK][GEMM_TN + 1];
    const int tid = threadIdx.x;
    const int tx = tid & 15, ty = tid >> 4;
    const int row0 = blockIdx.y * GEMM_TM, col0 = blockIdx.x * GEMM_TN;
    float acc[4][4];
#pragma unroll
    for (int r = 0; r < 4; r++) {
#pragma unroll
        for (int c = 0; c < 4; c++) {
            acc[r][c] = 0.0f;
        }
    }
    for (int p0 = 0; p0 < k; p0 += GEMM_TK) {
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int l = tid + 256 * q;
            int i, p;
            if (TA) { p = l >> 6; i = l & 63; } else { i = l >> 4; p = l & 15; }
            const int gi = row0 + i, gp = p0 + p;
            float v = 0.0f;
            if (gi < m && gp < k) {
                v = TA ? A[(long long) gp * lda + gi] : A[(long long) gi * lda + gp];
            }
            As[p][i] = v;
        }
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int l = tid + 256 * q;
            int j, p;
            if (TB) { j = l >> 4; p = l & 15; } else { p = l >> 6; j = l & 63; }
            const int gj = col0 + j, gp = p0 + p;
            float v = 0.0f;
            if (gj < n && gp < k) {
                v = TB ? B[(long long) gj * ldb + gp] : B[(long long) gp * ldb + gj];
            }
            Bs[p][j] = v;
        }
        __syncthreads();
#pragma unroll
        for (int p = 0; p < GEMM_TK; p++) {
            float a[4], b[4];
#pragma unroll
            for (int r = 0; r < 4; r++) {
                a[r] = As[p][ty + 16 * r];
            }
#pragma unroll
            for (int c = 0; c < 4; c++) {
                b[c] = Bs[p][tx + 16 * c];
            }
#pragma unroll
            for (int r = 0; r < 4; r++) {
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    acc[r][c] = fmaf(a[r], b[c], acc[r][c]);
                }
            }
        }
        __syncthreads();
    }
#pragma unroll
    for (int r = 0; r < 4; r++) {
        const int i = row0 + ty + 16 * r;
        if (i >= m) {
            continue;
        }
#pragma unroll
        for (int c = 0; c < 4; c++) {
            const int j = col0 + tx + 16 * c;
            if (j < n) {
                float* cp = C + (long long) i * ldc + j;
                // beta == 0 must not read C (it may hold NaN garbage), as BLAS
                *cp = beta == 0.0f ? alpha * acc[r][c] : alpha * acc[r][c] + beta * *cp;
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) sgemm_nn(int m, int n, int k, float alpha, const float* A, int lda,
        const float* B, int ldb, float beta, float* C, int ldc) {
    sgemm_body<false, false>(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

extern "C" __global__ void __launch_bounds__(256) sgemm_nt(int m, int n, int k, float alpha, const float* A, int lda,
        const float* B, int ldb, float beta, float* C, int ldc) {
    sgemm_body<false, true>(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

extern "C" __global__ void __launch_bounds__(256) sgemm_tn(int m, int n, int k, float alpha, const float* A, int lda,
        const float* B, int ldb, float beta, float* C, int ldc) {
    sgemm_body<true, false>(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

extern "C" __global__ void __launch_bounds__(256) sgemm_tt(int m, int n, int k, float alpha, const float* A, int lda,
        const float* B, int ldb, float beta, float* C, int ldc) {
    sgemm_body<true, true>(m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

// ---------------------------------------------------------------------------------------------------------------
// biases and sums
// ---------------------------------------------------------------------------------------------------------------

// y[r * cols + c] += bias[c]
extern "C" __global__ void add_row_bias(float* y, int rows, int cols, const float* bias) {
    GRID_STRIDE(i, (long long) rows * cols) {
        y[i] += bias[i % cols];
    }
}

// g[c] += sum_r dy[r * cols + c]: one thread per column, summing rows in order (the CPU's float order)
extern "C" __global__ void column_sums(const float* dy, int rows, int cols, float* g) {
    GRID_STRIDE(c, cols) {
        float s = 0.0f;
        for (int r = 0; r < rows; r++) {
            s += dy[(long long) r * cols + c];
        }
        g[c] += s;
    }
}

// y[b, c, i] += bias[c] over [B, C, HW]
extern "C" __global__ void add_channel_bias(float* y, int batch, int channels, int hw, const float* bias) {
    GRID_STRIDE(i, (long long) batch * channels * hw) {
        y[i] += bias[(i / hw) % channels];
    }
}

// Block-wide double sum (blockDim.x a power of two <= 1024); the result is valid in thread 0.
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

// g[c] += sum_{b,i} dy[b, c, i] in double, one block (256 threads) per channel
extern "C" __global__ void __launch_bounds__(256) channel_sums(const float* dy, int batch, int channels, int hw,
                                                               float* g) {
    __shared__ double sh[256];
    const int c = blockIdx.x;
    const long long cnt = (long long) batch * hw;
    double s = 0.0;
    for (long long q = threadIdx.x; q < cnt; q += blockDim.x) {
        const long long b = q / hw, i = q % hw;
        s += dy[(b * channels + c) * hw + i];
    }
    s = snn_block_sum(s, sh);
    if (threadIdx.x == 0) {
        g[c] = g[c] + (float) s;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// encoders, dropout
// ---------------------------------------------------------------------------------------------------------------

// out[t * N * F + s * F + f] = u(seed, base + (s * T + t) * F + f) < x[s * F + f]
extern "C" __global__ void poisson_encode(const float* x, int samples, int features, int timeSteps,
                                          unsigned long long seed, unsigned long long counterBase, float* out) {
    const long long nf = (long long) samples * features;
    GRID_STRIDE(o, nf * timeSteps) {
        const long long t = o / nf, r = o % nf;
        const long long s = r / features, f = r % features;
        const unsigned long long ctr = counterBase + (unsigned long long) ((s * timeSteps + t) * features + f);
        out[o] = snn_rng_uniform(seed, ctr) < x[r] ? 1.0f : 0.0f;
    }
}

// mask[i] = u(seed, base + i) >= p ? keep : 0 (keep = 1/(1-p) computed on the host, as the CPU)
extern "C" __global__ void dropout_mask(float* mask, long long n, float p, float keep, unsigned long long seed,
                                        unsigned long long counterBase) {
    GRID_STRIDE(i, n) {
        mask[i] = snn_rng_uniform(seed, counterBase + (unsigned long long) i) >= p ? keep : 0.0f;
    }
}

// out[t * n + i] = x[t * n + i] * mask[i]
extern "C" __global__ void multiply_shared(const float* x, const float* mask, int n, int times, float* out) {
    GRID_STRIDE(i, (long long) n * times) {
        out[i] = x[i] * mask[i % n];
    }
}

// ---------------------------------------------------------------------------------------------------------------
// neurons (spiking-mode forward and voltage; the backward is generated per surrogate)
// ---------------------------------------------------------------------------------------------------------------

// Heaviside as CpuBackend.step: 1 - sign bit of (z + 0), so -0 counts as >= 0
__device__ __forceinline__ float snn_step(float z) {
    return 1.0f - (float) (__float_as_uint(z + 0.0f) >> 31);
}

// One thread per neuron looping over T, CpuBackend's operations in its order: the charge as the affine map
// H = cv V + cx X + c0 (cv, cx, c0 computed on the host as the CPU does), Heaviside fire, reset
// (hard: V = H + S (v_r - H); soft: V = H - th S).
template <bool STATIC_X>
__device__ __forceinline__ void neuron_forward_body(int timeSteps, int n, const float* x, float* h, float* s, float* v,
                                                    int hard, float cv, float cx, float c0, float th, float vr) {
    GRID_STRIDE(j, n) {
        float vv = v[j];
        for (int t = 0; t < timeSteps; t++) {
            const long long idx = (long long) t * n + j;
            const float hh = cv * vv + cx * x[STATIC_X ? j : idx] + c0;
            const float ss = snn_step(hh - th);
            h[idx] = hh;
            s[idx] = ss;
            vv = hard ? hh + ss * (vr - hh) : hh - th * ss;
        }
        v[j] = vv;
    }
}

extern "C" __global__ void neuron_forward(int timeSteps, int n, const float* x, float* h, float* s, float* v,
                                          int hard, float cv, float cx, float c0, float th, float vr) {
    neuron_forward_body<false>(timeSteps, n, x, h, s, v, hard, cv, cx, c0, th, vr);
}

// neuron_forward of an input that is the same at every step: x [n] (no [T, n] copy of it), the same bits
extern "C" __global__ void neuron_forward_static(int timeSteps, int n, const float* x, float* h, float* s, float* v,
                                                 int hard, float cv, float cx, float c0, float th, float vr) {
    neuron_forward_body<true>(timeSteps, n, x, h, s, v, hard, cv, cx, c0, th, vr);
}

// out[i] = sum_t x[t * n + i], summed in t order
extern "C" __global__ void sum_over_time(const float* x, int n, int times, float* out) {
    GRID_STRIDE(i, n) {
        float acc = x[i];
        for (int t = 1; t < times; t++) {
            acc += x[(long long) t * n + i];
        }
        out[i] = acc;
    }
}

// V[t] = reset(H[t], S[t])
extern "C" __global__ void neuron_voltage(long long total, const float* h, const float* s, float* v, int hard,
                                          float th, float vr) {
    GRID_STRIDE(i, total) {
        const float hh = h[i], ss = s[i];
        v[i] = hard ? hh * (1.0f - ss) + vr * ss : hh - th * ss;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// convolution helpers: one thread per output element, no atomics (deterministic, the CPU's summation order)
// ---------------------------------------------------------------------------------------------------------------

// col[(ch * kh + ki) * kw + kj][oi * wo + oj] = x[ch][oi*sh - ph + ki][oj*sw - pw + kj] (0 outside)
extern "C" __global__ void im2col(const float* x, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                                  int ho, int wo, float* col) {
    const long long hw = (long long) ho * wo;
    GRID_STRIDE(o, (long long) c * kh * kw * hw) {
        const long long row = o / hw, q = o % hw;
        const int oi = (int) (q / wo), oj = (int) (q % wo);
        const int kj = (int) (row % kw), ki = (int) ((row / kw) % kh), ch = (int) (row / ((long long) kw * kh));
        const int ii = oi * sh - ph + ki, jj = oj * sw - pw + kj;
        col[o] = ii >= 0 && ii < h && jj >= 0 && jj < w ? x[((long long) ch * h + ii) * w + jj] : 0.0f;
    }
}

// dx[ch][ii][jj] += sum over (ki, kj) in order of the column entries that im2col read from it
template <bool SET>
__device__ __forceinline__ void col2im_body(const float* col, int c, int h, int w, int kh, int kw, int sh, int sw,
                                            int ph, int pw, int ho, int wo, float* dx) {
    const long long hw = (long long) ho * wo;
    GRID_STRIDE(o, (long long) c * h * w) {
        const int jj = (int) (o % w), ii = (int) ((o / w) % h), ch = (int) (o / ((long long) w * h));
        float acc = SET ? 0.0f : dx[o];
        for (int ki = 0; ki < kh; ki++) {
            const int ti = ii + ph - ki;
            if (ti < 0 || ti % sh != 0 || ti / sh >= ho) {
                continue;
            }
            const int oi = ti / sh;
            for (int kj = 0; kj < kw; kj++) {
                const int tj = jj + pw - kj;
                if (tj < 0 || tj % sw != 0 || tj / sw >= wo) {
                    continue;
                }
                const int oj = tj / sw;
                const long long row = ((long long) ch * kh + ki) * kw + kj;
                acc += col[row * hw + (long long) oi * wo + oj];
            }
        }
        dx[o] = acc;
    }
}

extern "C" __global__ void col2im(const float* col, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                  int pw, int ho, int wo, float* dx) {
    col2im_body<false>(col, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo, dx);
}

// col2im into an image that starts at zero: dx is written, never read (CpuBackend's col2imSet: the same sums from +0)
extern "C" __global__ void col2im_set(const float* col, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                      int pw, int ho, int wo, float* dx) {
    col2im_body<true>(col, c, h, w, kh, kw, sh, sw, ph, pw, ho, wo, dx);
}

// dst[c * rows + r] += src[r * cols + c] (a convolution's weight gradient, accumulated transposed): one thread per
// element of dst, one addition each, so no order to keep
extern "C" __global__ void add_transposed(const float* src, int rows, int cols, float* dst) {
    GRID_STRIDE(o, (long long) rows * cols) {
        const long long c = o / rows, r = o % rows;
        dst[o] += src[r * cols + c];
    }
}

// ---------------------------------------------------------------------------------------------------------------
// pooling (no padding, floor mode)
// ---------------------------------------------------------------------------------------------------------------

// The maximum of window (oi, oj) (size k, stride s) of a plane of width w, and its in-plane index (the first on ties)
__device__ __forceinline__ float snn_max_window(const float* xp, int w, int oi, int oj, int k, int s, int* arg) {
    int bi = (oi * s) * w + oj * s;
    float best = xp[bi];
    for (int ki = 0; ki < k; ki++) {
        for (int kj = 0; kj < k; kj++) {
            const int idx = (oi * s + ki) * w + oj * s + kj;
            const float v = xp[idx];
            if (v > best) {
                best = v;
                bi = idx;
            }
        }
    }
    *arg = bi;
    return best;
}

extern "C" __global__ void max_pool_forward(const float* x, int planes, int h, int w, int k, int s, int ho, int wo,
                                            float* y, float* argmax) {
    const long long per = (long long) ho * wo;
    GRID_STRIDE(o, planes * per) {
        const long long p = o / per;
        const int q = (int) (o % per);
        int bi;
        y[o] = snn_max_window(x + p * h * w, w, q / wo, q % wo, k, s, &bi);
        argmax[o] = (float) bi;
    }
}

// The largest plane neuron_forward_max_pool keeps in shared memory (its membrane and its spikes: 32 KiB)
#define SNN_POOL_PLANE 4096

// neuron_forward (x [n] at every step with staticX, else [T, n]) whose spikes [T, n], read as planes of ph x pw,
// feed a max pooling (window k, stride st): one block per plane (ph * pw <= SNN_POOL_PLANE and n a multiple of it:
// the host checks), each step's spikes pooled from shared memory as max_pool_forward pools them, the same bits as
// the two kernels; blockDim.x must be 256.
extern "C" __global__ void __launch_bounds__(256) neuron_forward_max_pool(int timeSteps, int n, const float* x,
        int staticX, float* h, float* s, float* v, int hard, float cv, float cx, float c0, float th, float vr, int ph,
        int pw, int k, int st, int ho, int wo, float* y, float* argmax) {
    __shared__ float sv[SNN_POOL_PLANE];
    __shared__ float ss[SNN_POOL_PLANE];
    const int phw = ph * pw, per = ho * wo;
    const long long planes = n / phw;
    for (long long p = blockIdx.x; p < planes; p += gridDim.x) {
        const long long base = p * phw;
        for (int i = threadIdx.x; i < phw; i += blockDim.x) {
            sv[i] = v[base + i];   // each thread owns the membranes it charges: no barrier for sv
        }
        for (int t = 0; t < timeSteps; t++) {
            for (int i = threadIdx.x; i < phw; i += blockDim.x) {
                const long long j = base + i, idx = (long long) t * n + j;
                const float hh = cv * sv[i] + cx * x[staticX ? j : idx] + c0;
                const float sp = snn_step(hh - th);
                h[idx] = hh;
                s[idx] = sp;
                ss[i] = sp;
                sv[i] = hard ? hh + sp * (vr - hh) : hh - th * sp;
            }
            __syncthreads();
            const long long q0 = ((long long) t * planes + p) * per;
            for (int o = threadIdx.x; o < per; o += blockDim.x) {
                int bi;
                y[q0 + o] = snn_max_window(ss, pw, o / wo, o % wo, k, st, &bi);
                argmax[q0 + o] = (float) bi;
            }
            __syncthreads();   // the pooling has read ss before the next step writes it
        }
        for (int i = threadIdx.x; i < phw; i += blockDim.x) {
            v[base + i] = sv[i];
        }
    }
}

// The first output row/column whose window (stride s, size k) covers input coordinate i: ceil((i - k + 1) / s).
__device__ __forceinline__ int snn_first_window(int i, int k, int s) {
    const int t = i - k + 1;
    return t <= 0 ? 0 : (t + s - 1) / s;
}

// dx[p][idx] = sum, in increasing output order, of dy over the windows whose argmax is idx (0 elsewhere)
extern "C" __global__ void max_pool_backward(const float* dy, const float* argmax, int planes, int h, int w, int k,
                                             int s, int ho, int wo, float* dx) {
    const long long per = (long long) h * w;
    GRID_STRIDE(o, planes * per) {
        const long long p = o / per;
        const int idx = (int) (o % per), i = idx / w, j = idx % w;
        const int oi0 = snn_first_window(i, k, s), oi1 = min(i / s, ho - 1);
        const int oj0 = snn_first_window(j, k, s), oj1 = min(j / s, wo - 1);
        float acc = 0.0f;
        for (int oi = oi0; oi <= oi1; oi++) {
            for (int oj = oj0; oj <= oj1; oj++) {
                const long long q = p * ho * wo + (long long) oi * wo + oj;
                if ((int) argmax[q] == idx) {
                    acc += dy[q];
                }
            }
        }
        dx[o] = acc;
    }
}

extern "C" __global__ void avg_pool_forward(const float* x, int planes, int h, int w, int k, int s, int ho, int wo,
                                            float inv, float* y) {
    const long long per = (long long) ho * wo;
    GRID_STRIDE(o, planes * per) {
        const long long p = o / per;
        const int q = (int) (o % per), oi = q / wo, oj = q % wo;
        const float* xp = x + p * h * w;
        float sum = 0.0f;
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                sum += xp[(oi * s + ki) * w + oj * s + kj];
            }
        }
        y[o] = sum * inv;
    }
}

extern "C" __global__ void avg_pool_backward(const float* dy, int planes, int h, int w, int k, int s, int ho, int wo,
                                             float inv, float* dx) {
    const long long per = (long long) h * w;
    GRID_STRIDE(o, planes * per) {
        const long long p = o / per;
        const int idx = (int) (o % per), i = idx / w, j = idx % w;
        const int oi0 = snn_first_window(i, k, s), oi1 = min(i / s, ho - 1);
        const int oj0 = snn_first_window(j, k, s), oj1 = min(j / s, wo - 1);
        float acc = 0.0f;
        for (int oi = oi0; oi <= oi1; oi++) {
            for (int oj = oj0; oj <= oj1; oj++) {
                acc += dy[p * ho * wo + (long long) oi * wo + oj] * inv;
            }
        }
        dx[o] = acc;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// batch normalization over [B, C, HW], one block (256 threads) per channel, with CpuBackend's summation structure:
// a float partial per (sample, channel) plane, summed in order by one thread, then the partials summed in sample
// order in double by thread 0 (through the scratch part[2 * C * B]), so statistics and gradients are bit-identical.
// ---------------------------------------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256) batch_norm_forward(const float* x, int batch, int channels, int hw,
        const float* params, float eps, int training, float momentum, float* runningMean, float* runningVar,
        float* mean, float* invStd, float* y, double* part) {
    __shared__ float stats[2];
    __shared__ double meanD;
    const int c = blockIdx.x;
    const long long cnt = (long long) batch * hw;
    double* pc = part + 2LL * c * batch;
    if (training) {
        for (int n = threadIdx.x; n < batch; n += blockDim.x) {
            const float* pl = x + ((long long) n * channels + c) * hw;
            float acc = 0.0f;
            for (int i = 0; i < hw; i++) {
                acc += pl[i];
            }
            pc[n] = acc;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            double sum = 0.0;
            for (int n = 0; n < batch; n++) {
                sum += pc[n];
            }
            meanD = sum / (double) cnt;
            stats[0] = (float) meanD;
        }
        __syncthreads();
        const float mf = stats[0];
        for (int n = threadIdx.x; n < batch; n += blockDim.x) {
            const float* pl = x + ((long long) n * channels + c) * hw;
            float acc = 0.0f;
            for (int i = 0; i < hw; i++) {
                const float d = pl[i] - mf;
                acc += d * d;
            }
            pc[batch + n] = acc;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            double ss = 0.0;
            for (int n = 0; n < batch; n++) {
                ss += pc[batch + n];
            }
            const double var = ss / (double) cnt;
            stats[1] = (float) (1.0 / sqrt(var + (double) eps));
            const double unbiased = cnt > 1 ? ss / (double) (cnt - 1) : var;
            // as Java evaluates it: (1 - momentum) * running is a float product, momentum * m a double one
            const float rmA = (1.0f - momentum) * runningMean[c];
            const float rvA = (1.0f - momentum) * runningVar[c];
            runningMean[c] = (float) ((double) rmA + (double) momentum * meanD);
            runningVar[c] = (float) ((double) rvA + (double) momentum * unbiased);
        }
    } else if (threadIdx.x == 0) {
        stats[0] = runningMean[c];
        stats[1] = (float) (1.0 / sqrt((double) runningVar[c] + (double) eps));
    }
    __syncthreads();
    const float mu = stats[0], is = stats[1];
    if (threadIdx.x == 0) {
        mean[c] = mu;
        invStd[c] = is;
    }
    const float a = params[c] * is, bb = params[channels + c] - mu * a;
    for (long long q = threadIdx.x; q < cnt; q += blockDim.x) {
        const long long i = ((q / hw) * channels + c) * hw + q % hw;
        y[i] = x[i] * a + bb;
    }
}

extern "C" __global__ void __launch_bounds__(256) batch_norm_backward(const float* dy, const float* x, int batch,
        int channels, int hw, const float* params, const float* mean, const float* invStd, float* dx, float* grads,
        double* part) {
    __shared__ double sums[2];
    const int c = blockIdx.x;
    const long long cnt = (long long) batch * hw;
    const float mu = mean[c], is = invStd[c], gamma = params[c];
    double* pc = part + 2LL * c * batch;
    for (int n = threadIdx.x; n < batch; n += blockDim.x) {
        const long long base = ((long long) n * channels + c) * hw;
        float a = 0.0f, bsum = 0.0f;
        for (int i = 0; i < hw; i++) {
            a += dy[base + i];
            bsum += dy[base + i] * (x[base + i] - mu);
        }
        pc[n] = a;
        pc[batch + n] = bsum;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        double sdy = 0.0, sdyx = 0.0;
        for (int n = 0; n < batch; n++) {
            sdy += pc[n];
            sdyx += pc[batch + n];
        }
        sdyx *= (double) is;
        grads[c] = grads[c] + (float) sdyx;
        grads[channels + c] = grads[channels + c] + (float) sdy;
        sums[0] = sdy;
        sums[1] = sdyx;
    }
    __syncthreads();
    const float a = gamma * is;
    const float mdy = (float) (sums[0] / (double) cnt), mdyx = (float) (sums[1] / (double) cnt);
    for (long long q = threadIdx.x; q < cnt; q += blockDim.x) {
        const long long i = ((q / hw) * channels + c) * hw + q % hw;
        const float xh = (x[i] - mu) * is;
        dx[i] = a * (dy[i] - mdy - xh * mdyx);
    }
}
