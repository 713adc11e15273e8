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

    /** The static kernels and the neuron kernels of every built-in surrogate at its default parameters. */
    public static List<KernelSource> shippedSources() {
        List<KernelSource> out = new ArrayList<>();
        out.add(KernelSource.staticKernels());
        for (Surrogates.Descriptor d : Surrogates.list()) {
            out.add(NeuronKernelSource.of(Surrogates.create(d.name(), Map.of())));
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PtxBuild <output dir, e.g. gpu/src/main/resources/io/github/sparksnn/gpu/ptx>");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
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
