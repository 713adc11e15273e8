package io.github.sparksnn.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One CUDA C translation unit: a name (for messages) and its source text. Its {@link #hash()} (SHA-256 of the
 * nvcc flags and the source) names the compiled PTX everywhere: the PTX shipped in the jar
 * ({@code io/github/sparksnn/gpu/ptx/<hash>.ptx}), the nvcc cache under {@code java.io.tmpdir}, and the loaded
 * module of a device. A source edit therefore can never pick up a stale PTX. The name is e.g. {@code kernels.cu}
 * or {@code neuron[ATan(alpha=2.0)]}; the source is CUDA C.
 *
 * <p>A source may carry a way to its PTX that needs no compiler ({@link #compilerFreePtx()}): a {@code Formula}'s
 * modules are PTX spliced together in Java ({@link FormulaPtx}), which {@link PtxStore} prefers to nvcc. The CUDA C
 * text stays what names the module (its hash) and what nvcc and the host emulator compile.
 */
public final class KernelSource {
    /** Classpath location of the static kernels' source. */
    public static final String STATIC_KERNELS_RESOURCE = "/io/github/sparksnn/gpu/cuda/kernels.cu";

    private final String name;
    private final String source;
    private final List<String> flags;
    private final String hash;
    private final Supplier<String> compilerFreePtx;

    /** A source compiled with {@link Nvcc#FLAGS}. */
    public KernelSource(String name, String source) {
        this(name, source, Nvcc.FLAGS, null);
    }

    /**
     * A source compiled with {@code flags} (part of the hash), whose PTX {@code compilerFreePtx} builds without a
     * compiler ({@code null}: none; only nvcc or a shipped file has it).
     */
    KernelSource(String name, String source, List<String> flags, Supplier<String> compilerFreePtx) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.flags = List.copyOf(flags);
        this.hash = computeHash(this.flags, source);
        this.compilerFreePtx = compilerFreePtx;
    }

    /** The same source with a way to its PTX that needs no compiler (see {@link PtxStore}). */
    KernelSource withCompilerFreePtx(Supplier<String> ptx) {
        return new KernelSource(name, source, flags, Objects.requireNonNull(ptx, "ptx"));
    }

    /** The nvcc flags this source is compiled with (part of {@link #hash()}). */
    public List<String> flags() {
        return flags;
    }

    /** How to build this source's PTX without a compiler, if there is a way (a {@code Formula}'s modules). */
    java.util.Optional<Supplier<String>> compilerFreePtx() {
        return java.util.Optional.ofNullable(compilerFreePtx);
    }

    public String name() {
        return name;
    }

    public String source() {
        return source;
    }

    /** First 24 hex digits of SHA-256(its nvcc flags, NUL, source) (computed once). */
    public String hash() {
        return hash;
    }

    /** Equal when the sources and flags are equal (the name is only a label). */
    @Override
    public boolean equals(Object o) {
        return o instanceof KernelSource k && k.source.equals(source) && k.flags.equals(flags);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return "KernelSource[" + name + ", " + hash + "]";
    }

    /** The static kernels (GEMM, element-wise ops, pooling, batch norm, the spiking neuron forward). */
    public static KernelSource staticKernels() {
        return Holder.STATIC;
    }

    private static final class Holder {
        static final KernelSource STATIC = new KernelSource("kernels.cu", readResource(STATIC_KERNELS_RESOURCE));
    }

    static String readResource(String path) {
        try (InputStream in = KernelSource.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("CUDA source " + path + " is missing from the classpath (broken jar?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static String computeHash(List<String> flags, String source) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(String.join(" ", flags).getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Classpath path of the shipped PTX for this source. */
    public String ptxResource() {
        return "/io/github/sparksnn/gpu/ptx/" + hash() + ".ptx";
    }
}
