package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The PTX {@link FormulaPtx} writes computes, bit for bit, what the formula's CUDA C computes: every snippet of
 * {@link FormulaPtxTest#snippets()} (g' and g of the coverage formulas, the emulator's formulas and the 17 built-ins'
 * twins, defaults and tuned) compiled by g++ as the host emulator compiles it ({@code cuda_host_shim.h},
 * {@code -ffp-contract=off}: float operations without contraction, as {@code nvcc -fmad=false}), against the
 * generated PTX run by {@link PtxInterpreter}, whose math wrapper calls ({@code snn_expf}, ...) are answered by the
 * same g++ program with the very functions the emulator uses for CUDA's. Over every input of
 * {@link FormulaPtxTest#inputs} (zeros of both signs, infinities, NaN, subnormals, extremes, the kinks, random
 * floats and random bit patterns): equal bits, or both NaN (a NaN's payload is the hardware's, not the code's). An
 * operand in the wrong order, a constant mis-encoded, a register mixed up or a comparison with the wrong NaN rule
 * shows here. {@code fminf}/{@code fmaxf} are defined in the program as {@code min.f32}/{@code max.f32}
 * ({@link PtxInterpreter#min}): glibc leaves the sign of a zero result open. Skips, visibly, without g++.
 */
class FormulaPtxHostParityTest {
    private static final Path EMU_DIR = Path.of("src/test/emulator").toAbsolutePath();

    @Test
    void thePtxComputesTheBitsOfTheFormulasCudaCode() throws Exception {
        Assumptions.assumeTrue(HostEmulator.unavailableReason().isEmpty(),
                () -> "SKIPPED (visible): " + HostEmulator.unavailableReason().get());
        List<FormulaPtxTest.Snippet> snippets = FormulaPtxTest.snippets();
        StringBuilder cpp = new StringBuilder("#include \"cuda_host_shim.h\"\n#include <cstdio>\n#include <cstring>\n"
                + "#include <string>\n#include <iostream>\n"
                + "int snn_emu_ulp = 0;\nthread_local uint3 threadIdx, blockIdx;\nuint3 blockDim, gridDim;\n"
                + "std::barrier<>* snn_emu_barrier = nullptr;\n"
                + "static float ref_fminf(float a, float b) { return a != a ? b : b != b ? a : (a < b || (a == b && std::signbit(a))) ? a : b; }\n"
                + "static float ref_fmaxf(float a, float b) { return a != a ? b : b != b ? a : (a > b || (a == b && !std::signbit(a))) ? a : b; }\n"
                + "#define fminf ref_fminf\n#define fmaxf ref_fmaxf\n");
        // each math function an opaque call (noipa: no inlining, no constant propagation into it), so that g++ cannot
        // rewrite a call with a constant argument (powf(t, -1.0f) into 1.0f / t, which glibc's powf need not equal in
        // the last bit; nvcc keeps the library's code there, only constant-folded): the snippets and the wrapper
        // queries then get the very same function, the emulator's
        for (var f : FormulaPtx.MATH_FUNCTIONS.entrySet()) {
            String n = f.getKey();
            boolean two = f.getValue() == 2;
            cpp.append("__attribute__((noipa)) static float ref_").append(n).append(two ? "(float x, float y)" : "(float x)")
                    .append(" { return ").append(n).append(two ? "(x, y)" : "(x)").append("; }\n");
        }
        for (String n : FormulaPtx.MATH_FUNCTIONS.keySet()) {
            cpp.append("#undef ").append(n).append("\n#define ").append(n).append(" ref_").append(n).append("\n");
        }
        for (int i = 0; i < snippets.size(); i++) {
            cpp.append("static float f").append(i).append("(float snn_x) {\n").append(snippets.get(i).code())
                    .append("return snn_g;\n}\n");
        }
        cpp.append("static float bits(const std::string& s) { unsigned u = std::stoul(s, nullptr, 16); float f;"
                + " std::memcpy(&f, &u, 4); return f; }\n"
                + "static void put(float f) { unsigned u; std::memcpy(&u, &f, 4); std::printf(\"%08x\\n\", u); std::fflush(stdout); }\n"
                + "int main() {\n  std::string cmd, a, b;\n  while (std::cin >> cmd) {\n"
                + "    if (cmd == \"y\") { int k; std::cin >> k >> a; float x = bits(a); switch (k) {\n");
        for (int i = 0; i < snippets.size(); i++) {
            cpp.append("      case ").append(i).append(": put(f").append(i).append("(x)); break;\n");
        }
        cpp.append("      default: return 2; } continue; }\n    std::cin >> a; float x = bits(a);\n");
        for (var f : FormulaPtx.MATH_FUNCTIONS.entrySet()) {
            String call = f.getValue() == 1 ? f.getKey() + "(x)" : f.getKey() + "(x, bits(b))";
            cpp.append("    if (cmd == \"").append(f.getKey()).append("\") { ")
                    .append(f.getValue() == 2 ? "std::cin >> b; " : "").append("put(").append(call).append("); continue; }\n");
        }
        cpp.append("    return 3;\n  }\n  return 0;\n}\n");

        Path dir = Files.createDirectories(Path.of("target", "formula-ptx-parity"));
        Path src = dir.resolve("reference.cpp");
        Path exe = dir.resolve("reference");
        Files.writeString(src, cpp);
        Process cc = new ProcessBuilder("g++", "-std=c++20", "-O1", "-ffp-contract=off", "-fno-fast-math", "-w", "-I",
                EMU_DIR.toString(), src.toString(), "-o", exe.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("g++.log").toFile()).start();
        assertTrue(cc.waitFor(300, TimeUnit.SECONDS), "g++ finished");
        assertEquals(0, cc.exitValue(), () -> "g++ failed: " + read(dir.resolve("g++.log")));

        Process ref = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(ref.getOutputStream(), StandardCharsets.US_ASCII));
             BufferedReader in = new BufferedReader(new InputStreamReader(ref.getInputStream(), StandardCharsets.US_ASCII))) {
            Map<String, Float> memo = new HashMap<>();
            PtxInterpreter.MathLibrary host = (fn, a) -> memo.computeIfAbsent(fn + " " + hex(a[0])
                    + (a.length > 1 ? " " + hex(a[1]) : ""), q -> ask(out, in, q));
            List<String> mismatches = new ArrayList<>();
            long compared = 0;
            for (int i = 0; i < snippets.size(); i++) {
                FormulaPtxTest.Snippet s = snippets.get(i);
                FormulaPtx.Func f = s.translate();
                PtxInterpreter ptx = new PtxInterpreter(f.ptx(), f.name());
                for (float x : FormulaPtxTest.inputs(s.surrogate(), 11 + i)) {
                    float want = ask(out, in, "y " + i + " " + hex(x));
                    float got = ptx.run(x, host);
                    compared++;
                    boolean same = Float.isNaN(want) ? Float.isNaN(got)
                            : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
                    if (!same && mismatches.size() < 20) {
                        mismatches.add(s.label() + " at x = " + x + " (" + hex(x) + "): PTX " + got + " (" + hex(got)
                                + "), C " + want + " (" + hex(want) + ")");
                    }
                }
            }
            assertEquals(List.of(), mismatches, "interpreted PTX vs the formula's CUDA C compiled by g++");
            assertTrue(compared > 50_000, compared + " values compared");
        } finally {
            ref.destroy();
        }
    }

    private static float ask(BufferedWriter out, BufferedReader in, String query) {
        try {
            out.write(query);
            out.write('\n');
            out.flush();
            String line = in.readLine();
            if (line == null) {
                fail("the reference program died on: " + query);
            }
            return Float.intBitsToFloat(Integer.parseUnsignedInt(line.trim(), 16));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String hex(float f) {
        return String.format("%08x", Float.floatToRawIntBits(f));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
