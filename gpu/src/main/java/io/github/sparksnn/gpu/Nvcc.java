package io.github.sparksnn.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Compiles CUDA C to PTX with the CUDA toolkit's {@code nvcc} (there is no NVRTC: JCuda 12.6's NVRTC binding needs
 * CUDA 12's libnvrtc.so.12, absent on CUDA 13 machines). nvcc is looked up in {@code $SNN_NVCC} ({@code none}: act
 * as a machine without a toolkit, as most GPU executors are),
 * {@code $CUDA_HOME/bin}, {@code $CUDA_PATH/bin}, {@code /usr/local/cuda/bin}, then {@code PATH}.
 *
 * <p>Flags: {@code -arch=compute_75} (the lowest target of CUDA 13; the driver JIT-compiles the PTX for newer
 * GPUs such as sm_90) and {@code -fmad=false} (no multiply-add contraction, so element-wise kernels reproduce the
 * CPU backend's float results bit for bit; the GEMM uses explicit {@code fmaf}).
 */
public final class Nvcc {
    /** The flags every kernel is compiled with (part of {@link KernelSource#hash()}). */
    public static final List<String> FLAGS = List.of("-ptx", "-arch=compute_75", "-fmad=false");
    /**
     * {@link #FLAGS} with relocatable device code: the parts {@link FormulaPtx} splices together (kernels that call an
     * {@code .extern .func}, and the math library's functions as {@code .func}s) are compiled with these.
     */
    public static final List<String> RDC_FLAGS = List.of("-ptx", "-rdc=true", "-arch=compute_75", "-fmad=false");

    private static final long TIMEOUT_SECONDS = 300;

    private final Path executable;
    private final long timeoutSeconds;

    private Nvcc(Path executable) {
        this(executable, TIMEOUT_SECONDS);
    }

    /** An nvcc at a given path with a given timeout (tests: a fake compiler that hangs). */
    Nvcc(Path executable, long timeoutSeconds) {
        this.executable = executable;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The value of {@code $SNN_NVCC} that hides every nvcc: the driver-only machine, on demand. */
    public static final String NONE = "none";

    /** The nvcc found on this machine, if any; none when {@code $SNN_NVCC} is {@value #NONE}. */
    public static Optional<Nvcc> find() {
        return find(System.getenv("SNN_NVCC"));
    }

    /** {@link #find()} as if {@code $SNN_NVCC} were {@code snnNvcc} ({@code null}: unset). */
    static Optional<Nvcc> find(String snnNvcc) {
        if (NONE.equals(snnNvcc)) {
            return Optional.empty();
        }
        List<Path> candidates = new ArrayList<>();
        if (snnNvcc != null && !snnNvcc.isBlank()) {
            candidates.add(Path.of(snnNvcc));
        }
        addEnv(candidates, "CUDA_HOME", "bin/nvcc");
        addEnv(candidates, "CUDA_PATH", "bin/nvcc");
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(new Nvcc(p));
            }
        }
        return Optional.empty();
    }

    private static void addEnv(List<Path> out, String var, String suffix) {
        String v = System.getenv(var);
        if (v != null && !v.isBlank()) {
            out.add(suffix.isEmpty() ? Path.of(v) : Path.of(v, suffix));
        }
    }

    public Path executable() {
        return executable;
    }

    /** Compiles {@code src} to PTX text; a compile error becomes an exception carrying nvcc's log. */
    public String compile(KernelSource src) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("snn-nvcc-");
            Path in = dir.resolve("kernel.cu");
            Path out = dir.resolve("kernel.ptx");
            Path log = dir.resolve("nvcc.log");
            Files.writeString(in, src.source(), StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>();
            cmd.add(executable.toString());
            cmd.addAll(src.flags());
            cmd.add("-o");
            cmd.add(out.toString());
            cmd.add(in.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                killTree(p);
                throw new IllegalStateException("nvcc did not finish within " + timeoutSeconds + " s compiling "
                        + src.name() + "; it and its child processes were killed");
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(out)) {
                throw new IllegalStateException("nvcc failed (exit " + p.exitValue() + ") compiling " + src.name()
                        + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return Files.readString(out, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + executable + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling " + src.name(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * Kills a process and every process it started. nvcc is a driver: the work is done by its children (cicc,
     * ptxas), which killing nvcc alone leaves running, each holding a core. The descendants are listed before the
     * parent dies (after, they are re-parented and no longer its descendants), killed children first.
     */
    static void killTree(Process p) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        java.util.Collections.reverse(tree);
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover temp dir is harmless
        }
    }

    @Override
    public String toString() {
        return "nvcc at " + executable;
    }
}
