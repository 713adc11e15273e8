/**
 * The compute interface and the CPU backend: {@link io.github.sparksnn.backend.Backend} (GEMM, fused multi-step
 * neuron forward and BPTT, im2col/col2im, pooling, batch norm, encoders; every tensor with an element offset) over
 * {@link io.github.sparksnn.backend.Tensor}s, and {@link io.github.sparksnn.backend.CpuBackend}, the reference
 * implementation: off-heap tensors, GEMM through native OpenBLAS (JavaCPP, no JNI array copies) or the pure-Java
 * fallback, and single-pass Java loops for the rest, some of them on the Vector API ({@code VectorNeuron},
 * {@code VectorPool}, {@code VectorArrays}, same bits as the scalar loops) and the convolution's column loops in
 * {@code ConvColumns}. {@code CpuBackend} itself is the interface's face (tensors, and dispatch); each operation
 * family is a package-private class of its own, all sharing one {@code CpuScratch} of staging arrays:
 * {@code CpuMatrixOps} (GEMM, row bias, column sums, sums over time), {@code CpuNeuronForward} and
 * {@code CpuNeuronBackward} (the fused multi-step neuron kernels, with their pooling and static-input fusions),
 * {@code CpuConvolutionOps} (channel bias, im2col/col2im), {@code CpuPoolingOps}, {@code CpuNormalizationOps}
 * (batch norm) and {@code CpuEncodingOps} (Poisson encoder, dropout). {@link io.github.sparksnn.backend.Backends} finds a backend by name: {@code cpu} and
 * {@code cpu-portable} are built in, others come through the {@link io.github.sparksnn.backend.BackendProvider}
 * service (the {@code gpu} module's {@code cuda}). {@link io.github.sparksnn.backend.NeuronOp} holds one neuron
 * kernel's constants, {@link io.github.sparksnn.backend.MultiStateNeuronOp} those of the multi-state neuron
 * (synaptic current, adaptive threshold, a state carried between single-step calls), whose scalar kernel
 * {@code MultiStateNeuronKernel} the CPU backend runs in place and the interface's default runs on host copies for
 * any other backend, {@link io.github.sparksnn.backend.CounterRng} the counter-based draws that CPU and GPU
 * compute alike.
 *
 * <p>Separate so that layers and neurons are written once, against the interface, and a second backend (CUDA) is a
 * second implementation of it rather than a second network. A backend instance is not thread-safe: one per engine.
 * It imports only {@code surrogate} from this project (the fused neuron kernels call a surrogate's bulk loops),
 * JavaCPP/OpenBLAS and the incubating Vector API; nothing of layers, models or Spark.
 */
package io.github.sparksnn.backend;
