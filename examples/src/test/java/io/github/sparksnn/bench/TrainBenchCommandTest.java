package io.github.sparksnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs the bench at a toy size: checks the table is complete and the GEMM shapes were seen and counted. */
class TrainBenchCommandTest {

    @Test
    void tinyRunPrintsTheTableAndTheEnginesGemmShapes() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TrainBenchCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("--batches", "2", "--rounds", "1", "--warmup", "0", "--batch-size", "16",
                "--data-dir", "/nonexistent");
        assertEquals(0, code, err.toString());
        String o = out.toString();
        for (String row : new String[] {"training images/s", "in GEMM", "GEMM GFLOP/s inside the engine",
                "native sgemm GFLOP/s, same calls on the same operands alone",
                "engine / standalone GEMM speed (median of paired rounds)", "share of step time outside GEMM"}) {
            assertTrue(o.contains(row), "missing '" + row + "' in\n" + o);
        }
        // No peer figure unless one is given, and then labelled as given, not measured.
        assertFalse(o.contains("peer"), o);
        StringWriter out2 = new StringWriter();
        CommandLine cli2 = new CommandLine(new TrainBenchCommand());
        cli2.setOut(new PrintWriter(out2));
        cli2.setErr(new PrintWriter(new StringWriter()));
        assertEquals(0, cli2.execute("--batches", "1", "--rounds", "1", "--warmup", "0", "--batch-size", "8",
                "--data-dir", "/nonexistent", "--peer", "8100"));
        assertTrue(out2.toString().contains("vs the given peer figure (--peer 8100 images/s, not measured in this run)"),
                out2.toString());
        // the first layer's forward product over T*N = 4*16 rows: 2*64*256*784 FLOPs = 25.69 MFLOP
        assertTrue(o.contains("NT m=64 n=256 k=784") && o.contains("25.69"), o);
        assertTrue(err.toString().contains("random images"), err.toString());
    }

    static final String CNN = "conv2d(1,4,3,padding=1,bias=false) | batchnorm2d(4) | if(surrogate=ATan(alpha=2.0))"
            + " | maxpool2d(2) | flatten | linear(784,10) | if(surrogate=Sigmoid(alpha=4.0))";

    /** The neuron before the pooling pools its spikes itself (one op each way); the last neuron runs alone. */
    @Test
    void theStepProfileListsEveryOpOfACnnWithItsRateAndBound() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TrainBenchCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("--model", CNN, "--encoder", "direct", "--batches", "2", "--rounds", "1", "--warmup", "0",
                "--batch-size", "8", "--data-dir", "/nonexistent");
        assertEquals(0, code, err.toString());
        String o = out.toString();
        assertTrue(o.contains("OP (step profile, instrumented run)"), o);
        for (String op : new String[] {"gemm ", "im2col", "batchNormForward", "batchNormBackward",
                "neuronForward ", "neuronBackward ", "neuronForwardMaxPool", "neuronBackwardMaxPool", "optimizer step",
                "outside backend ops", "total step"}) {
            assertTrue(o.contains("\n" + op), "profile row '" + op + "' missing in\n" + o);
        }
        assertTrue(o.contains("GFLOP/s sgemm alone") && o.contains("GB/s copy"), o);
        // the shares of the rows (all but the total) add up to 100% of the step
        double sum = 0;
        boolean inProfile = false;
        for (String line : o.split("\n")) {
            if (line.startsWith("OP (step profile")) {
                inProfile = true;
                continue;
            }
            if (!inProfile || line.startsWith("-") || line.isBlank()) {
                continue;
            }
            if (line.startsWith("total step")) {
                break;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s(\\d+\\.\\d)%\\s").matcher(line);
            assertTrue(m.find(), line);
            sum += Double.parseDouble(m.group(1));
        }
        assertEquals(100.0, sum, 1.0, o);
    }

    @Test
    void compulsoryBytesOfTheConvOps() {
        // im2col of a 1x28x28 image, 3x3 kernel, stride 1, padding 1: reads 784 floats, writes 9*784
        Object[] im2col = {null, 0, 1, 28, 28, 3, 3, 1, 1, 1, 1, null, 0};
        assertEquals(4L * (784 + 9 * 784), GemmTimer.bytes("im2col", im2col));
        // col2im reads the columns and updates the image (read + write)
        assertEquals(4L * (9 * 784 + 2 * 784), GemmTimer.bytes("col2im", im2col));
        // col2imSet reads the columns and writes the image (it starts from zero, not from the image)
        assertEquals(4L * (9 * 784 + 784), GemmTimer.bytes("col2imSet", im2col));
        // 2x2 max pooling of 10 planes of 28x28: reads 7840, writes 10*14*14 values and as many argmax indices
        assertEquals(4L * (7840 + 2 * 1960), GemmTimer.bytes("maxPoolForward", new Object[] {null, 10, 28, 28, 2, 2, null, null}));
        assertEquals(4L * (7840 + 2 * 1960), GemmTimer.bytes("maxPoolBackward", new Object[] {null, null, 10, 28, 28, 2, 2, null}));
        assertEquals(4L * (7840 + 1960), GemmTimer.bytes("avgPoolBackward", new Object[] {null, 10, 28, 28, 2, 2, null}));
        // neurons: T=4, n=100; forward reads x, writes h and s, reads and writes v
        assertEquals(4L * (3 * 400 + 200), GemmTimer.bytes("neuronForward", new Object[] {null, 4, 100, null, null, null, null}));
        assertEquals(4L * 5 * 400, GemmTimer.bytes("neuronBackward",
                new Object[] {null, 4, 100, null, null, null, null, null, true}));
        // the recomputing neuron+pool pair, T=4, 2 planes of 4x4 (n=32), 2x2 pooling (32 pooled values): the forward
        // reads a static x once and writes v and the pooled spikes; the backward reads x and the pooled gradient
        // and writes dX, once each for a static input
        Object[] fwd = {null, 4, 32, null, true, null, null, null, null, 4, 4, 2, 2, null, null};
        assertEquals(4L * (32 + 32 + 32), GemmTimer.bytes("neuronForwardMaxPoolRecomputable", fwd));
        fwd[4] = false;
        assertEquals(4L * (128 + 32 + 32), GemmTimer.bytes("neuronForwardMaxPoolRecomputable", fwd));
        Object[] bwd = {null, 4, 32, null, null, null, 4, 4, 2, 2, null, null, null, true, null, null};
        assertEquals(4L * (32 + 2 * 32), GemmTimer.bytes("neuronBackwardMaxPoolRecompute", bwd));
        bwd[13] = false;
        assertEquals(4L * (32 + 2 * 128), GemmTimer.bytes("neuronBackwardMaxPoolRecompute", bwd));
        assertEquals(-1, GemmTimer.bytes("describe", new Object[0]));
    }

    @Test
    void twoThreadsCompareTheBatchSplitWithSplitGemms() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TrainBenchCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        assertEquals(0, cli.execute("--threads", "2", "--batches", "2", "--rounds", "1", "--warmup", "0",
                "--batch-size", "16", "--data-dir", "/nonexistent"), err.toString());
        String o = out.toString();
        for (String row : new String[] {"data-parallel: batch split over 2 single-threaded replicas",
                "split GEMMs: one engine, 2-thread BLAS", "data-parallel / split GEMMs (median of paired rounds)",
                "one thread (alternate rounds)"}) {
            assertTrue(o.contains(row), "missing '" + row + "' in\n" + o);
        }
        // The scaling is a measured pair of ratios, one per 2-thread engine, against one thread in the same rounds.
        assertTrue(o.matches("(?s).*2 threads / one thread, data-parallel \\| split GEMMs \\(median of paired "
                + "rounds\\)\\s+\\d+\\.\\d\\dx \\| \\d+\\.\\d\\dx.*"), o);
    }
}
