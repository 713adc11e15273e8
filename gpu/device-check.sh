#!/usr/bin/env bash
# The GPU check, for a session whose task has a GPU machine (no Maven there, maybe no Java). Needs the carry that
# gpu/prepare-device.sh builds (see gpu/README.md):
#   run(command="bash gpu/device-check.sh", carry=["gpu/target/device"], timeout_s=600)
# Runs, with the carried Java runtime:
#   1. the GPU tests: CudaAvailabilityTest (must report the device), CudaBackendParityTest (every Backend op vs
#      CpuBackend), CudaEngineParityTest (whole-network gradients) -> $OUT/junit/ (XML), $OUT/tests.txt
#   2. the speed table (CPU vs GPU images/s, MLP 784-256-10, T=4, batch 128) -> $OUT/speed.md
# Exit status: that of the tests (0 = all passed), or 3 when CUDA is unavailable (the tests would only skip).
# SNN_DEVICE_DRY_RUN=1 goes on without CUDA (to check the carry on a machine without a GPU: everything skips).
set -uo pipefail
cd "$(dirname "$0")/.."
D=gpu/target/device
OUT=${OUT:-$PWD/gpu/target/device-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/device-check.log") 2>&1

if [ -x "$D/jre/bin/java" ]; then JAVA="$D/jre/bin/java"; else JAVA=java; fi
if ! "$JAVA" -version >/dev/null 2>&1; then
  echo "no usable Java: carry gpu/target/device (built by gpu/prepare-device.sh)"; exit 2
fi
CP=$(ls "$D"/lib/*.jar | tr "\n" ":")
JOPTS=(-Xmx8g -Djava.io.tmpdir="${TMPDIR:-/tmp}")

echo "== machine"; date -u; uname -a
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "nvidia-smi: not available") | tee "$OUT/nvidia-smi.txt"
"$JAVA" -version 2>&1 | head -1

echo "== CUDA probe"
timeout 60 "$JAVA" "${JOPTS[@]}" -cp "$CP" io.github.sparksnn.gpu.CudaBackends
PROBE=$?
if [ $PROBE -ne 0 ] && [ "${SNN_DEVICE_DRY_RUN:-0}" != 1 ]; then
  echo "CUDA unavailable (probe exit $PROBE): the GPU tests would only skip"; exit 3
fi

echo "== GPU tests"
timeout 300 "$JAVA" "${JOPTS[@]}" -jar "$D/junit-console.jar" execute --class-path "$CP" \
  --select-class io.github.sparksnn.gpu.CudaAvailabilityTest \
  --select-class io.github.sparksnn.gpu.CudaBackendParityTest \
  --select-class io.github.sparksnn.gpu.CudaEngineParityTest \
  --details=tree --disable-banner --disable-ansi-colors --reports-dir "$OUT/junit" 2>&1 | tee "$OUT/tests.txt"
TESTS=${PIPESTATUS[0]}

echo "== speed table"
timeout 180 "$JAVA" "${JOPTS[@]}" -cp "$CP" io.github.sparksnn.gpu.GpuSpeedTable "$OUT/speed.md" \
  || echo "speed table failed (exit $?)"

echo "== done: tests exit $TESTS (0 = all passed); results in $OUT"
exit "$TESTS"
