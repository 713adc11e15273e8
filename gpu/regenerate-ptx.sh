#!/usr/bin/env bash
# Rebuilds what ships in gpu/src/main/resources/io/github/sparksnn/gpu/ptx: <hash>.ptx with nvcc, then
# <hash>.sm_80.cubin and <hash>.sm_90.cubin from that PTX with JCuda's nvPTXCompiler, and INDEX.tsv (one row per file:
# unit, kernels, surrogate and parameters, dtype, nvcc flags, arch).
# Run after editing gpu/src/main/cuda/kernels.cu, NeuronKernelSource, or a built-in surrogate's cudaCode;
# ShippedPtxTest / ShippedCubinTest / ShippedIndexTest fail until then. Needs nvcc (CUDA_HOME, /usr/local/cuda/bin or
# PATH), except with --cubins (cubins and index only, from the PTX already there) or --index (INDEX.tsv alone, computed
# from the kernel sources: no CUDA toolkit, no nvPTXCompiler). Commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -B -pl gpu -am compile
CP="gpu/target/classes:spark-snn/target/classes"
# Janino: built-in surrogates' formula twins (the smooth kernels' primitives) compile through it
for j in ~/.m2/repository/org/jcuda/jcuda/12.6.0/jcuda-12.6.0.jar ~/.m2/repository/org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar \
    ~/.m2/repository/org/codehaus/janino/janino/3.1.9/janino-3.1.9.jar \
    ~/.m2/repository/org/codehaus/janino/commons-compiler/3.1.9/commons-compiler-3.1.9.jar; do
  CP="$CP:$j"
done
java -cp "$CP" io.github.sparksnn.gpu.PtxBuild "$@" gpu/src/main/resources/io/github/sparksnn/gpu/ptx
