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
}
