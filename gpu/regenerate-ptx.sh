#!/usr/bin/env bash
# Rebuilds the PTX shipped in the jar (gpu/src/main/resources/io/github/sparksnn/gpu/ptx/<hash>.ptx) with nvcc.
# Run after editing gpu/src/main/cuda/kernels.cu, NeuronKernelSource, or a built-in surrogate's cudaCode;
# ShippedPtxTest fails until then. Needs nvcc (CUDA_HOME, /usr/local/cuda/bin or PATH); commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -B -pl gpu -am compile
java -cp gpu/target/classes:spark-snn/target/classes io.github.sparksnn.gpu.PtxBuild \
  gpu/src/main/resources/io/github/sparksnn/gpu/ptx
