/**
 * The CUDA backend: {@link io.github.sparksnn.gpu.CudaBackend} implements the core's
 * {@link io.github.sparksnn.backend.Backend} on one device, every operation a kernel on the backend's own stream,
 * so layers, neurons and {@code CpuGradientEngine} run on it unchanged. {@link io.github.sparksnn.gpu.CudaBackends}
 * probes the driver once per JVM and says exactly why there is no GPU; {@link io.github.sparksnn.gpu.CudaBackendProvider}
 * registers the backend as {@code cuda} with the core's {@code ServiceLoader}; {@code CudaDevice} owns a device's
 * primary context and loaded modules; {@link io.github.sparksnn.gpu.GpuAddresses} maps the GPU address Spark hands a
 * task to a CUDA ordinal. The kernels: {@code kernels.cu} for the fixed operations, and per surrogate the neuron
 * backward and half-precision kernels generated from the surrogate's {@code cudaCode}, its parameters lifted into
 * kernel arguments ({@link io.github.sparksnn.gpu.NeuronKernelSource}, {@link io.github.sparksnn.gpu.HalfKernelSource},
 * {@link io.github.sparksnn.gpu.SurrogateArguments}), and the smooth forward from its primitive's formula text
 * ({@link io.github.sparksnn.gpu.SmoothKernelSource}); each
 * {@link io.github.sparksnn.gpu.KernelSource} is named by a hash of its flags and text, and its PTX (and cubins) ship
 * in the jar ({@link io.github.sparksnn.gpu.PtxStore} finds them, {@link io.github.sparksnn.gpu.PtxBuild} rebuilds
 * them and writes {@code INDEX.tsv} beside them, saying what each file holds; {@link io.github.sparksnn.gpu.Nvcc}
 * compiles the rest at run time). {@link io.github.sparksnn.gpu.GpuInfo} and
 * {@link io.github.sparksnn.gpu.GpuGradCheck} are {@code snn gpu info} and {@code snn gpu check-grad}.
 *
 * <p>A module of its own so that the core needs no JCuda: with this jar absent, {@code backend=auto} is the CPU.
 * Device calls go through {@code DeviceStream} and {@code CuDriver} so that tests without a GPU check the launch
 * geometry, the kernels' arithmetic (on a host emulator) and the context handling. It imports the core's
 * {@code backend} and {@code surrogate} and JCuda, no Spark; only {@code GpuGradCheck} reaches further, to
 * {@code train}'s engine and double-precision reference and {@code layer}'s parameter tensors, for its smooth-network
 * check.
 */
package io.github.sparksnn.gpu;
