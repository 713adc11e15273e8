package io.github.sparksnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Not a timing test: the table has both ways for both layers, and both ways were checked equal before timing. */
class BenchNeuronPoolCommandTest {
    @Test
    void printsBothWaysForBothLayersAfterCheckingThemEqual() {
        CliRun run = CliRun.of("bench", "neuron-pool", "--batch-size", "2", "--channels", "3", "--rounds", "1",
                "--warmup", "1");
        assertEquals(0, run.exitCode(), run.toString());
        long stored = run.outLines().stream().filter(l -> l.contains("stored h, s, argmax")).count();
        long recomputed = run.outLines().stream().filter(l -> l.contains("recomputed in backward")).count();
        assertEquals(2, stored, run.toString());
        assertEquals(2, recomputed, run.toString());
        assertTrue(run.out().contains("1.00x") && run.out().contains("checked equal bit for bit"), run.toString());
    }

    @Test
    void rejectsZeroRounds() {
        CliRun run = CliRun.of("bench", "neuron-pool", "--rounds", "0");
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("must be >= 1"), run.toString());
    }
}
