package io.github.sparksnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    private static final int N = 7;
    private static final int ROWS = 3;
    private static final int COLS = 4;

    /** Deterministic pixels covering the whole unsigned range (including 0 and 255). */
    private static byte[] pixels(int n) {
        byte[] px = new byte[n * ROWS * COLS];
        Random r = new Random(42);
        r.nextBytes(px);
        px[0] = 0;
        px[1] = (byte) 255;
        px[2] = (byte) 128;
        return px;
    }

    private static byte[] labelsBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ((i * 3) % 10);
        }
        return b;
    }

    static byte[] idx(int magic, int[] dims, byte[] payload) {
        ByteBuffer bb = ByteBuffer.allocate(4 + 4 * dims.length + payload.length); // big-endian by default
        bb.putInt(magic);
        for (int d : dims) {
            bb.putInt(d);
        }
        bb.put(payload);
        return bb.array();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bo)) {
            o.write(b);
        }
        return bo.toByteArray();
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private byte[] imageFile(int n) {
        return idx(IdxHeader.IMAGES_MAGIC, new int[] {n, ROWS, COLS}, pixels(n));
    }

    private byte[] labelFile(int n) {
        return idx(IdxHeader.LABELS_MAGIC, new int[] {n}, labelsBytes(n));
    }

    @Test
    void readsPlainAndGzipImagesIdentically() throws IOException {
        Path plain = write("imgs-idx3-ubyte", imageFile(N));
        Path gz = write("imgs-idx3-ubyte.gz", gzip(imageFile(N)));
        // gzip content under a name without .gz: recognized by the magic 1f 8b
        Path disguised = write("imgs-gz-without-suffix", gzip(imageFile(N)));
        byte[] expected = pixels(N);
        for (Path p : new Path[] {plain, gz, disguised}) {
            IdxImages im = IdxReader.readImages(p);
            assertEquals(N, im.count(), p.toString());
            assertEquals(ROWS, im.rows());
            assertEquals(COLS, im.cols());
            assertArrayEquals(expected, im.rawPixels(), p.toString());
        }
        IdxImages im = IdxReader.readImages(plain);
        assertEquals(0, im.pixel(0, 0, 0));
        assertEquals(255, im.pixel(0, 0, 1));
        assertEquals(128, im.pixel(0, 0, 2));
        assertEquals(expected[(5 * ROWS + 2) * COLS + 3] & 0xff, im.pixel(5, 2, 3));
    }

    @Test
    void floatsAreScaledToUnitIntervalRowMajor() throws IOException {
        IdxImages im = IdxReader.readImages(write("i", imageFile(N)));
        float[] f = im.toFloats();
        assertEquals(N * ROWS * COLS, f.length);
        byte[] px = pixels(N);
        for (int k = 0; k < f.length; k++) {
            assertEquals((px[k] & 0xff) / 255.0, f[k], 1e-7);
            assertTrue(f[k] >= 0f && f[k] <= 1f);
        }
        assertEquals(0f, f[0]);
        assertEquals(1f, f[1]);
        float[] part = new float[2 * ROWS * COLS + 1];
        im.toFloats(3, 5, part, 1);
        assertArrayEquals(Arrays.copyOfRange(f, 3 * ROWS * COLS, 5 * ROWS * COLS),
                Arrays.copyOfRange(part, 1, part.length));
    }

    @Test
    void readsLabels() throws IOException {
        Path plain = write("l", labelFile(N));
        Path gz = write("l.gz", gzip(labelFile(N)));
        int[] expected = {0, 3, 6, 9, 2, 5, 8};
        assertArrayEquals(expected, IdxReader.readLabels(plain));
        assertArrayEquals(expected, IdxReader.readLabels(gz));
    }

    @Test
    void rangedReadsMatchTheWholeFile() throws IOException {
        Path plain = write("i", imageFile(N));
        Path gz = write("i.gz", gzip(imageFile(N)));
        Path labels = write("l.gz", gzip(labelFile(N)));
        byte[] all = pixels(N);
        int rec = ROWS * COLS;
        for (Path p : new Path[] {plain, gz}) {
            for (int[] r : new int[][] {{0, 0}, {0, 3}, {2, 5}, {6, 7}, {4, N}, {N, N}}) {
                IdxImages part = IdxReader.readImages(p, r[0], r[1]);
                assertEquals(r[1] - r[0], part.count());
                assertArrayEquals(Arrays.copyOfRange(all, r[0] * rec, r[1] * rec), part.rawPixels(),
                        p + " " + Arrays.toString(r));
            }
        }
        assertArrayEquals(new int[] {6, 9, 2}, IdxReader.readLabels(labels, 2, 5));
        // the stream decoder, as a Spark task would call it on a file-system stream
        IdxImages fromStream = IdxReader.readImages(new ByteArrayInputStream(gzip(imageFile(N))), "mem", 1, 3);
        assertArrayEquals(Arrays.copyOfRange(all, rec, 3 * rec), fromStream.rawPixels());
        IdxHeader h = IdxReader.readHeader(gz);
        assertEquals(new IdxHeader(IdxHeader.IMAGES_MAGIC, new int[] {N, ROWS, COLS}), h);
        assertEquals(N, h.count());
        assertEquals(rec, h.recordBytes());
        assertEquals(16, h.headerBytes());

        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> IdxReader.readImages(plain, 3, N + 1));
        assertTrue(e.getMessage().contains("[3, 8)") && e.getMessage().contains("7 records"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> IdxReader.readImages(plain, 4, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> IdxReader.readLabels(labels, -1, 2));
    }

    @Test
    void loadPairsImagesWithLabels() throws IOException {
        write("train-images-idx3-ubyte.gz", gzip(imageFile(N)));
        write("train-labels-idx1-ubyte", labelFile(N)); // mixed: one compressed, one plain
        write("t10k-images-idx3-ubyte", imageFile(3));
        write("t10k-labels-idx1-ubyte.gz", gzip(labelFile(3)));
        IdxDataset train = IdxReader.load(dir, true);
        IdxDataset test = IdxReader.load(dir, false);
        assertEquals(N, train.size());
        assertEquals(3, test.size());
        assertEquals(ROWS * COLS, train.featureSize());
        assertEquals(10, train.numClasses());
        assertArrayEquals(new int[] {0, 3, 6}, test.labels());
        assertEquals(N * ROWS * COLS, train.features().length);
        IdxDataset head = train.head(2);
        assertEquals(2, head.size());
        assertArrayEquals(Arrays.copyOf(pixels(N), 2 * ROWS * COLS), head.images().rawPixels());
    }

    @Test
    void wrongMagicNamesExpectedFoundAndFile() throws IOException {
        Path labelsAsImages = write("swapped-idx3-ubyte", labelFile(N));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdxReader.readImages(labelsAsImages));
        String m = e.getMessage();
        assertTrue(m.contains("expected 2051") && m.contains("found 2049") && m.contains("swapped-idx3-ubyte"), m);

        Path imagesAsLabels = write("swapped-labels", imageFile(N));
        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readLabels(imagesAsLabels)).getMessage();
        assertTrue(m.contains("expected 2049") && m.contains("found 2051"), m);

        Path text = write("not-idx.txt", "hello world, not an idx file".getBytes());
        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(text)).getMessage();
        assertTrue(m.contains("not an IDX file") && m.contains("not-idx.txt"), m);

        Path floats = write("floats", idx(0x00000D03, new int[] {1, 1, 1}, new byte[4]));
        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(floats)).getMessage();
        assertTrue(m.contains("element type 0x0d"), m);
    }

    @Test
    void truncatedFilesSayExpectedAndGotBytes() throws IOException {
        byte[] full = imageFile(N);
        Path cut = write("cut-idx3-ubyte", Arrays.copyOf(full, full.length - 10));
        String m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(cut)).getMessage();
        int payload = N * ROWS * COLS;
        assertTrue(m.contains("truncated") && m.contains("expected " + payload) && m.contains("got " + (payload - 10))
                && m.contains("cut-idx3-ubyte"), m);

        // a gzip stream cut in the middle: the same error, not a ZLIB exception
        byte[] gz = gzip(idx(IdxHeader.IMAGES_MAGIC, new int[] {200, 28, 28}, new byte[200 * 784]));
        Path cutGz = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(cutGz)).getMessage();
        assertTrue(m.contains("truncated") && m.contains("cut.gz"), m);

        Path header = write("short-header", new byte[] {0, 0, 8, 3, 0, 0});
        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(header)).getMessage();
        assertTrue(m.contains("truncated") && m.contains("expected 12") && m.contains("got 2"), m);

        // a ranged read whose start lies past the end of the data
        Path shortData = write("short-data", idx(IdxHeader.IMAGES_MAGIC, new int[] {N, ROWS, COLS},
                Arrays.copyOf(pixels(N), 2 * ROWS * COLS)));
        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(shortData, 4, 5)).getMessage();
        assertTrue(m.contains("truncated"), m);
    }

    @Test
    void mismatchedCountsAndMissingFilesAreExplained() throws IOException {
        write("train-images-idx3-ubyte", imageFile(N));
        write("train-labels-idx1-ubyte", labelFile(N - 1));
        String m = assertThrows(IllegalArgumentException.class, () -> IdxReader.load(dir, true)).getMessage();
        assertTrue(m.contains("mismatch") && m.contains(N + " images") && m.contains((N - 1) + " labels"), m);

        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.load(dir, false)).getMessage();
        assertTrue(m.contains("t10k-images-idx3-ubyte") && m.contains("apt-get install dataset-fashion-mnist"), m);

        Path nowhere = dir.resolve("no/such/dir");
        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.load(nowhere, true)).getMessage();
        assertTrue(m.contains("does not exist") && m.contains("apt-get install dataset-fashion-mnist"), m);

        m = assertThrows(IllegalArgumentException.class, () -> IdxReader.readLabels(dir.resolve("gone"))).getMessage();
        assertTrue(m.contains("gone") && m.contains("not found"), m);
    }
}
