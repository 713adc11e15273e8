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
