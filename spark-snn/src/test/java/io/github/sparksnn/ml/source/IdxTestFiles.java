package io.github.sparksnn.ml.source;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX image/label files for tests: pixel (i, k) = (37 i + 11 k) mod 256, label i mod 10. */
public final class IdxTestFiles {
    private IdxTestFiles() {
    }

    public static int pixel(int i, int k) {
        return (37 * i + 11 * k) % 256;
    }

    public static int label(int i) {
        return i % 10;
    }

    /** Writes {@code prefix-images-idx3-ubyte[.gz]} and {@code prefix-labels-idx1-ubyte[.gz]} into {@code dir}. */
    public static void writePair(Path dir, String prefix, int n, int rows, int cols, boolean gz) throws IOException {
        String suffix = gz ? ".gz" : "";
        writeImages(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), n, rows, cols, gz);
        writeLabels(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), n, gz);
    }

    public static void writeImages(Path p, int n, int rows, int cols, boolean gz) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        o.writeInt(0x803);
        o.writeInt(n);
        o.writeInt(rows);
        o.writeInt(cols);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < rows * cols; k++) {
                o.writeByte(pixel(i, k));
            }
        }
        write(p, b.toByteArray(), gz);
    }

    public static void writeLabels(Path p, int n, boolean gz) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        o.writeInt(0x801);
        o.writeInt(n);
        for (int i = 0; i < n; i++) {
            o.writeByte(label(i));
        }
        write(p, b.toByteArray(), gz);
    }

    private static void write(Path p, byte[] bytes, boolean gz) throws IOException {
        try (OutputStream out = gz ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(bytes);
        }
    }
}
