package io.github.sparksnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
                "native sgemm GFLOP/s, same shapes alone", "ratio engine / standalone",
                "share of step time outside GEMM"}) {
            assertTrue(o.contains(row), "missing '" + row + "' in\n" + o);
        }
        // the first layer's forward product over T*N = 4*16 rows: 2*64*256*784 FLOPs = 25.69 MFLOP
        assertTrue(o.contains("NT m=64 n=256 k=784") && o.contains("25.69"), o);
        assertTrue(err.toString().contains("random images"), err.toString());
    }
}
