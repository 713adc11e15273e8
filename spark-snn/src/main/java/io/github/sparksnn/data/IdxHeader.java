package io.github.sparksnn.data;

import java.util.Arrays;

/**
 * The header of an IDX file: {@code 0x00 0x00 <type> <ndims>} followed by {@code ndims} big-endian int32 sizes.
 * Only the unsigned-byte type (0x08) is used by the MNIST family; the first dimension is the record count and
 * the rest give the shape of one record (28x28 for images, nothing for labels).
 *
 * @param magic the 32-bit magic number (2051 = {@code 0x00000803} for images, 2049 = {@code 0x00000801} for labels)
 * @param dims  the sizes, {@code dims[0]} being the number of records
 */
public record IdxHeader(int magic, int[] dims) {

    /** Magic number of an unsigned-byte, 3-dimensional IDX file (images: count x rows x cols). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte, 1-dimensional IDX file (labels: count). */
    public static final int LABELS_MAGIC = 0x00000801;

    public IdxHeader {
        dims = dims.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** Number of records (the first dimension). */
    public int count() {
        return dims[0];
    }

    /** Bytes per record: the product of every dimension but the first (1 for a label file). */
    public int recordBytes() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return Math.toIntExact(n);
    }

    /** Size of the header in bytes: the 4-byte magic and one int32 per dimension. */
    public int headerBytes() {
        return 4 + 4 * dims.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxHeader h && h.magic == magic && Arrays.equals(h.dims, dims);
    }

    @Override
    public int hashCode() {
        return 31 * magic + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return String.format("IdxHeader[magic=%d (0x%08x), dims=%s]", magic, magic, Arrays.toString(dims));
    }
}
