package io.github.sparksnn.gpu;

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

/**
 * Rebuilds the PTX shipped in the jar (run after editing {@code kernels.cu}, the neuron template, or a built-in
 * surrogate's {@code cudaCode}; {@code ShippedPtxTest} fails until then):
 * <pre>
 * gpu/regenerate-ptx.sh        (= mvn -o -q -pl gpu -am compile, then java ... PtxBuild gpu/src/main/resources/io/github/sparksnn/gpu/ptx)
 * </pre>
 * Compiles every {@link #shippedSources() shipped source} with nvcc, lowers the {@code .version} line to
 * {@link PtxText#SHIPPED_VERSION}, writes {@code <hash>.ptx}, and deletes PTX files no source names any more.
 */
public final class PtxBuild {
    private PtxBuild() {
    }

    /**
     * The static kernels, the neuron kernels of every built-in surrogate at its default parameters, then their
     * half-precision surrogate kernels ({@link HalfKernelSource}, for {@code snn gpu check-grad --dtype half}).
     */
    public static List<KernelSource> shippedSources() {
        List<KernelSource> out = new ArrayList<>();
        out.add(KernelSource.staticKernels());
        for (Surrogates.Descriptor d : Surrogates.list()) {
            out.add(NeuronKernelSource.of(Surrogates.create(d.name(), Map.of())));
        }
        for (Surrogates.Descriptor d : Surrogates.list()) {
            out.add(HalfKernelSource.of(Surrogates.create(d.name(), Map.of())));
        }
        return out;
    }

    /** The file beside the PTX that says which source each hash is. */
    public static final String INDEX = "index.txt";

    /** One line per shipped source: hash, then its name (the files are {@code <hash>.ptx}, {@code <hash>.<arch>.cubin}). */
    public static String index() {
        StringBuilder sb = new StringBuilder("# <hash>.ptx (PTX ISA " + PtxText.SHIPPED_VERSION + ", nvcc) and <hash>.<arch>.cubin ("
                + String.join(", ", PtxAssembler.SHIPPED_ARCHS) + ", JCuda's nvPTXCompiler): written by PtxBuild\n");
        for (KernelSource src : shippedSources()) {
            sb.append(src.hash()).append("  ").append(src.name()).append('\n');
        }
        return sb.toString();
    }

    /** Classpath name of the shipped cubin of {@code src} for {@code arch}, beside its PTX. */
    public static String cubinFile(KernelSource src, String arch) {
        return src.hash() + "." + arch + ".cubin";
    }

    /**
     * {@code PtxBuild <dir>}: PTX (with nvcc) and cubins; {@code PtxBuild --cubins <dir>}: only the cubins, from
     * the PTX already there (JCuda's nvPTXCompiler; needs no CUDA toolkit).
     */
    public static void main(String[] args) throws IOException {
        boolean cubinsOnly = args.length == 2 && args[0].equals("--cubins");
        if (args.length != 1 && !cubinsOnly) {
            System.err.println("usage: PtxBuild [--cubins] <output dir, e.g. gpu/src/main/resources/io/github/sparksnn/gpu/ptx>");
            System.exit(2);
        }
        Path dir = Path.of(args[args.length - 1]);
        Files.createDirectories(dir);
        if (!cubinsOnly) {
            compilePtx(dir);
        }
        buildCubins(dir);
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
        Files.writeString(dir.resolve(INDEX), index(), StandardCharsets.US_ASCII);
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
        Set<String> keep = byFile.keySet();
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
