package io.github.sparksnn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of the MNIST family (MNIST, Fashion-MNIST, KMNIST): unsigned-byte images
 * ({@code idx3}, magic 2051) and labels ({@code idx1}, magic 2049), plain or gzip-compressed (recognized by the
 * {@code .gz} suffix or by the gzip magic {@code 1f 8b}).
 *
 * <p>Three ways in: whole files ({@link #readImages(Path)}, {@link #readLabels(Path)}, {@link #load(Path, boolean)}),
 * ranged reads of records {@code [start, end)} for Spark tasks that each decode a slice
 * ({@link #readImages(Path, int, int)}), and stream decoders for any {@link InputStream} (for example a Hadoop
 * file-system stream) with {@link #readImages(InputStream, String, int, int)}. Every failure names the file and what
 * was expected: a wrong magic number, a truncated file, mismatched image/label counts, a missing file.
 */
public final class IdxReader {

    /** Where the Debian package puts Fashion-MNIST. */
    public static final Path DEFAULT_FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The command that installs Fashion-MNIST, as every message of the project writes it. */
    public static final String INSTALL_COMMAND = "sudo apt-get install dataset-fashion-mnist";

    private static final String INSTALL_HINT =
            "install it with `" + INSTALL_COMMAND + "` (files land in "
                    + DEFAULT_FASHION_MNIST_DIR + ") or point to a directory holding the IDX files";

    private IdxReader() {
    }

    // ---------------------------------------------------------------- whole files

    /** Reads every image of an {@code idx3-ubyte} file (plain or gzip). */
    public static IdxImages readImages(Path file) {
        return readImages(file, 0, -1);
    }

    /** Reads every label of an {@code idx1-ubyte} file (plain or gzip). */
    public static int[] readLabels(Path file) {
        return readLabels(file, 0, -1);
    }

    /**
     * Loads one split of an MNIST-family data set from {@code dir}: {@code train-images-idx3-ubyte} and
     * {@code train-labels-idx1-ubyte} when {@code train}, else the {@code t10k-} pair; each name with or without
     * {@code .gz} (the compressed one is taken when both exist).
     */
    public static IdxDataset load(Path dir, boolean train) {
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        IdxImages img = readImages(images);
        int[] lab = readLabels(labels);
        if (img.count() != lab.length) {
            throw new IllegalArgumentException("image/label count mismatch: " + images + " holds " + img.count()
                    + " images but " + labels + " holds " + lab.length + " labels");
        }
        return new IdxDataset(img, lab);
    }

    /** The path of {@code baseName} ({@code .gz} preferred) in {@code dir}, or a clear error naming both tried. */
    public static Path find(Path dir, String baseName) {
        Path gz = dir.resolve(baseName + ".gz");
        Path plain = dir.resolve(baseName);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new IllegalArgumentException("IDX file " + gz + " (or " + plain.getFileName() + ") not found"
                + (Files.isDirectory(dir) ? "" : ": directory " + dir + " does not exist") + "; " + INSTALL_HINT);
    }

    // ---------------------------------------------------------------- ranges of files

    /** Reads the header only (for a gzip file this decompresses just its first bytes). */
    public static IdxHeader readHeader(Path file) {
        try (InputStream in = open(file)) {
            return readHeader(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads images {@code [start, end)} of an {@code idx3-ubyte} file; {@code end = -1} means up to the last one.
     * A plain file is read from the record's offset; a gzip file is decompressed and the first records skipped.
     */
    public static IdxImages readImages(Path file, int start, int end) {
        try (InputStream in = open(file)) {
            return readImages(in, file.toString(), start, end);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads labels {@code [start, end)} of an {@code idx1-ubyte} file; {@code end = -1} means up to the last one. */
    public static int[] readLabels(Path file, int start, int end) {
        try (InputStream in = open(file)) {
            return readLabels(in, file.toString(), start, end);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- streams

    /**
     * Wraps {@code raw} in a decompressor when it starts with the gzip magic {@code 1f 8b}; otherwise returns a
     * buffered stream positioned at the same byte. An IDX file never starts with {@code 1f}: its first byte is 0.
     */
    public static InputStream maybeGunzip(InputStream raw) throws IOException {
        BufferedInputStream in = raw instanceof BufferedInputStream b ? b : new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return in;
    }

    /** Reads and validates the header of an IDX stream ({@code source} names it in errors). */
    public static IdxHeader readHeader(InputStream in, String source) throws IOException {
        byte[] head = new byte[4];
        readFully(in, head, source, "the 4-byte magic number");
        int magic = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        if (head[0] != 0 || head[1] != 0) {
            throw new IllegalArgumentException(String.format(
                    "not an IDX file: %s starts with 0x%08x; an IDX file starts with two zero bytes, a type byte and "
                            + "a dimension count (images 0x%08x, labels 0x%08x)",
                    source, magic, IdxHeader.IMAGES_MAGIC, IdxHeader.LABELS_MAGIC));
        }
        int type = head[2] & 0xff;
        int ndims = head[3] & 0xff;
        if (type != 0x08) {
            throw new IllegalArgumentException(String.format(
                    "unsupported IDX element type 0x%02x in %s (magic 0x%08x): only unsigned bytes (0x08) are read",
                    type, source, magic));
        }
        if (ndims == 0) {
            throw new IllegalArgumentException("IDX file " + source + " declares 0 dimensions (magic " + magic + ")");
        }
        byte[] d = new byte[4 * ndims];
        readFully(in, d, source, "the " + ndims + " dimension sizes of the header");
        int[] dims = new int[ndims];
        for (int i = 0; i < ndims; i++) {
            int v = ((d[4 * i] & 0xff) << 24) | ((d[4 * i + 1] & 0xff) << 16) | ((d[4 * i + 2] & 0xff) << 8)
                    | (d[4 * i + 3] & 0xff);
            if (v < 0) {
                throw new IllegalArgumentException("IDX file " + source + " declares a negative size " + v
                        + " for dimension " + i);
            }
            dims[i] = v;
        }
        return new IdxHeader(magic, dims);
    }

    /**
     * Decodes images {@code [start, end)} from an IDX stream positioned at its first byte (gzip or plain);
     * {@code end = -1} means up to the last image. The stream is not closed.
     */
    public static IdxImages readImages(InputStream raw, String source, int start, int end) throws IOException {
        InputStream in = maybeGunzip(raw);
        IdxHeader h = readHeader(in, source);
        expectMagic(h, IdxHeader.IMAGES_MAGIC, "images (idx3-ubyte)", source);
        int[] dims = h.dims();
        int stop = checkRange(h.count(), start, end, source);
        long offset = (long) start * h.recordBytes();
        skipFully(in, offset, source, h.headerBytes());
        int n = stop - start;
        byte[] px = new byte[Math.multiplyExact(n, h.recordBytes())];
        readFully(in, px, source, "pixel data of images [" + start + ", " + stop + ") at byte "
                + (h.headerBytes() + offset));
        return new IdxImages(n, dims[1], dims[2], px);
    }

    /** Decodes labels {@code [start, end)} from an IDX stream (gzip or plain); {@code end = -1}: to the last. */
    public static int[] readLabels(InputStream raw, String source, int start, int end) throws IOException {
        InputStream in = maybeGunzip(raw);
        IdxHeader h = readHeader(in, source);
        expectMagic(h, IdxHeader.LABELS_MAGIC, "labels (idx1-ubyte)", source);
        int stop = checkRange(h.count(), start, end, source);
        skipFully(in, start, source, h.headerBytes());
        byte[] b = new byte[stop - start];
        readFully(in, b, source, "labels [" + start + ", " + stop + ") at byte " + (h.headerBytes() + start));
        int[] labels = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            labels[i] = b[i] & 0xff;
        }
        return labels;
    }

    // ---------------------------------------------------------------- helpers

    /** Opens a file, decompressing when its name ends in {@code .gz} or its content starts with the gzip magic. */
    public static InputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("IDX file " + file + " not found; " + INSTALL_HINT);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (file.getFileName().toString().endsWith(".gz")) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return maybeGunzip(raw);
    }

    private static void expectMagic(IdxHeader h, int magic, String what, String source) {
        if (h.magic() != magic) {
            throw new IllegalArgumentException(String.format(
                    "wrong magic number in %s: expected %d (0x%08x, %s) but found %d (0x%08x)",
                    source, magic, magic, what, h.magic(), h.magic()));
        }
        if (magic == IdxHeader.IMAGES_MAGIC) {
            int[] d = h.dims();
            if (d[1] <= 0 || d[2] <= 0) {
                throw new IllegalArgumentException("IDX image file " + source + " declares empty images " + d[1]
                        + "x" + d[2]);
            }
        }
    }

    private static int checkRange(int count, int start, int end, String source) {
        int stop = end == -1 ? count : end;
        if (start < 0 || stop < start || stop > count) {
            throw new IndexOutOfBoundsException("record range [" + start + ", " + end + ") outside the " + count
                    + " records of " + source);
        }
        return stop;
    }

    private static void readFully(InputStream in, byte[] buf, String source, String what) throws IOException {
        int got = 0;
        while (got < buf.length) {
            int r;
            try {
                r = in.read(buf, got, buf.length - got);
            } catch (EOFException e) {
                r = -1; // GZIPInputStream throws on a cut-off compressed stream
            }
            if (r < 0) {
                throw new IllegalArgumentException("truncated IDX file " + source + ": expected " + buf.length
                        + " bytes of " + what + " but got " + got);
            }
            got += r;
        }
    }

    private static void skipFully(InputStream in, long n, String source, int headerBytes) throws IOException {
        long left = n;
        while (left > 0) {
            long s;
            try {
                s = in.skip(left);
            } catch (EOFException e) {
                s = 0;
            }
            if (s <= 0) {
                // skip may return 0 without being at the end; a read tells the two apart
                int b;
                try {
                    b = in.read();
                } catch (EOFException e) {
                    b = -1;
                }
                if (b < 0) {
                    throw new IllegalArgumentException("truncated IDX file " + source + ": expected at least "
                            + (headerBytes + n) + " bytes to reach the first requested record but got "
                            + (headerBytes + n - left));
                }
                s = 1;
            }
            left -= s;
        }
    }
}
