#!/usr/bin/env bash
# Prepares what gpu/device-check.sh needs on a GPU machine that has no Maven, no internet and maybe no Java:
#   gpu/target/device/jre/     a jlink'ed Java 17 runtime (only the modules the tests use)
#   gpu/target/device/lib/     spark-snn + gpu classes and test classes as jars, their runtime dependencies
#                              (jcuda-natives slimmed to the driver binding), the JUnit console launcher
# and checks that the whole carry stays under the 64 MiB a device call can take. Run here (with Maven):
#   gpu/prepare-device.sh
# then, on the device tool:  run(command="bash gpu/device-check.sh", carry=["gpu/target/device-carry"], timeout_s=360)
# (gpu/target/device packed as gpu/target/device-carry/device.tar.gz: unpacked it passes what a call carries)
set -euo pipefail
cd "$(dirname "$0")/.."
D=gpu/target/device
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.3
MAX_MIB=62

rm -rf "$D"
mkdir -p "$D/lib"
# runtime dependencies of the gpu module (JCuda, OpenBLAS via spark-snn); not its test scope: that is Spark
# (~330 MB, for EmulatedCudaSparkTest only) and JUnit (the console launcher bundles its own)
# (one invocation with test-compile, so that the reactor resolves spark-snn to its classes: nothing is installed)
mvn -o -q -B -pl gpu -am test-compile dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$PWD/$D/lib" -DexcludeGroupIds=io.github.sparksnn
mvn -o -q -B dependency:copy -Dartifact=$JUNIT_CONSOLE -DoutputDirectory="$PWD/$D/lib" \
  || mvn -q -B dependency:copy -Dartifact=$JUNIT_CONSOLE -DoutputDirectory="$PWD/$D/lib"
mv "$D"/lib/junit-platform-console-standalone-*.jar "$D/junit-console.jar"

# our own classes as jars (resources included: kernels.cu, the shipped PTX, META-INF/services)
jar --create --file "$D/lib/spark-snn.jar" -C spark-snn/target/classes .
jar --create --file "$D/lib/spark-snn-gpu.jar" -C gpu/target/classes .
# the test classes without what needs Spark or the host emulator: the emulated "cuda" provider (its
# META-INF/services entry would put it before the real one) and the Spark test
TMP=$(mktemp -d)
cp -r gpu/target/test-classes/. "$TMP"
rm -f "$TMP/META-INF/services/io.github.sparksnn.backend.BackendProvider" "$TMP"/io/github/sparksnn/gpu/EmulatedCudaBackendProvider*.class \
      "$TMP"/io/github/sparksnn/gpu/EmulatedCudaSparkTest*.class
jar --create --file "$D/lib/spark-snn-gpu-tests.jar" -C "$TMP" .
rm -rf "$TMP"

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
# what travels: the folder packed (gzip takes the runtime's libjvm.so and modules to about half; the jars are
# compressed already), which device-check.sh unpacks there, and the working tree (tracked and untracked files
# that git does not ignore)
C=gpu/target/device-carry
rm -rf "$C"
mkdir -p "$C"
tar -czf "$C/device.tar.gz" -C gpu/target device
TREE=$(( ($(git ls-files -z --cached --others --exclude-standard | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1) + 1048575) / 1048576 ))
TOTAL=$(( ($(du -cb "$C" | tail -1 | cut -f1) + 1048575) / 1048576 + TREE ))
echo "carry $C ($(du -sh "$C/device.tar.gz" | cut -f1), $(du -sm "$D" | cut -f1) MiB unpacked) + working tree (${TREE} MiB):" \
  "${TOTAL} MiB (limit ${MAX_MIB} MiB of the 64 MiB a device call takes)"
if [ "$TOTAL" -gt "$MAX_MIB" ]; then
  echo "too large to carry" >&2
  exit 1
fi
