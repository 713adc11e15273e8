package io.github.sparksnn.ml.train.net;

import io.github.sparksnn.ml.train.sum.OrderedSum;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class CutThroughTest {

    /**
     * Every task of every tree up to 64 partitions folds its own share and its children's sums piece by piece, as a
     * barrier task streams them; the driver adds its children's sums in an {@link OrderedSum}. The bits must equal
     * one {@link OrderedSum} over all leaves, with empty shares (no vector) and negative zeros among them.
     */
    @Test
    void pieceByPieceLeftFoldsGiveTheFixedOrdersBits() {
        Random rnd = new Random(5);
        int dim = 7;
        int piece = 3;
        for (int p = 1; p <= 64; p++) {
            float[][] leaves = new float[p][];
            for (int q = 0; q < p; q++) {
                if (rnd.nextInt(5) == 0) {
                    continue; // an empty share: no vector
                }
                leaves[q] = new float[dim];
                for (int i = 0; i < dim; i++) {
                    leaves[q][i] = rnd.nextInt(6) == 0 ? -0.0f
                            : (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian() * 5));
                }
            }
            OrderedSum reference = new OrderedSum(p);
            for (int q = 0; q < p; q++) {
                reference.add(q, node(leaves[q], q));
            }
            float[] expected = reference.result().vector;
            for (int f = 0; f <= 9; f++) {
                AggregationTree t = new AggregationTree(p, f);
                OrderedSum.Pending[] sent = new OrderedSum.Pending[p];
                for (int q = p - 1; q >= 0; q--) { // children have larger indices: a valid post-order
                    List<Integer> kidsOf = t.children(q);
                    int n = kidsOf.size();
                    boolean[] present = new boolean[n];
                    float[][] kids = new float[n][];
                    OrderedSum.Node mine = node(leaves[q], q);
                    OrderedSum meta = new OrderedSum(p).add(q, new OrderedSum.Node(null, mine.lossSum, 0, mine.count,
                            0));
                    for (int i = 0; i < n; i++) {
                        OrderedSum.Pending c = sent[kidsOf.get(i)];
                        kids[i] = c.node().vector;
                        present[i] = kids[i] != null;
                        meta.addPending(c.level(), c.index(), new OrderedSum.Node(null, c.node().lossSum, 0,
                                c.node().count, 0));
                    }
                    float[] own = leaves[q] == null ? null : leaves[q].clone();
                    int carrier = CutThrough.carrier(own != null, present);
                    float[] acc = carrier == -1 ? own : carrier >= 0 ? kids[carrier].clone() : null;
                    if (acc != null) {
                        for (int off = 0; off < dim; off += piece) {
                            CutThrough.addPiece(acc, carrier, kids, present, off, Math.min(piece, dim - off));
                        }
                    }
                    List<OrderedSum.Pending> top = meta.pending();
                    assertEquals(1, top.size(), "P=" + p + " F=" + f + ": task " + q + " sends one node");
                    OrderedSum.Node out = new OrderedSum.Node(acc, top.get(0).node().lossSum, 0,
                            top.get(0).node().count, 0);
                    sent[q] = new OrderedSum.Pending(top.get(0).level(), top.get(0).index(), out);
                }
                OrderedSum driver = new OrderedSum(p);
                for (int q : t.driverChildren()) {
                    driver.addPending(sent[q].level(), sent[q].index(), sent[q].node());
                }
                String at = "P=" + p + " F=" + f;
                assertEquals(reference.result().count, driver.result().count, at);
                assertEquals(reference.result().lossSum, driver.result().lossSum, 0.0, at);
                if (expected == null) {
                    assertNull(driver.result().vector, at);
                } else {
                    float[] got = driver.result().vector;
                    for (int i = 0; i < dim; i++) {
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                                at + ", value " + i + ": " + expected[i] + " vs " + got[i]);
                    }
                }
            }
        }
    }

    @Test
    void theCarrierIsTheFirstOperandWithAVector() {
        assertEquals(-1, CutThrough.carrier(true, new boolean[]{true, false}));
        assertEquals(1, CutThrough.carrier(false, new boolean[]{false, true, true}));
        assertEquals(-2, CutThrough.carrier(false, new boolean[]{false, false}));
        assertEquals(-2, CutThrough.carrier(false, new boolean[0]));
    }

    private static OrderedSum.Node node(float[] v, int q) {
        return new OrderedSum.Node(v == null ? null : v.clone(), v == null ? 0 : q + 0.25, 0, v == null ? 0 : 1, 0);
    }
}
