package io.github.sparksnn.bench;

import io.github.sparksnn.cli.CliRun;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code snn bench transport} at toy sizes: every transport echoes the vector back intact (a wrong echo fails the
 * row), each row reports positive times and CPU, and the Spark GCM row is either measured or fails with the known
 * Spark issue named; bad options are one-line usage errors.
 */
class TransportBenchCommandTest {
    private static String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[]{Integer.toString(r.exitCode()), r.out(), r.err()};
    }

    @Test
    void everyTransportEchoesAndGetsARow() {
        String[] r = run("bench", "transport", "--floats", "1000,70000", "--rounds", "3", "--warmup-rounds", "1",
                "--rpc-timeout-ms", "4000");
        assertEquals("0", r[0], r[1] + r[2]);
        List<String> lines = r[1].lines().toList();
        for (String t : new String[]{"snn sockets (AES-GCM tags)", "snn sockets +encrypt", "spark netty, plain",
            "spark netty +auth/AES-CTR"}) {
            List<String> rows = lines.stream().filter(l -> l.startsWith(t)).toList();
            assertEquals(2, rows.size(), t + "\n" + r[1]);
            for (String row : rows) {
                String[] f = row.substring(32).trim().split("\\s+");
                assertTrue(Double.parseDouble(f[1]) > 0 && Double.parseDouble(f[2]) >= 0, row);
                assertTrue(Double.parseDouble(f[3]) >= 0, row);
            }
        }
        List<String> gcm = lines.stream().filter(l -> l.startsWith("spark netty +auth/AES-GCM")).toList();
        assertTrue(gcm.size() == 2 || (gcm.size() == 1 && gcm.get(0).contains("SPARK-56227")), r[1]);
    }

    @Test
    void badOptionsAreUsageErrors() {
        String[] r = run("bench", "transport", "--rounds", "2");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--rounds must be >= 3"), r[2]);
        assertEquals(1, r[2].lines().count(), r[2]);
    }
}
