package io.github.sparksnn.ml.train.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The wire's piece layout ({@link PartialReceiver#lastPiece}, {@link PartialReceiver#previousPiece},
 * {@link PartialReceiver#pieceLength}): every sender, relay and receiver walks the same pieces, so they must cover a
 * vector exactly once, descending, with a small first piece that the end of the backward pass sends alone.
 */
class PieceLayoutTest {
    private static final int H = PartialReceiver.HEAD;
    private static final int P = PartialReceiver.PIECE;

    @Test
    void piecesCoverEveryVectorOnceFromTheTopDown() {
        int[] dims = {1, 2, H - 1, H, H + 1, H + P - 1, H + P, H + P + 1, 2 * P, 211_754, 407_050, 1_000_000};
        for (int dim : dims) {
            int expectEnd = dim;
            int pieces = 0;
            for (int off = PartialReceiver.lastPiece(dim); off >= 0; off = PartialReceiver.previousPiece(off)) {
                int n = PartialReceiver.pieceLength(off, dim);
                assertTrue(n > 0, "dim " + dim + ": empty piece at " + off);
                assertEquals(expectEnd, off + n, "dim " + dim + ": the piece at " + off + " must end where the one "
                        + "sent before it starts");
                assertTrue(n <= (off == 0 ? H : P), "dim " + dim + ": piece at " + off + " holds " + n + " values");
                if (off > 0 && off + n < dim) {
                    assertEquals(P, n, "dim " + dim + ": only the top piece may be short");
                }
                expectEnd = off;
                pieces++;
            }
            assertEquals(0, expectEnd, "dim " + dim + ": the pieces must reach 0");
            int expected = dim <= H ? 1 : 1 + (dim - H + P - 1) / P;
            assertEquals(expected, pieces, "dim " + dim);
        }
    }

    @Test
    void theFirstPieceIsSmallAndAnEmptyVectorHasNone() {
        assertEquals(-1, PartialReceiver.lastPiece(0));
        assertEquals(0, PartialReceiver.lastPiece(H));
        assertEquals(H, PartialReceiver.lastPiece(H + 1));
        assertEquals(H, PartialReceiver.pieceLength(0, 211_754));
        assertEquals(-1, PartialReceiver.previousPiece(0));
        assertEquals(0, PartialReceiver.previousPiece(H));
        assertEquals(H, PartialReceiver.previousPiece(H + P));
        assertTrue(4 * H <= 4096, "the first piece takes at most 4 KB: 0.03 ms a link at 1 Gbit/s");
    }
}
