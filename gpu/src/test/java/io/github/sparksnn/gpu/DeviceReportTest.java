package io.github.sparksnn.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of the device report without a device: the FP32 peak against published figures, the cells that
 * judge a measurement (their PASS / {@code **FAIL**} shape is what {@code gpu/device-verdict.sh} exits on), a dry run's
 * sections, and the fused-op cases the report times, run on the host emulator.
 */
class DeviceReportTest {
    @Test
    void fp32PeakMatchesPublishedFigures() {
        // NVIDIA's data sheets: H100 SXM 67 TFLOP/s (132 SMs, 1980 MHz boost), A100 19.5 (108 SMs, 1410 MHz),
        // RTX 4090 82.6 (128 SMs, 2520 MHz)
        assertEquals(67.0, DeviceReport.fp32PeakTflops(132, 1_980_000, 9, 0), 0.67);
        assertEquals(19.5, DeviceReport.fp32PeakTflops(108, 1_410_000, 8, 0), 0.2);
        assertEquals(82.6, DeviceReport.fp32PeakTflops(128, 2_520_000, 8, 9), 0.83);
    }

    @Test
    void cellsPassAtTheirAimAndFailBelowOrOnNaN() {
        assertEquals("PASS 50% (aim >= 50%)", DeviceReport.aimCell(0.5, 0.5));
        assertEquals("**FAIL** 49% (aim >= 50%)", DeviceReport.aimCell(0.49, 0.5));
        assertTrue(DeviceReport.aimCell(Double.NaN, 0.2).startsWith("**FAIL**"));
        assertEquals("PASS 1.10x (aim <= 1.1x)", DeviceReport.fusedCell(1.1, 1.0));
        assertTrue(DeviceReport.fusedCell(1.2, 1.0).startsWith("**FAIL** 1.20x"));
        assertTrue(DeviceReport.speedupCell(1.5).startsWith("PASS 1.50x"));
        assertTrue(DeviceReport.speedupCell(1.0).startsWith("**FAIL** 1.00x"), "not faster than one CPU thread fails");
    }

    @Test
    void theVerdictFailsOnEachJudgedCell(@TempDir Path dir) throws Exception {
        String passing = "| neuron_forward (LIF) | 1 MB | 900 | " + DeviceReport.aimCell(0.8, DeviceReport.COPY_AIM) + " |\n"
                + "| col2imSet | 0.1 | 0.2 | " + DeviceReport.fusedCell(0.1, 0.2) + " |\n"
                + "| 4096 x 4096 x 4096 NT | 20 | " + DeviceReport.aimCell(0.3, DeviceReport.GEMM_AIM) + " |\n"
                + "| CNN | cuda | 9000 | " + DeviceReport.speedupCell(12) + " |\n";
        DeviceVerdictScriptTest.Run ok = DeviceVerdictScriptTest.verdict(0, 0, DeviceVerdictScriptTest.report(dir, passing));
        assertEquals(0, ok.code(), ok.out());
        for (String bad : List.of(DeviceReport.aimCell(0.3, DeviceReport.COPY_AIM), DeviceReport.fusedCell(0.3, 0.2),
                DeviceReport.aimCell(0.1, DeviceReport.GEMM_AIM), DeviceReport.speedupCell(0.8))) {
            Path r = DeviceVerdictScriptTest.report(dir, passing + "| judged row | x | " + bad + " |\n");
            DeviceVerdictScriptTest.Run run = DeviceVerdictScriptTest.verdict(0, 0, r);
            assertEquals(4, run.code(), bad + ": " + run.out());
            assertTrue(run.out().contains("1 line(s)") && run.out().contains("| judged row |"), run.out());
        }
    }

    @Test
    void aDryRunSaysWhatItCouldNotMeasureAndPasses(@TempDir Path dir) throws Exception {
        Assumptions.assumeFalse(CudaBackends.isAvailable(), "a dry run needs a machine without CUDA");
        Path out = dir.resolve("report.md");
        DeviceReport.main(new String[] {out.toString(), "60", "bandwidth,fused,sgemm,spark"});
        String md = Files.readString(out);
        for (String s : List.of("## Fused ops vs the compositions", "## SGEMM (our tiled kernel, fp32, no tensor cores)"
                + " against the FP32 peak", "## Spark local[1] backend=cuda vs snn fit --backend cuda\n\nnot measured:",
                "(done)")) {
            assertTrue(md.contains(s), s + " in:\n" + md);
        }
        assertFalse(md.contains("FAIL"), md);
        assertEquals(0, DeviceVerdictScriptTest.verdict(0, 0, out).code());
    }

    /** Every case the report times runs, fused and composed, on the emulated device, and both give the same bits. */
    @Test
    void theTimedCasesRunOnTheEmulatedDevice() throws Exception {
        Assumptions.assumeTrue(HostEmulator.unavailableReason().isEmpty(),
                () -> "SKIPPED (visible): " + HostEmulator.unavailableReason().get());
        HostEmulator emu = HostEmulator.start(HostEmulator.builtInSurrogates());
        try (CudaBackend be = new CudaBackend(new RecordingStream(emu, () -> { }));
             FusedCases all = new FusedCases(be, 2, 512)) {
            assertEquals(6, all.cases.size());
            for (FusedCases.Case c : all.cases) {
                float[] fused = all.run(c, c.fused()), composed = all.run(c, c.composed());
                assertTrue(java.util.Arrays.equals(fused, composed), c.name() + ": fused and composed differ");
            }
        } finally {
            emu.stop();
        }
    }
}
