package io.github.sparksnn.data;

/**
 * Images paired with their labels (one split of an MNIST-family data set).
 *
 * @param images the images
 * @param labels one class index per image
 */
public record IdxDataset(IdxImages images, int[] labels) {

    public IdxDataset {
        if (images.count() != labels.length) {
            throw new IllegalArgumentException(
                    "image/label count mismatch: " + images.count() + " images but " + labels.length + " labels");
        }
    }

    public int size() {
        return labels.length;
    }

    /** Floats per sample ({@code rows * cols}). */
    public int featureSize() {
        return images.pixelsPerImage();
    }

    /** One more than the largest label (10 for the MNIST family), 0 when empty. */
    public int numClasses() {
        int max = -1;
        for (int l : labels) {
            max = Math.max(max, l);
        }
        return max + 1;
    }

    /** Features scaled to [0, 1], {@code featureSize()} floats per sample, packed as {@code GradientEngine} wants. */
    public float[] features() {
        return images.toFloats();
    }

    /** The first {@code n} samples (or all if fewer); shares no mutable state with this data set. */
    public IdxDataset head(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("head(n) needs n >= 0, got " + n);
        }
        int m = Math.min(n, size());
        byte[] px = java.util.Arrays.copyOf(images.rawPixels(), m * featureSize());
        return new IdxDataset(new IdxImages(m, images.rows(), images.cols(), px), java.util.Arrays.copyOf(labels, m));
    }
}
