#!/usr/bin/env bash
# The GPU check in one device call (no Maven, no network, maybe no Java there). Needs the carry that
# gpu/prepare-device.sh builds here (see gpu/README.md):
#   run(command="bash gpu/device-check.sh", carry=["gpu/target/device-carry"], timeout_s=360)
# (the carry is gpu/target/device packed; this script unpacks it first when the folder is not there)
# Inner time limits add up to 300 s (15 + 35 + 120 + 130), so the call ends inside 360 s. Everything is written to
# $OUT as it comes (the log, the JUnit tree, each report section), so a call cut short still returns what ran:
#   0. environment, before anything else: glibc, ldd of the carried runtime, where libcuda.so.1 resolves (and
#      /usr/local/nvidia/lib64 added to the loader path when the driver lives there), nvidia-smi, which java
#   1. GpuInfo: driver, devices (UUID, PCI id), which kernel modules load and how    -> $OUT/gpu-info.txt
#   2. JUnit (60 s default timeout per test): the cross-thread context test first, CudaAvailabilityTest,
#      CudaBackendParityTest, CudaEngineParityTest, FormulaPtxGpuTest (a Formula's Java-written PTX loads through
#      the driver's JIT and matches the CPU), and the CPU-only checks                 -> $OUT/tests.txt, $OUT/junit/
#   3. DeviceReport, one table: check-grad for every surrogate x IF/LIF/PLIF, float and half; CPU-vs-GPU parity
#      of the MLP and the CNN, forward and backward; neuron kernels' GB/s against a device copy; each fused op
#      against the composition it replaces; SGEMM TFLOP/s on the training shapes and at 4096 against the FP32
#      peak; training images/s, MLP and CNN, against one CPU thread; the Spark row (not measurable from this
#      carry, said so); a cell below its aim reads **FAIL**                                -> $OUT/report.md
#   4. the verdict (gpu/device-verdict.sh): JUnit, the report's exit, and every FAIL cell or failed section of it
# Exit status: 0 when the JUnit run passed and no report cell FAILs; the JUnit run's status when it failed; 4 when
# only the report failed (a FAIL cell, a section that threw, or DeviceReport's own non-zero exit); 3 when CUDA is
# unavailable (after steps 0 and 1).
# SNN_DEVICE_DRY_RUN=1 goes on without CUDA (checks the carry on a machine without a GPU: GPU parts skip).
set -uo pipefail
cd "$(dirname "$0")/.."
D=gpu/target/device
OUT=${OUT:-$PWD/gpu/target/device-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/device-check.log") 2>&1
START=$SECONDS
stamp() { echo "== [$((SECONDS - START)) s] $*"; }

if [ ! -x "$D/jre/bin/java" ] && [ -f gpu/target/device-carry/device.tar.gz ]; then
  stamp "unpacking gpu/target/device-carry/device.tar.gz"
  tar -xzf gpu/target/device-carry/device.tar.gz -C gpu/target || { echo "cannot unpack the carry"; exit 2; }
fi

stamp "environment"
date -u; uname -a
echo "glibc: $(getconf GNU_LIBC_VERSION 2>&1)"
echo "-- ldd $D/jre/bin/java"; ldd "$D/jre/bin/java" 2>&1
echo "-- ldd $D/jre/lib/server/libjvm.so"; ldd "$D/jre/lib/server/libjvm.so" 2>&1
echo "-- libcuda.so.1"
(ldconfig -p 2>/dev/null | grep -E 'libcuda\.so') || echo "(libcuda not in the ldconfig cache)"
for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/cuda/compat; do
  [ -e "$dir/libcuda.so.1" ] && echo "$dir/libcuda.so.1 -> $(readlink -f "$dir/libcuda.so.1")"
done
if [ -e /usr/local/nvidia/lib64/libcuda.so.1 ]; then
  export LD_LIBRARY_PATH="/usr/local/nvidia/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-(unset)}"
(timeout 15 nvidia-smi --query-gpu=index,name,uuid,pci.bus_id,driver_version,memory.total,compute_cap --format=csv 2>&1 \
  || echo "nvidia-smi: not available") | tee "$OUT/nvidia-smi.txt"

stamp "java"
java_ok() { [ -n "$1" ] && [ -x "$1" ] && "$1" -version >/dev/null 2>&1; }
JAVA=""
if java_ok "$D/jre/bin/java"; then
  JAVA="$D/jre/bin/java"
else
  echo "the carried runtime does not start:"; "$D/jre/bin/java" -version 2>&1 | head -5
  for j in "${JAVA_HOME:-}/bin/java" "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    if java_ok "$j" && "$j" -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then JAVA="$j"; break; fi
  done
fi
if [ -z "$JAVA" ]; then
  echo "no usable Java 17+: carry gpu/target/device (built by gpu/prepare-device.sh)"; exit 2
fi
echo "java: $JAVA"; "$JAVA" -version 2>&1 | head -2
CP=$(ls "$D"/lib/*.jar | tr "\n" ":")
JOPTS=(-Xmx16g -Djava.io.tmpdir="${TMPDIR:-/tmp}")

stamp "gpu info"
timeout 35 "$JAVA" "${JOPTS[@]}" -cp "$CP" io.github.sparksnn.gpu.GpuInfo 2>&1 | tee "$OUT/gpu-info.txt"
INFO=${PIPESTATUS[0]}
if [ "$INFO" -ne 0 ] && ! grep -q "^CUDA: available" "$OUT/gpu-info.txt" && [ "${SNN_DEVICE_DRY_RUN:-0}" != 1 ]; then
  stamp "CUDA unavailable (gpu info exit $INFO): the GPU tests would only skip"; exit 3
fi

stamp "JUnit"
timeout 120 "$JAVA" "${JOPTS[@]}" -jar "$D/junit-console.jar" execute --class-path "$CP" \
  --config=junit.jupiter.execution.timeout.default="60 s" \
  --config=junit.jupiter.testclass.order.default='org.junit.jupiter.api.ClassOrderer$OrderAnnotation' \
  --select-class io.github.sparksnn.gpu.CudaContextThreadsGpuTest \
  --select-class io.github.sparksnn.gpu.CudaAvailabilityTest \
  --select-class io.github.sparksnn.gpu.CudaBackendParityTest \
  --select-class io.github.sparksnn.gpu.CudaEngineParityTest \
  --select-class io.github.sparksnn.gpu.FormulaPtxGpuTest \
  --select-class io.github.sparksnn.gpu.CudaContextThreadingTest \
  --select-class io.github.sparksnn.gpu.GpuAddressesTest \
  --select-class io.github.sparksnn.gpu.KernelSignatureTest \
  --details=tree --disable-banner --disable-ansi-colors --reports-dir "$OUT/junit" 2>&1 | tee "$OUT/tests.txt"
TESTS=${PIPESTATUS[0]}

stamp "device report"
timeout 130 "$JAVA" "${JOPTS[@]}" -cp "$CP" io.github.sparksnn.gpu.DeviceReport "$OUT/report.md" 105
REPORT=$?
if [ "$REPORT" -ne 0 ]; then
  echo "device report ended with exit $REPORT (the sections written so far are in $OUT/report.md)"
fi

stamp "verdict"
bash gpu/device-verdict.sh "$TESTS" "$REPORT" "$OUT/report.md"
VERDICT=$?
stamp "done: exit $VERDICT (0 = JUnit passed and no report cell FAILs); results in $OUT"
exit "$VERDICT"
