package io.github.sparksnn.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One CUDA C translation unit: a name (for messages) and its source text. Its {@link #hash()} (SHA-256 of the
 * nvcc flags and the source) names the compiled PTX everywhere: the PTX shipped in the jar
 * ({@code io/github/sparksnn/gpu/ptx/<hash>.ptx}), the nvcc cache under {@code java.io.tmpdir}, and the loaded
 * module of a device. A source edit therefore can never pick up a stale PTX. The name is e.g. {@code kernels.cu}
 * or {@code neuron[ATan(alpha=2.0)]}; the source is CUDA C.
 */
public final class KernelSource {
    /** Classpath location of the static kernels' source. */
    public static final String STATIC_KERNELS_RESOURCE = "/io/github/sparksnn/gpu/cuda/kernels.cu";

    private final String name;
    private final String source;
    private final String hash;

    public KernelSource(String name, String source) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.hash = computeHash(source);
    }

    public String name() {
        return name;
    }

    public String source() {
        return source;
    }

    /** First 24 hex digits of SHA-256(nvcc flags, NUL, source) (computed once). */
    public String hash() {
        return hash;
    }

    /** Equal when the sources are equal (the name is only a label). */
    @Override
    public boolean equals(Object o) {
        return o instanceof KernelSource k && k.source.equals(source);
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

    private static String computeHash(String source) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(String.join(" ", Nvcc.FLAGS).getBytes(StandardCharsets.UTF_8));
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
