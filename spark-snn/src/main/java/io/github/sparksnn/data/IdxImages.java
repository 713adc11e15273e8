package io.github.sparksnn.data;

/**
 * A block of gray-scale images as read from an IDX file: {@code count} images of {@code rows x cols} unsigned
 * bytes, packed image after image, row-major inside an image.
 */
public final class IdxImages {

    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;

    /**
     * @param pixels {@code count * rows * cols} unsigned bytes (kept, not copied)
     */
    public IdxImages(int count, int rows, int cols, byte[] pixels) {
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(
                    "image block needs count >= 0 and positive rows/cols, got count=" + count + ", rows=" + rows
                            + ", cols=" + cols);
        }
        long expected = (long) count * rows * cols;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(
                    "pixel array holds " + pixels.length + " bytes, expected count*rows*cols = " + expected);
        }
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
    }

    public int count() {
        return count;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Pixels per image ({@code rows * cols}), the feature size of a flattened image. */
    public int pixelsPerImage() {
        return rows * cols;
    }

    /** The raw unsigned bytes (shared, not copied); read them with {@code b & 0xff}. */
    public byte[] rawPixels() {
        return pixels;
    }

    /** Pixel value 0..255 of image {@code i} at ({@code r}, {@code c}). */
    public int pixel(int i, int r, int c) {
        if (i < 0 || i >= count || r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException(
                    "pixel (" + i + ", " + r + ", " + c + ") outside " + count + "x" + rows + "x" + cols);
        }
        return pixels[(i * rows + r) * cols + c] & 0xff;
    }

    /** All images as floats {@code v / 255} in [0, 1], packed row-major ({@code count * rows * cols} floats). */
    public float[] toFloats() {
        float[] out = new float[pixels.length];
        toFloats(0, count, out, 0);
        return out;
    }

    /**
     * Images {@code [from, to)} as floats {@code v / 255} into {@code out} starting at {@code offset}.
     */
    public void toFloats(int from, int to, float[] out, int offset) {
        if (from < 0 || to > count || from > to) {
            throw new IndexOutOfBoundsException("image range [" + from + ", " + to + ") outside [0, " + count + ")");
        }
        int n = (to - from) * rows * cols;
        if (offset < 0 || offset + n > out.length) {
            throw new IndexOutOfBoundsException(
                    "output needs " + n + " floats from offset " + offset + ", has length " + out.length);
        }
        int src = from * rows * cols;
        final float scale = 1f / 255f;
        for (int k = 0; k < n; k++) {
            out[offset + k] = (pixels[src + k] & 0xff) * scale;
        }
    }
}
