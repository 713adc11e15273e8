#!/usr/bin/env bash
# Prepares what gpu/device-check.sh needs on a GPU machine that has no Maven, no internet and maybe no Java:
#   gpu/target/device/jre/     a jlink'ed Java 17 runtime (only the modules the tests use)
#   gpu/target/device/lib/     spark-snn + gpu classes and test classes as jars, their runtime dependencies
#                              (jcuda-natives slimmed to the driver binding), the JUnit console launcher
# and checks that the whole carry stays under the 64 MiB a device call can take. Run here (with Maven):
#   gpu/prepare-device.sh
# then, on the device tool:  run(command="bash gpu/device-check.sh", carry=["gpu/target/device"])
set -euo pipefail
cd "$(dirname "$0")/.."
D=gpu/target/device
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.3
MAX_MIB=60

rm -rf "$D"
mkdir -p "$D/lib"
mvn -o -q -B -pl gpu -am test-compile
# runtime + test dependencies of the gpu module, minus JUnit (the console launcher bundles its own)
mvn -o -q -B -pl gpu dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$D/lib" \
  -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian,io.github.sparksnn
mvn -o -q -B dependency:copy -Dartifact=$JUNIT_CONSOLE -DoutputDirectory="$PWD/$D/lib" \
  || mvn -q -B dependency:copy -Dartifact=$JUNIT_CONSOLE -DoutputDirectory="$PWD/$D/lib"
mv "$D"/lib/junit-platform-console-standalone-*.jar "$D/junit-console.jar"

# our own classes as jars (resources included: kernels.cu, the shipped PTX, META-INF/services)
jar --create --file "$D/lib/spark-snn.jar" -C spark-snn/target/classes .
jar --create --file "$D/lib/spark-snn-gpu.jar" -C gpu/target/classes .
jar --create --file "$D/lib/spark-snn-gpu-tests.jar" -C gpu/target/test-classes .

# jcuda-natives: keep only the driver-API binding (the GPU run needs neither nvPTXCompiler nor NVRTC/runtime)
NAT=$(ls "$D"/lib/jcuda-natives-*-linux-x86_64.jar)
TMP=$(mktemp -d)
(cd "$TMP" && jar --extract --file "$OLDPWD/$NAT" && rm -f lib/libJNvPTXCompiler-* lib/libJNvrtc-* lib/libJCudaRuntime-*)
rm "$NAT"
jar --create --file "$NAT" -C "$TMP" .
rm -rf "$TMP"

# openblas natives: keep what CpuBackend loads (org.bytedeco.openblas.global.openblas_nolapack: its JNI library,
# libopenblas.so.0, libgfortran); drop the LAPACK-enabled JNI libraries and the C headers (~45 MB unpacked)
OB=$(ls "$D"/lib/openblas-*-linux-x86_64.jar)
TMP=$(mktemp -d)
(cd "$TMP" && jar --extract --file "$OLDPWD/$OB" \
  && rm -rf org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so org/bytedeco/openblas/linux-x86_64/libjniopenblas.so \
            org/bytedeco/openblas/linux-x86_64/include)
rm "$OB"
jar --create --file "$OB" -C "$TMP" .
rm -rf "$TMP"

# a minimal Java runtime: the modules jdeps finds in these jars (plus java.xml for JUnit's XML reports)
MODS=$(jdeps --ignore-missing-deps --multi-release 17 --print-module-deps "$D"/lib/*.jar "$D/junit-console.jar" 2>/dev/null \
  || echo java.base,java.logging,java.management,jdk.unsupported)
MODS="$MODS,java.xml,jdk.unsupported"
jlink --add-modules "$MODS" --strip-debug --no-header-files --no-man-pages --compress=2 --output "$D/jre"

echo "modules: $MODS"
du -sh "$D"/jre "$D"/lib "$D"/junit-console.jar
ls -la "$D/lib"
TOTAL=$(du -sm "$D" | cut -f1)
echo "carry gpu/target/device: ${TOTAL} MiB (limit ${MAX_MIB} MiB of the 64 MiB a device call takes)"
if [ "$TOTAL" -gt "$MAX_MIB" ]; then
  echo "too large to carry" >&2
  exit 1
fi
