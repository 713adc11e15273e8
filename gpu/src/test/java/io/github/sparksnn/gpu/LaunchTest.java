package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LaunchTest {

    @Test
    void oneDimensionalGridsCoverEveryElementOnce() {
        assertEquals(0, Launch.blocks1d(0));
        assertEquals(1, Launch.blocks1d(1));
        assertEquals(1, Launch.blocks1d(256));
        assertEquals(2, Launch.blocks1d(257));
        assertEquals(4, Launch.blocks1d(1000));
        // a grid-stride loop of blocks * 256 threads visits i, i + stride, ... : every index in [0, n) exactly once
        for (long n : new long[] {1, 255, 256, 257, 100_000, 3L << 28}) {
            long threads = (long) Launch.blocks1d(n) * Launch.THREADS;
            assertTrue(threads >= Math.min(n, (long) Launch.MAX_BLOCKS_1D * Launch.THREADS), "n=" + n);
            assertTrue(threads < n + Launch.THREADS, "no idle block for n=" + n);
        }
        assertEquals(Launch.MAX_BLOCKS_1D, Launch.blocks1d(Integer.MAX_VALUE));
        assertEquals(Launch.MAX_BLOCKS_1D, Launch.blocks1d(Long.MAX_VALUE / 2));
        assertThrows(IllegalArgumentException.class, () -> Launch.blocks1d(-1));
    }

    @Test
    void gemmGridTilesCWith64x64Blocks() {
        assertArrayEquals(new int[] {1, 1}, Launch.gemmGrid(1, 1));
        assertArrayEquals(new int[] {1, 1}, Launch.gemmGrid(64, 64));
        assertArrayEquals(new int[] {2, 1}, Launch.gemmGrid(64, 65));
        assertArrayEquals(new int[] {4, 2}, Launch.gemmGrid(128, 256));     // x over columns n, y over rows m
        assertArrayEquals(new int[] {1, 2}, Launch.gemmGrid(100, 10));
        assertArrayEquals(new int[] {0, 0}, Launch.gemmGrid(0, 0));
        assertArrayEquals(new int[] {4, 0}, Launch.gemmGrid(0, 256));
        // MLP 784-256-10, batch 128 x T 4: forward C is 512 x 256, weight gradient 256 x 784
        assertArrayEquals(new int[] {4, 8}, Launch.gemmGrid(512, 256));
        assertArrayEquals(new int[] {13, 4}, Launch.gemmGrid(256, 784));
        assertArrayEquals(new int[] {1, Launch.MAX_GRID_YZ}, Launch.gemmGrid(Launch.MAX_GRID_YZ * 64, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Launch.gemmGrid(Launch.MAX_GRID_YZ * 64 + 1, 1));
        assertTrue(e.getMessage().contains("grid limit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Launch.gemmGrid(-1, 3));
    }

    @Test
    void gemmTileCoversEveryElementOfC() {
        // the kernel's thread (tx, ty) of block (bx, by) writes rows by*64 + ty + 16r, cols bx*64 + tx + 16c
        int m = 130, n = 67;
        int[] g = Launch.gemmGrid(m, n);
        int[][] hits = new int[m][n];
        for (int by = 0; by < g[1]; by++) {
            for (int bx = 0; bx < g[0]; bx++) {
                for (int tid = 0; tid < Launch.THREADS; tid++) {
                    int tx = tid & 15, ty = tid >> 4;
                    for (int r = 0; r < 4; r++) {
                        for (int c = 0; c < 4; c++) {
                            int i = by * 64 + ty + 16 * r, j = bx * 64 + tx + 16 * c;
                            if (i < m && j < n) {
                                hits[i][j]++;
                            }
                        }
                    }
                }
            }
        }
        for (int[] row : hits) {
            for (int h : row) {
                assertEquals(1, h);
            }
        }
    }

    @Test
    void gemmTileLoadsCoverTheWholeKTile() {
        // 4 loads of 256 threads fill a 64 x 16 tile exactly once, for both storage orders
        for (boolean trans : new boolean[] {false, true}) {
            int[][] hits = new int[16][64];
            for (int q = 0; q < 4; q++) {
                for (int tid = 0; tid < 256; tid++) {
                    int l = tid + 256 * q;
                    int i, p;
                    if (trans) {
                        p = l >> 6;
                        i = l & 63;
                    } else {
                        i = l >> 4;
                        p = l & 15;
                    }
                    hits[p][i]++;
                }
            }
            for (int[] row : hits) {
                for (int h : row) {
                    assertEquals(1, h);
                }
            }
        }
    }

    @Test
    void channelBlocksAndWindowExtents() {
        assertEquals(7, Launch.channelBlocks(7));
        assertThrows(IllegalArgumentException.class, () -> Launch.channelBlocks(-1));
        assertEquals(14, Launch.outExtent(28, 2, 2, 0));
        assertEquals(28, Launch.outExtent(28, 3, 1, 1));
        assertEquals(13, Launch.outExtent(27, 3, 2, 0));   // floor mode
        assertEquals(1, Launch.outExtent(3, 3, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> Launch.outExtent(2, 3, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Launch.outExtent(5, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Launch.outExtent(5, 2, 0, 0));
    }

    @Test
    void gemmSpanCountsTheElementsAStridedMatrixTouches() {
        assertEquals(0, CudaBackend.span(0, 5, 7));
        assertEquals(5, CudaBackend.span(1, 5, 7));
        assertEquals(2 * 7 + 5, CudaBackend.span(3, 5, 7));
    }
}
