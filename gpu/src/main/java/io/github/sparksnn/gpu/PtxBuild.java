package io.github.sparksnn.gpu;

import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rebuilds the PTX shipped in the jar (run after editing {@code kernels.cu}, the neuron template, or a built-in
 * surrogate's {@code cudaCode}; {@code ShippedPtxTest} fails until then):
 * <pre>
 * gpu/regenerate-ptx.sh           (= mvn -o -q -pl gpu -am compile, then java ... PtxBuild gpu/src/main/resources/io/github/sparksnn/gpu/ptx)
 * gpu/regenerate-ptx.sh --cubins  (cubins and INDEX.tsv from the PTX already there: no CUDA toolkit)
 * gpu/regenerate-ptx.sh --index   (INDEX.tsv alone: no CUDA toolkit, no nvPTXCompiler)
 * </pre>
 * Compiles every {@link #shippedSources() shipped source} with nvcc, lowers the {@code .version} line to
 * {@link PtxText#SHIPPED_VERSION}, writes {@code <hash>.ptx}, assembles {@code <hash>.<arch>.cubin}, writes
 * {@link #INDEX} and deletes PTX and cubins no source names any more.
 *
 * <p>{@link #INDEX} says what each file holds: one row per file with its unit, kernels, surrogate and parameters,
 * dtype, nvcc flags and architecture. Every column comes from the {@link Shipped} descriptions that the hashes are
 * computed from (the hash is SHA-256 of the nvcc flags and the generated source, see {@link KernelSource#hash()}),
 * so the index is rebuilt without nvcc, and {@code ShippedIndexTest} rebuilds each row's source from its columns
 * and checks that it hashes to the row's file name.
 */
public final class PtxBuild {
    private PtxBuild() {
    }

    /** Unit column of the static kernels. */
    public static final String STATIC_UNIT = "kernels.cu";
    /** Unit column of the generated neuron kernels ({@link NeuronKernelSource}). */
    public static final String NEURON_UNIT = "neuron";
    /** Unit column of the generated smooth neuron forward ({@link SmoothKernelSource}). */
    public static final String SMOOTH_UNIT = "smooth";
    /** Unit column of the generated half-precision surrogate kernels ({@link HalfKernelSource}). */
    public static final String HALF_UNIT = "half";

    private static final Pattern KERNEL = Pattern.compile(
            "extern \"C\" __global__ void (?:__launch_bounds__\\([^)]*\\) )?([A-Za-z_][A-Za-z0-9_]*)\\(");

    /**
     * One shipped translation unit and what it holds: its unit ({@link #STATIC_UNIT}, {@link #NEURON_UNIT},
     * {@link #HALF_UNIT}), the surrogate whose code it inlines ({@code null} for the static kernels), the precision
     * of its arithmetic ({@code float32}, or {@code half2} for the half kernels, which read and write floats) and
     * its source.
     */
    public record Shipped(String unit, SurrogateFunction surrogate, String dtype, KernelSource source) {
        /** The {@code extern "C" __global__} kernels the source defines, in source order. */
        public List<String> kernels() {
            return kernelsOf(source.source());
        }
    }

    /** The {@code extern "C" __global__} kernels defined in CUDA source {@code cuda}, in source order. */
    static List<String> kernelsOf(String cuda) {
        List<String> out = new ArrayList<>();
        Matcher m = KERNEL.matcher(cuda);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * The static kernels, the neuron kernels of every built-in surrogate (generated at its default parameters, which
     * they take as kernel arguments: the same source for every value), then their half-precision surrogate kernels ({@link HalfKernelSource}, for {@code snn gpu check-grad --dtype half}).
     */
    public static List<Shipped> shipped() {
        List<Shipped> out = new ArrayList<>();
        out.add(new Shipped(STATIC_UNIT, null, "float32", KernelSource.staticKernels()));
        for (Surrogates.Descriptor d : Surrogates.list()) {
            SurrogateFunction sg = Surrogates.create(d.name(), Map.of());
            out.add(new Shipped(NEURON_UNIT, sg, "float32", NeuronKernelSource.of(sg)));
        }
        for (Surrogates.Descriptor d : Surrogates.list()) {
            SurrogateFunction sg = Surrogates.create(d.name(), Map.of());
            out.add(new Shipped(HALF_UNIT, sg, "half2", HalfKernelSource.of(sg)));
        }
        for (Surrogates.Descriptor d : Surrogates.list()) {
            SurrogateFunction sg = Surrogates.create(d.name(), Map.of());
            out.add(new Shipped(SMOOTH_UNIT, sg, "float32", SmoothKernelSource.of(sg)));
        }
        return out;
    }

    /** The sources of {@link #shipped()}, in its order. */
    public static List<KernelSource> shippedSources() {
        return shipped().stream().map(Shipped::source).toList();
    }

    /** The file beside the PTX that says what each PTX and cubin holds (tab-separated, one row per file). */
    public static final String INDEX = "INDEX.tsv";

    /** The index's columns, its header row. */
    public static final List<String> INDEX_COLUMNS = List.of("file", "hash", "format", "arch", "unit", "kernels",
            "surrogate", "parameters", "dtype", "nvcc_flags", "built_by");

    /**
     * The architecture the shipped PTX targets: its {@code .target}, {@code sm_NN} for nvcc's
     * {@code -arch=compute_NN} (the driver JIT-compiles it for newer GPUs).
     */
    public static String ptxArch() {
        for (String f : Nvcc.FLAGS) {
            if (f.startsWith("-arch=compute_")) {
                return "sm_" + f.substring("-arch=compute_".length());
            }
        }
        throw new IllegalStateException("no -arch=compute_NN in " + Nvcc.FLAGS);
    }

    /** A surrogate's parameters as the index writes them: {@code alpha=2.0,beta=1.0} ({@code -} for none). */
    public static String parameters(SurrogateFunction sg) {
        if (sg == null || sg.parameters().isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : sg.parameters().entrySet()) {
            sb.append(sb.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /**
     * {@link #INDEX}'s text: comment lines, the header, then per shipped source its PTX row and one row per cubin
     * architecture. Computed from {@link #shipped()} alone (no nvcc, no files read).
     */
    public static String index() {
        StringBuilder sb = new StringBuilder();
        sb.append("# What each file here holds; written by PtxBuild (gpu/regenerate-ptx.sh [--cubins | --index]), ")
                .append("checked by ShippedIndexTest.\n")
                .append("# hash: first 24 hex digits of SHA-256(nvcc flags, NUL, generated CUDA source). ")
                .append("ptx: nvcc, .version lowered to ").append(PtxText.SHIPPED_VERSION)
                .append("; cubin: JCuda's nvPTXCompiler from that PTX.\n")
                .append("# unit: kernels.cu (static kernels), neuron (NeuronKernelSource), half (HalfKernelSource), ")
                .append("smooth (SmoothKernelSource); ")
                .append("surrogate and parameters: the cudaCode it inlines.\n")
                .append("# neuron, half and smooth units take the surrogate's parameters as kernel arguments (snn_p0, ... after ")
                .append("each kernel's own; SurrogateArguments): one file serves every parameter value, and parameters ")
                .append("names the defaults the source was generated from.\n")
                .append("# formula/<part>-<hash>.ptx (no rows here): the parts of a Formula's compiler-free kernels ")
                .append("(FormulaPtx: the neuron, smooth and half kernel templates and the math wrappers), nvcc ")
                .append(String.join(" ", Nvcc.RDC_FLAGS)).append(", .version lowered as above: ")
                .append(java.util.Arrays.stream(FormulaPtx.Part.values()).map(FormulaPtx.Part::file)
                        .collect(java.util.stream.Collectors.joining(", "))).append(".\n");
        sb.append(String.join("\t", INDEX_COLUMNS)).append('\n');
        String flags = String.join(" ", Nvcc.FLAGS);
        for (Shipped s : shipped()) {
            String hash = s.source().hash();
            String rest = "\t" + s.unit() + "\t" + String.join(",", s.kernels()) + "\t"
                    + (s.surrogate() == null ? "-" : s.surrogate().name()) + "\t" + parameters(s.surrogate()) + "\t"
                    + s.dtype() + "\t" + flags;
            sb.append(hash).append(".ptx\t").append(hash).append("\tptx\t").append(ptxArch()).append(rest)
                    .append("\tnvcc\n");
            for (String arch : PtxAssembler.SHIPPED_ARCHS) {
                sb.append(cubinFile(s.source(), arch)).append('\t').append(hash).append("\tcubin\t").append(arch)
                        .append(rest).append("\tnvPTXCompiler\n");
            }
        }
        return sb.toString();
    }

    /** Classpath name of the shipped cubin of {@code src} for {@code arch}, beside its PTX. */
    public static String cubinFile(KernelSource src, String arch) {
        return src.hash() + "." + arch + ".cubin";
    }

    /**
     * {@code PtxBuild <dir>}: PTX (with nvcc), cubins and the index; {@code PtxBuild --cubins <dir>}: the cubins, from
     * the PTX already there (JCuda's nvPTXCompiler; needs no CUDA toolkit), and the index;
     * {@code PtxBuild --index <dir>}: the index alone (needs neither).
     */
    public static void main(String[] args) throws IOException {
        String mode = args.length == 2 ? args[0] : "";
        if (!(args.length == 1 || args.length == 2 && (mode.equals("--cubins") || mode.equals("--index")))) {
            System.err.println("usage: PtxBuild [--cubins | --index] <output dir, e.g. gpu/src/main/resources/io/github/sparksnn/gpu/ptx>");
            System.exit(2);
        }
        Path dir = Path.of(args[args.length - 1]);
        Files.createDirectories(dir);
        if (mode.isEmpty()) {
            compilePtx(dir);
        }
        if (!mode.equals("--index")) {
            buildCubins(dir);
        }
        writeIndex(dir);
    }

    private static void writeIndex(Path dir) throws IOException {
        Files.writeString(dir.resolve(INDEX), index(), StandardCharsets.US_ASCII);
        System.out.println("wrote       " + INDEX);
    }

    private static void buildCubins(Path dir) throws IOException {
        Set<String> keep = new java.util.HashSet<>();
        for (KernelSource src : shippedSources()) {
            String ptx = Files.readString(dir.resolve(src.hash() + ".ptx"), StandardCharsets.US_ASCII);
            for (String arch : PtxAssembler.SHIPPED_ARCHS) {
                String name = cubinFile(src, arch);
                keep.add(name);
                byte[] cubin = PtxAssembler.assemble(ptx, arch);
                Path target = dir.resolve(name);
                if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), cubin)) {
                    System.out.println("up to date  " + name + "  " + src.name());
                } else {
                    Files.write(target, cubin);
                    System.out.println("assembled   " + name + "  " + src.name() + " (" + cubin.length + " bytes)");
                }
            }
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".cubin") && !keep.contains(name)) {
                    Files.delete(f);
                    System.out.println("deleted     " + name + " (no source names it)");
                }
            }
        }
    }

    private static void compilePtx(Path dir) throws IOException {
        Nvcc nvcc = Nvcc.find().orElseThrow(() -> new IllegalStateException("nvcc not found (set CUDA_HOME)"));
        Map<String, KernelSource> byFile = new LinkedHashMap<>();
        for (KernelSource src : shippedSources()) {
            byFile.put(src.hash() + ".ptx", src);
        }
        for (Map.Entry<String, KernelSource> e : byFile.entrySet()) {
            Path target = dir.resolve(e.getKey());
            if (Files.isRegularFile(target)) {
                System.out.println("up to date  " + e.getKey() + "  " + e.getValue().name());
                continue;
            }
            String ptx = PtxText.lowerVersion(nvcc.compile(e.getValue()), PtxText.SHIPPED_VERSION);
            Files.writeString(target, ptx, StandardCharsets.US_ASCII);
            System.out.println("compiled    " + e.getKey() + "  " + e.getValue().name());
        }
        deleteOrphans(dir, byFile.keySet());
        // the parts of a Formula's compiler-free kernels (FormulaPtx): PTX only (the templates call an extern function)
        Path formulaDir = dir.resolve("formula");
        Files.createDirectories(formulaDir);
        Set<String> parts = new java.util.HashSet<>();
        for (FormulaPtx.Part part : FormulaPtx.Part.values()) {
            KernelSource src = part.source();
            String file = part.file();
            parts.add(file);
            Path target = formulaDir.resolve(file);
            if (Files.isRegularFile(target)) {
                System.out.println("up to date  formula/" + file + "  " + src.name());
                continue;
            }
            Files.writeString(target, PtxText.lowerVersion(nvcc.compile(src), PtxText.SHIPPED_VERSION),
                    StandardCharsets.US_ASCII);
            System.out.println("compiled    formula/" + file + "  " + src.name());
        }
        deleteOrphans(formulaDir, parts);
    }

    private static void deleteOrphans(Path dir, Set<String> keep) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".ptx") && !keep.contains(name)) {
                    Files.delete(f);
                    System.out.println("deleted     " + name + " (no source names it)");
                }
            }
        }
    }
}
