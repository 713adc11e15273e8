package io.github.sparksnn.layer;

/**
 * What max and average pooling share: the window {@code k} and stride {@code s} over images
 * {@code [channels, height, width]}, no padding, output size floored, and the check that the window fits.
 */
public abstract class Pool2d extends Layer {
    protected final int k, s, c, h, w;

    protected Pool2d(String label, int[] inShape, int k, int s) {
        super(label, inShape);
        if (inShape.length != 3) {
            throw shapeError("expects images [channels, height, width]");
        }
        this.k = k;
        this.s = s;
        this.c = inShape[0];
        this.h = inShape[1];
        this.w = inShape[2];
        if (h < k || w < k) {
            throw shapeError("window " + k + " is larger than the input");
        }
        this.outShape = new int[]{c, (h - k) / s + 1, (w - k) / s + 1};
    }

    /** Window size. */
    public int window() {
        return k;
    }

    public int stride() {
        return s;
    }
}
