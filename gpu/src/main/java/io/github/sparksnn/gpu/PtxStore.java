package io.github.sparksnn.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the PTX of a {@link KernelSource}, by its hash, in this order:
 * <ol>
 *   <li>the PTX shipped in the jar ({@code io/github/sparksnn/gpu/ptx/<hash>.ptx}): the static kernels and the
 *       neuron kernels of the 17 built-in surrogates, for every parameter value (the parameters are kernel
 *       arguments: {@link SurrogateArguments}) (built by {@link PtxBuild} and committed, so that CI and machines
 *       without nvcc need no CUDA toolkit);</li>
 *   <li>PTX made without a compiler ({@link KernelSource#compilerFreePtx()}): a {@code Formula}'s modules, and the
 *       smooth forward of a built-in at a parameter shape no shipped module has, which {@link FormulaPtx} writes
 *       from the formula's CUDA code and splices into shipped kernels;</li>
 *   <li>the nvcc cache {@code <java.io.tmpdir>/spark-snn-ptx/<hash>.ptx} (or {@code $SNN_PTX_CACHE});</li>
 *   <li>a fresh nvcc compile (user-registered surrogates), stored in that cache.</li>
 * </ol>
 * Without nvcc, a source of the last kind fails with a message saying what to install.
 */
public final class PtxStore {
    private static final Map<String, String> MEMO = new ConcurrentHashMap<>();

    private PtxStore() {
    }

    /** The PTX text for {@code src} (memoized per JVM). */
    public static String ptx(KernelSource src) {
        return MEMO.computeIfAbsent(src.hash(), h -> resolve(src));
    }

    /** The shipped PTX of {@code src}, if the jar has it. */
    public static Optional<String> shipped(KernelSource src) {
        try (InputStream in = PtxStore.class.getResourceAsStream(src.ptxResource())) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + src.ptxResource(), e);
        }
    }

    /**
     * The shipped cubin of {@code src} for {@code arch} ({@code sm_80}, {@code sm_90}), if the jar has one: built
     * from the shipped PTX by {@link PtxAssembler} ({@code <hash>.<arch>.cubin} beside {@code <hash>.ptx}).
     */
    public static Optional<byte[]> cubin(KernelSource src, String arch) {
        String path = "/io/github/sparksnn/gpu/ptx/" + PtxBuild.cubinFile(src, arch);
        try (InputStream in = PtxStore.class.getResourceAsStream(path)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    /** The directory of the nvcc cache. */
    public static Path cacheDir() {
        String env = System.getenv("SNN_PTX_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "spark-snn-ptx");
    }

    private static String resolve(KernelSource src) {
        Optional<String> shipped = shipped(src);
        if (shipped.isPresent()) {
            return shipped.get();
        }
        String generatedFailure = null;
        if (src.compilerFreePtx().isPresent()) {
            try {
                return src.compilerFreePtx().get().get();
            } catch (RuntimeException e) { // a stale jar without the shipped parts, or code FormulaPtx does not read
                generatedFailure = e.getMessage();
            }
        }
        String why = generatedFailure == null ? "" : " (its PTX could not be made without a compiler: " + generatedFailure + ")";
        Path cached = cacheDir().resolve(src.hash() + ".ptx");
        try {
            if (Files.isRegularFile(cached)) {
                return Files.readString(cached, StandardCharsets.US_ASCII);
            }
        } catch (IOException e) {
            // unreadable cache entry: recompile below
        }
        Nvcc nvcc = Nvcc.find().orElseThrow(() -> new IllegalStateException("CUDA kernel " + src.name()
                + " has no precompiled PTX in the jar (the 17 built-in surrogates ship precompiled for any parameter"
                + " values, and a Formula's PTX is made without a compiler; user-registered surrogates need nvcc)" + why
                + " and nvcc was not found: install the CUDA toolkit or set CUDA_HOME (or SNN_NVCC), or write the"
                + " surrogate as a Formula or use a built-in"));
        String ptx = nvcc.compile(src);
        store(cached, ptx);
        return ptx;
    }

    private static void store(Path target, String ptx) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "ptx-", ".tmp");
            Files.writeString(tmp, ptx, StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // the cache is an optimization: a read-only tmpdir only costs a recompile next time
        }
    }
}
