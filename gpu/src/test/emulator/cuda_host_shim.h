// Host emulation of the CUDA C subset the spark-snn kernels use, for running the real kernel sources on the CPU
// in tests (HostEmulator). A launch runs blockDim.x std::threads; each walks the grid's blocks in order, and
// __syncthreads() is a std::barrier over those threads, so shared memory (function-static here) is shared by the
// threads of the block being run. Float math is IEEE single precision without contraction (-ffp-contract=off),
// as nvcc -fmad=false; fmaf is the fused C library function.
#pragma once
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

struct uint3 {
    unsigned int x, y, z;
};
using dim3 = uint3;

extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern uint3 blockDim;
extern uint3 gridDim;
extern std::barrier<>* snn_emu_barrier;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define __shared__ static

inline void __syncthreads() {
    if (snn_emu_barrier == nullptr) {
        throw std::logic_error("__syncthreads() in a kernel launched sequentially (mode S): launch it threaded (T)");
    }
    snn_emu_barrier->arrive_and_wait();
}

inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, sizeof f);
    return f;
}

inline unsigned int __float_as_uint(float f) {
    unsigned int u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

using std::max;
using std::min;

// CUDA's single-precision transcendentals are not the host library's: expf, cosf, atanf are within 2 ulp of the
// true result, powf within 4 (CUDA C Programming Guide, "Mathematical Functions"). With SNN_EMU_ULP=u in the
// environment, every such call returns the host result moved by a pseudo-random k in [-u, u] ulp (a hash of the
// arguments, so reruns agree): the parity tolerances must hold for any device's library, not only for glibc's.
extern int snn_emu_ulp;

inline float snn_emu_perturb(float r, unsigned int seed) {
    if (snn_emu_ulp == 0 || !std::isfinite(r)) {
        return r;
    }
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    int k = static_cast<int>(z % static_cast<std::uint64_t>(2 * snn_emu_ulp + 1)) - snn_emu_ulp;
    for (; k > 0; k--) {
        r = std::nextafter(r, INFINITY);
    }
    for (; k < 0; k++) {
        r = std::nextafter(r, -INFINITY);
    }
    return r;
}

inline unsigned int snn_emu_bits(float f) {
    unsigned int u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

inline float snn_emu_expf(float x) { return snn_emu_perturb(std::exp(x), snn_emu_bits(x) * 3u + 1u); }
inline float snn_emu_cosf(float x) { return snn_emu_perturb(std::cos(x), snn_emu_bits(x) * 5u + 2u); }
inline float snn_emu_atanf(float x) { return snn_emu_perturb(std::atan(x), snn_emu_bits(x) * 7u + 3u); }
inline float snn_emu_logf(float x) { return snn_emu_perturb(std::log(x), snn_emu_bits(x) * 11u + 4u); }
inline float snn_emu_tanhf(float x) { return snn_emu_perturb(std::tanh(x), snn_emu_bits(x) * 13u + 5u); }
inline float snn_emu_erff(float x) { return snn_emu_perturb(std::erf(x), snn_emu_bits(x) * 17u + 6u); }
inline float snn_emu_powf(float x, float y) {
    return snn_emu_perturb(std::pow(x, y), snn_emu_bits(x) * 19u + snn_emu_bits(y) * 23u + 7u);
}
#define expf(x) snn_emu_expf(x)
#define cosf(x) snn_emu_cosf(x)
#define atanf(x) snn_emu_atanf(x)
#define logf(x) snn_emu_logf(x)
#define tanhf(x) snn_emu_tanhf(x)
#define erff(x) snn_emu_erff(x)
#define powf(x, y) snn_emu_powf(x, y)
