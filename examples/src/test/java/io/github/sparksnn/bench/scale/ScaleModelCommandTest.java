package io.github.sparksnn.bench.scale;

import io.github.sparksnn.cli.SnnCli;
import io.github.sparksnn.train.EngineConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument checks of {@code snn bench scale-model} and the FLOP count its extrapolation scales compute by. */
class ScaleModelCommandTest {

    private static void usageError(String expected, String... args) {
        CommandLine cli = SnnCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute(args), err.toString());
        assertTrue(err.toString().contains(expected), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void badOptionsAreUsageErrors() {
        usageError("--hosts values must be in 1 .. 65536, got 0", "bench", "scale-model", "--hosts", "1,0");
        usageError("--link-gbit values must be positive", "bench", "scale-model", "--link-gbit", "-1");
        usageError("--fan-in 0 or >= 2", "bench", "scale-model", "--fan-in", "1");
        usageError("--spread in [0, 10)", "bench", "scale-model", "--spread", "NaN");
    }

    @Test
    void gemmFlopsOfAnMlpAreCountedLayerByLayer() {
        EngineConfig cfg = EngineConfig.builder().modelSpec("flatten | linear(784,64) | lif | linear(64,10) | lif")
                .inputShape(1, 28, 28).timeSteps(4).encoder("direct").loss("mse").seed(1).threads(1).build();
        // 2mnk per image. The direct encoder's input is the same at every step, so the first layer multiplies it
        // once forward and takes its weight gradient once from the gradient summed over the 4 steps; the second
        // layer runs per step forward, for its weight gradient and for its input gradient; the first layer needs
        // no input gradient.
        double expected = 2.0 * (784 * 64 + 3 * 4 * 64 * 10 + 784 * 64);
        assertEquals(expected, ScaleModelCommand.flopsPerImage(cfg), 0);
        assertTrue(ScaleModelCommand.taskNanosPerValue(1 << 16) > 0);
    }
}
