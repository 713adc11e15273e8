package io.github.sparksnn.gpu;

/**
 * Launch geometry of the kernels, kept in plain Java so it is unit-tested without a GPU.
 *
 * <ul>
 *   <li>1-D kernels: {@link #THREADS} threads per block, {@code ceil(n / THREADS)} blocks capped at
 *       {@link #MAX_BLOCKS_1D} (the kernels use grid-stride loops, so the cap only bounds the grid);</li>
 *   <li>SGEMM: 64 x 64 tiles of C ({@link #GEMM_TILE}), grid {@code (ceil(n/64), ceil(m/64))}, 256 threads;
 *       grid.y is limited to 65535 by CUDA, so {@code m <= 65535 * 64};</li>
 *   <li>per-channel reductions (channel sums, batch norm): one block of 256 threads per channel.</li>
 * </ul>
 */
public final class Launch {
    /** Threads per block of every kernel. */
    public static final int THREADS = 256;
    /** Blocks of a 1-D grid at most (grid-stride loops cover the rest). */
    public static final int MAX_BLOCKS_1D = 1 << 20;
    /** Edge of the square C tile one SGEMM block computes. */
    public static final int GEMM_TILE = 64;
    /** CUDA's limit on gridDim.y and gridDim.z. */
    public static final int MAX_GRID_YZ = 65535;
    /** CUDA's limit on gridDim.x. */
    public static final int MAX_GRID_X = Integer.MAX_VALUE;

    private Launch() {
    }

    /** Blocks of a 1-D launch over {@code n} elements; 0 when there is nothing to do. */
    public static int blocks1d(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("element count must be >= 0, got " + n);
        }
        return (int) Math.min(ceilDiv(n, THREADS), MAX_BLOCKS_1D);
    }

    /** Grid {@code {x, y}} of an {@code m x n} SGEMM ({@code {0, 0}} when C is empty). */
    public static int[] gemmGrid(int m, int n) {
        if (m < 0 || n < 0) {
            throw new IllegalArgumentException("gemm: m and n must be >= 0, got m=" + m + ", n=" + n);
        }
        long gx = ceilDiv(n, GEMM_TILE), gy = ceilDiv(m, GEMM_TILE);
        if (gy > MAX_GRID_YZ) {
            throw new IllegalArgumentException("gemm: m=" + m + " exceeds the CUDA grid limit of " + MAX_GRID_YZ
                    + " x " + GEMM_TILE + " rows");
        }
        return new int[] {(int) gx, (int) gy};
    }

    /** Blocks of a per-channel reduction: one per channel. */
    public static int channelBlocks(int channels) {
        if (channels < 0) {
            throw new IllegalArgumentException("channels must be >= 0, got " + channels);
        }
        return channels;
    }

    /** Output extent of a window of size k, stride s, padding p over an input of extent n (floor mode). */
    public static int outExtent(int n, int k, int s, int p) {
        if (k < 1 || s < 1 || p < 0) {
            throw new IllegalArgumentException("window needs k >= 1, stride >= 1, padding >= 0; got k=" + k
                    + ", s=" + s + ", p=" + p);
        }
        int span = n + 2 * p - k;
        if (span < 0) {
            throw new IllegalArgumentException("window k=" + k + " is larger than the padded input " + (n + 2 * p));
        }
        return span / s + 1;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
