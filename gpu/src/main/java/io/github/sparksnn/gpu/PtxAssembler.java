package io.github.sparksnn.gpu;

import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerCompile;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerCreate;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerDestroy;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetCompiledProgram;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetErrorLog;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetErrorLogSize;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetVersion;

import java.nio.charset.StandardCharsets;
import java.util.List;
import jcuda.nvptxcompiler.nvPTXCompileResult;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;

/**
 * PTX to cubin with JCuda's nvPTXCompiler (the CUDA 12.6 assembler inside {@code jcuda-natives}; no GPU, driver or
 * toolkit needed). The shipped cubins ({@code <hash>.sm_80.cubin}, {@code <hash>.sm_90.cubin} beside the PTX) are
 * built with it from the shipped PTX: a CUDA 12.6 cubin loads on every CUDA 12+ driver of its architecture
 * without JIT, so a driver older than the PTX's ISA still runs, and the first launch pays no JIT time.
 */
public final class PtxAssembler {
    /** The architectures whose cubins ship in the jar (A100-class and H100/H200-class GPUs). */
    public static final List<String> SHIPPED_ARCHS = List.of("sm_80", "sm_90");

    /** Options of the shipped cubins (part of what {@code ShippedCubinTest} rebuilds byte for byte). */
    static final String[] OPTIONS = {"-O3"};

    private PtxAssembler() {
    }

    /** Null when the assembler loads, else why not. */
    public static String unavailableReason() {
        try {
            int[] major = new int[1], minor = new int[1];
            int r = nvPTXCompilerGetVersion(major, minor);
            return r == nvPTXCompileResult.NVPTXCOMPILE_SUCCESS ? null : "nvPTXCompilerGetVersion: " + r;
        } catch (Throwable t) {
            return "JCuda's nvPTXCompiler cannot be loaded: " + t;
        }
    }

    /** The cubin of {@code ptx} for {@code arch} (e.g. {@code sm_90}); the assembler's log when it refuses. */
    public static byte[] assemble(String ptx, String arch) {
        byte[] code = (ptx + "\0").getBytes(StandardCharsets.US_ASCII);
        nvPTXCompilerHandle h = new nvPTXCompilerHandle();
        check(nvPTXCompilerCreate(h, code.length, code), "create");
        try {
            String[] opts = new String[OPTIONS.length + 1];
            opts[0] = "--gpu-name=" + arch;
            System.arraycopy(OPTIONS, 0, opts, 1, OPTIONS.length);
            int r = nvPTXCompilerCompile(h, opts.length, opts);
            if (r != nvPTXCompileResult.NVPTXCOMPILE_SUCCESS) {
                long[] n = new long[1];
                nvPTXCompilerGetErrorLogSize(h, n);
                byte[] log = new byte[(int) n[0] + 1];
                nvPTXCompilerGetErrorLog(h, log);
                throw new IllegalStateException("nvPTXCompiler rejected the PTX for " + arch + " ("
                        + nvPTXCompileResult.stringFor(r) + "): " + new String(log, StandardCharsets.US_ASCII).trim());
            }
            long[] size = new long[1];
            check(nvPTXCompilerGetCompiledProgramSize(h, size), "size");
            byte[] out = new byte[(int) size[0]];
            check(nvPTXCompilerGetCompiledProgram(h, out), "program");
            return out;
        } finally {
            nvPTXCompilerDestroy(h);
        }
    }

    private static void check(int r, String what) {
        if (r != nvPTXCompileResult.NVPTXCOMPILE_SUCCESS) {
            throw new IllegalStateException("nvPTXCompiler " + what + ": " + nvPTXCompileResult.stringFor(r));
        }
    }
}
