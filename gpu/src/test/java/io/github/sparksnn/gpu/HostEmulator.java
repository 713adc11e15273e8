package io.github.sparksnn.gpu;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the backend's real CUDA sources on the CPU: the static kernels and the generated neuron modules are compiled
 * as host C++ (g++, {@code src/test/emulator/cuda_host_shim.h}, AddressSanitizer when available) into one program
 * that serves a line protocol ({@code emulator_main.h}); this class is the {@link DeviceStream} that talks to it.
 * So {@link CudaBackend} (argument packing, offsets, launch geometry) and every kernel's arithmetic and indexing
 * are checked against the CPU backend on machines without a GPU. Not covered: JCuda itself, PTX loading, GPU
 * memory-model effects (the emulator runs one block at a time).
 */
final class HostEmulator implements DeviceStream {
    /** The gpu module's directory: {@code $SNN_EMULATOR_HOME} (Spark executors run elsewhere), else the cwd. */
    private static final Path HOME = Path.of(System.getenv().getOrDefault("SNN_EMULATOR_HOME", ".")).toAbsolutePath();
    private static final Path EMU_DIR = HOME.resolve("src/test/emulator");
    private static final Path BUILD_DIR = HOME.resolve("target/cuda-emulator");

    /** Kernels that call __syncthreads (run with real threads); all others run their threads one by one. */
    static final java.util.Set<String> BARRIER_KERNELS = java.util.Set.of("sgemm_nn", "sgemm_nt", "sgemm_tn", "sgemm_tt",
            "channel_sums", "batch_norm_forward", "batch_norm_backward", "neuron_backward", "neuron_forward_max_pool");

    /** The device functions every generated neuron module defines (renamed per module in the one program). */
    private static final List<String> HELPERS = List.of("snn_block_sum", "snn_charge_gradient", "snn_routed");

    private final Process process;
    private boolean stopped;
    private final BufferedWriter out;
    private final BufferedReader in;
    private final Map<String, Boolean> keys = new LinkedHashMap<>();
    private final boolean asan;
    private long nextId = 1;
    private String label = "emulated";

    record Ptr(long id, long off) implements DevicePtr {
        @Override
        public DevicePtr plus(long bytes) {
            return new Ptr(id, off + bytes);
        }
    }

    /** The 17 built-in surrogates at their default parameters. */
    static List<SurrogateFunction> builtInSurrogates() {
        List<SurrogateFunction> all = new ArrayList<>();
        for (io.github.sparksnn.surrogate.Surrogates.Descriptor d : io.github.sparksnn.surrogate.Surrogates.list()) {
            all.add(io.github.sparksnn.surrogate.Surrogates.create(d.name(), Map.of()));
        }
        all.addAll(formulas());
        return all;
    }

    /**
     * Every built-in surrogate away from its default parameters. Their neuron modules are the defaults' (the parameters
     * are kernel arguments), so an emulator built for {@link #builtInSurrogates()} runs them too.
     */
    static List<SurrogateFunction> tunedSurrogates() {
        List<SurrogateFunction> out = new ArrayList<>();
        for (String spec : List.of("PiecewiseQuadratic(alpha=1.5)", "PiecewiseExp(alpha=2.5)", "Sigmoid(alpha=2.0)",
                "SoftSign(alpha=3.5)", "SuperSpike(alpha=2.5)", "ATan(alpha=3.0)", "NonzeroSignLogAbs(alpha=2.0)",
                "Erf(alpha=1.5)", "PiecewiseLeakyReLU(w=0.5, c=0.05)", "SquarewaveFourierSeries(n=3, T_period=6.0)",
                "S2NN(alpha=2.0, beta=0.5)", "QPseudoSpike(alpha=3.0)", "LeakyKReLU(leak=-0.1, k=1.5)",
                "FakeNumericalGradient(alpha=0.5)", "LogTailedReLU(alpha=0.1)", "DeterministicPass(alpha=2.0)",
                "Rect(alpha=2.0)")) {
            out.add(io.github.sparksnn.surrogate.Surrogates.parse(spec));
        }
        return out;
    }

    /** The Formula of {@code EmulatedCudaSparkTest}'s model, trained on executors without nvcc (FormulaPtx). */
    static final String SPARK_FORMULA = "Formula(primitive='0.5 + tanh(a*x)/2', a=2.5)";

    /**
     * User surrogates written as formulas (a derived gradient; a given piecewise one; the Spark test's), run by the
     * parity contracts too.
     */
    static List<SurrogateFunction> formulas() {
        return List.of(
                io.github.sparksnn.surrogate.Surrogates.parse("Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)"),
                io.github.sparksnn.surrogate.Surrogates.parse(
                        "Formula(primitive='min(max(alpha*x + 0.5, 0), 1)', gradient='where(abs(x) < 1/(2*alpha), alpha, 0)', alpha=0.8)"),
                io.github.sparksnn.surrogate.Surrogates.parse(SPARK_FORMULA));
    }

    /** Why the emulator cannot be built here (no g++), or empty. */
    static Optional<String> unavailableReason() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "g++"))) {
                return Optional.empty();
            }
        }
        return Optional.of("g++ not found on PATH");
    }

    /** Builds (or reuses) the emulator for the static kernels and these surrogates' neuron modules, and starts it. */
    static HostEmulator start(List<SurrogateFunction> surrogates) throws IOException, InterruptedException {
        return start(surrogates, 0);
    }

    /**
     * As {@link #start(List)}, with every transcendental ({@code expf}, {@code powf}, {@code cosf}, ...) moved by a
     * pseudo-random {@code -ulp..ulp} units in the last place (as CUDA's library may differ from the host's).
     */
    static HostEmulator start(List<SurrogateFunction> surrogates, int ulp) throws IOException, InterruptedException {
        List<KernelSource> modules = new ArrayList<>();
        Map<KernelSource, List<String>> entriesOf = new java.util.HashMap<>();
        modules.add(KernelSource.staticKernels());
        entriesOf.put(KernelSource.staticKernels(), ShippedPtxTest.STATIC_ENTRIES);
        for (SurrogateFunction sg : surrogates) {
            KernelSource ks = NeuronKernelSource.of(sg);
            if (!modules.contains(ks)) {
                modules.add(ks);
                entriesOf.put(ks, List.of("neuron_backward", "neuron_backward_static", "neuron_backward_max_pool",
                        "surrogate_gradient"));
            }
            KernelSource smooth;
            try {
                smooth = SmoothKernelSource.of(sg);
            } catch (UnsupportedOperationException e) {
                continue; // no primitive text: its smooth forward takes the host fallback
            }
            if (!modules.contains(smooth)) {
                modules.add(smooth);
                entriesOf.put(smooth, List.of("neuron_forward_smooth"));
            }
        }
        StringBuilder tu = new StringBuilder("#include \"cuda_host_shim.h\"\n");
        List<String> entries = new ArrayList<>();
        Map<String, Boolean> keys = new LinkedHashMap<>();
        for (int m = 0; m < modules.size(); m++) {
            KernelSource ks = modules.get(m);
            List<String> names = entriesOf.get(ks);
            tu.append("// module ").append(ks.name()).append('\n');
            for (String helper : HELPERS) { // each module's own device functions, as in its own CUmodule
                tu.append("#define ").append(helper).append(' ').append(helper).append("_m").append(m).append('\n');
            }
            for (String n : names) {
                tu.append("#define ").append(n).append(' ').append(n).append("_m").append(m).append('\n');
            }
            tu.append(ks.source()).append('\n');
            for (String helper : HELPERS) {
                tu.append("#undef ").append(helper).append('\n');
            }
            for (String n : names) {
                tu.append("#undef ").append(n).append('\n');
                String key = ks.hash() + "/" + n;
                entries.add("    SNN_EMU_ENTRY(\"" + key + "\", " + n + "_m" + m + ")");
                keys.put(key, true);
            }
        }
        tu.append("#include \"emulator_main.h\"\n");
        tu.append("const snn_emu::Entry SNN_EMU_ENTRIES[] = {\n").append(String.join(",\n", entries)).append("\n};\n");
        tu.append("const int SNN_EMU_ENTRY_COUNT = ").append(entries.size()).append(";\n");
        String text = tu.toString();
        String hash = sha(text + Files.readString(EMU_DIR.resolve("cuda_host_shim.h"))
                + Files.readString(EMU_DIR.resolve("emulator_main.h")));
        Files.createDirectories(BUILD_DIR);
        Path exe = BUILD_DIR.resolve("emu-" + hash);
        Path asanMark = BUILD_DIR.resolve("emu-" + hash + ".asan");
        if (!Files.isExecutable(exe)) {
            Path src = BUILD_DIR.resolve("emu-" + hash + ".cpp");
            Files.writeString(src, text);
            boolean withAsan = compile(src, exe, true);
            if (!withAsan && !compile(src, exe, false)) {
                throw new IllegalStateException("the CUDA host emulator does not compile; see " + BUILD_DIR);
            }
            if (withAsan) {
                Files.writeString(asanMark, "");
            }
        }
        return new HostEmulator(exe, keys, Files.exists(asanMark), ulp);
    }

    private static boolean compile(Path src, Path exe, boolean asan) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("g++", "-std=c++20", "-O1", "-ffp-contract=off", "-fno-fast-math",
                "-pthread", "-w", "-I", EMU_DIR.toAbsolutePath().toString(), "-x", "c++"));
        if (asan) {
            cmd.addAll(List.of("-fsanitize=address", "-fno-omit-frame-pointer"));
        }
        cmd.addAll(List.of(src.toString(), "-o", exe.toString()));
        Path log = Path.of(exe + (asan ? ".asan" : "") + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    private HostEmulator(Path exe, Map<String, Boolean> keys, boolean asan, int ulp) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(exe.toAbsolutePath().toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("ASAN_OPTIONS", "detect_leaks=0");
        pb.environment().put("SNN_EMU_ULP", Integer.toString(ulp));
        this.process = pb.start();
        this.out = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII));
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        this.keys.putAll(keys);
        this.asan = asan;
    }

    /** Names the emulated device in {@link #describe()}: {@code cuda:<label> (...)}. */
    HostEmulator label(String l) {
        this.label = l;
        return this;
    }

    /** Whether the program runs under AddressSanitizer (every out-of-bounds access aborts it). */
    boolean asan() {
        return asan;
    }

    private static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private synchronized String command(String line) {
        if (stopped) {
            throw new IllegalStateException("CUDA host emulator stopped");
        }
        try {
            out.write(line);
            out.write('\n');
            out.flush();
            String reply = in.readLine();
            if (reply == null) {
                throw new CudaException("CUDA host emulator died (an AddressSanitizer report on stderr names the"
                        + " out-of-bounds access) during: " + abbreviate(line), -1);
            }
            if (reply.startsWith("err ")) {
                throw new CudaException("CUDA host emulator: " + reply.substring(4) + " during: " + abbreviate(line), -1);
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException("CUDA host emulator I/O failed during: " + abbreviate(line), e);
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    private static Ptr p(DevicePtr d) {
        return (Ptr) d;
    }

    @Override
    public Object deviceKey() {
        return this;
    }

    @Override
    public String describe() {
        return "cuda:" + label + " (CUDA host emulator, g++" + (asan ? ", AddressSanitizer" : "") + ")";
    }

    @Override
    public synchronized DevicePtr alloc(long bytes) {
        long id = nextId++;
        command("A " + id + " " + Math.max(4, bytes));
        return new Ptr(id, 0);
    }

    @Override
    public synchronized void free(DevicePtr ptr) {
        if (stopped) {
            return;   // the process and all its memory are gone
        }
        command("F " + p(ptr).id());
    }

    @Override
    public void memsetD32(DevicePtr ptr, int bits, long count) {
        command("M " + p(ptr).id() + " " + p(ptr).off() + " " + Integer.toHexString(bits) + " " + count);
    }

    @Override
    public void upload(float[] src, int srcOff, DevicePtr dst, int n) {
        StringBuilder sb = new StringBuilder(16 + 9 * n);
        sb.append("W ").append(p(dst).id()).append(' ').append(p(dst).off()).append(' ').append(n);
        for (int i = 0; i < n; i++) {
            sb.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(src[srcOff + i])));
        }
        command(sb.toString());
    }

    private int[] read(DevicePtr src, int words) {
        String reply = command("R " + p(src).id() + " " + p(src).off() + " " + words);
        int[] w = new int[words];
        for (int i = 0; i < words; i++) {
            w[i] = Integer.parseUnsignedInt(reply, 9 * i, 9 * i + 8, 16);
        }
        return w;
    }

    @Override
    public void download(DevicePtr src, float[] dst, int dstOff, int n) {
        int[] w = read(src, n);
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(w[i]);
        }
    }

    @Override
    public void downloadDoubles(DevicePtr src, double[] dst, int n) {
        int[] w = read(src, 2 * n);
        for (int i = 0; i < n; i++) {
            dst[i] = Double.longBitsToDouble(((long) w[2 * i + 1] << 32) | (w[2 * i] & 0xffffffffL));
        }
    }

    @Override
    public void copy(DevicePtr dst, DevicePtr src, long bytes) {
        command("C " + p(dst).id() + " " + p(dst).off() + " " + p(src).id() + " " + p(src).off() + " " + bytes);
    }

    /**
     * With {@code SNN_EMULATOR_DRIVER_ONLY=1}, a module is had only where a GPU machine would have its PTX: shipped in
     * the jar, made without a compiler ({@link FormulaPtx}: a formula's), in the nvcc cache, or compiled by an nvcc
     * ({@code SNN_NVCC=none} hides them all), through the very {@link PtxStore} lookup {@code CudaDevice} makes;
     * otherwise it throws as the device would, and the backend falls back to the host. A PTX made without a compiler
     * is also assembled for sm_90 by JCuda's nvPTXCompiler (the assembler the driver's JIT runs) once per module, so
     * what the executor made is what a GPU would load. The emulator then runs the module's CUDA C, compiled by g++
     * (for a formula: its literal code, whose arithmetic the PTX reproduces, {@code FormulaPtxHostParityTest}).
     * Without it, every module the emulator was built with is there.
     */
    private static final boolean DRIVER_ONLY = "1".equals(System.getenv("SNN_EMULATOR_DRIVER_ONLY"));
    private static final java.util.Set<String> ASSEMBLED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public Object function(KernelSource src, String kernel) {
        if (DRIVER_ONLY) {
            String ptx = PtxStore.ptx(src);
            if (src.compilerFreePtx().isPresent() && ASSEMBLED.add(src.hash())) {
                PtxAssembler.assemble(ptx, "sm_90");
            }
        }
        String key = src.hash() + "/" + kernel;
        if (!keys.containsKey(key)) {
            throw new IllegalStateException("the emulator was not built with " + src.name() + " / " + kernel);
        }
        return key;
    }

    @Override
    public void launch(Object function, int gx, int gy, int threads, KernelArgs args, String name) {
        String kernel = function.toString().substring(function.toString().indexOf('/') + 1);
        StringBuilder sb = new StringBuilder("L ").append(BARRIER_KERNELS.contains(kernel) ? "T " : "S ").append(function).append(' ').append(gx).append(' ').append(gy)
                .append(' ').append(threads).append(' ').append(args.list().size());
        for (KernelArgs.Arg a : args.list()) {
            sb.append(' ');
            switch (a.type()) {
                case INT, LONG -> sb.append(a.type() == KernelArgs.Type.INT ? 'i' : 'l').append(a.bits());
                case FLOAT -> sb.append('f').append(Integer.toHexString((int) a.bits()));
                case PTR -> sb.append('p').append(p(a.ptr()).id()).append(':').append(p(a.ptr()).off());
            }
        }
        command(sb.toString());
    }

    @Override
    public void synchronize() {
    }

    @Override
    public void close() {
        // one emulator serves the whole test class; stop() ends it
    }

    synchronized void stop() {
        stopped = true;
        try {
            out.close();
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // ending anyway
        } finally {
            process.destroy();
        }
    }
}
