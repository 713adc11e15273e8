package io.github.sparksnn.gpu;

import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerCompile;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerCreate;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerDestroy;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetErrorLog;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetErrorLogSize;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetVersion;

import java.nio.charset.StandardCharsets;
import jcuda.nvptxcompiler.nvPTXCompileResult;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;

/**
 * JCuda's nvPTXCompiler (PTX to cubin, in jcuda-natives, no GPU or driver needed): the same assembler the driver
 * runs when it loads PTX, so a PTX it accepts for sm_90 is a PTX the H200 loads.
 */
final class PtxCompiler {
    private PtxCompiler() {
    }

    /** Null when the compiler loads, else why not (tests then skip). */
    static String unavailableReason() {
        try {
            int[] major = new int[1], minor = new int[1];
            int r = nvPTXCompilerGetVersion(major, minor);
            return r == nvPTXCompileResult.NVPTXCOMPILE_SUCCESS ? null : "nvPTXCompilerGetVersion: " + r;
        } catch (Throwable t) {
            return "JCuda's nvPTXCompiler cannot be loaded: " + t;
        }
    }

    /** Compiles and returns the cubin size; throws with the compiler's log when the PTX is rejected. */
    static long compile(String ptx, String gpuName) {
        byte[] code = (ptx + "\0").getBytes(StandardCharsets.US_ASCII);
        nvPTXCompilerHandle h = new nvPTXCompilerHandle();
        check(nvPTXCompilerCreate(h, code.length, code), "create", h);
        try {
            // -O0: the checks need the assembler's validation, not its (slow) optimization
            int r = nvPTXCompilerCompile(h, 2, new String[] {"--gpu-name=" + gpuName, "-O0"});
            if (r != nvPTXCompileResult.NVPTXCOMPILE_SUCCESS) {
                long[] n = new long[1];
                nvPTXCompilerGetErrorLogSize(h, n);
                byte[] log = new byte[(int) n[0] + 1];
                nvPTXCompilerGetErrorLog(h, log);
                throw new AssertionError("nvPTXCompiler rejected the PTX for " + gpuName + " ("
                        + nvPTXCompileResult.stringFor(r) + "):\n" + new String(log, StandardCharsets.US_ASCII).trim());
            }
            long[] size = new long[1];
            check(nvPTXCompilerGetCompiledProgramSize(h, size), "size", h);
            return size[0];
        } finally {
            nvPTXCompilerDestroy(h);
        }
    }

    private static void check(int r, String what, nvPTXCompilerHandle h) {
        if (r != nvPTXCompileResult.NVPTXCOMPILE_SUCCESS) {
            throw new AssertionError("nvPTXCompiler " + what + ": " + nvPTXCompileResult.stringFor(r));
        }
    }
}
