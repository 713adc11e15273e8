package io.github.sparksnn.bench.scale;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Builds two hosts, a driver and a switch for real, checks the shaping and the counters, and removes them. */
class NamespaceLiveTest {

    @Test
    void buildsShapedLinksAndRemovesEveryNamespace() throws Exception {
        String cannot = ScaleBenchCommand.cannotRunHere();
        assumeTrue(cannot == null, "skipped: " + cannot);
        NamespacePlan plan = new NamespacePlan(ProcessHandle.current().pid(), 2, 0.5);
        StringWriter err = new StringWriter();
        Path work = Files.createTempDirectory("snn-scale-test");
        try (EmulatedCluster c = new EmulatedCluster(plan, work, new PrintWriter(err, true))) {
            c.build();
            assertEquals(plan.namespaces(), c.created());
            assertTrue(namespaces().containsAll(plan.namespaces()), namespaces().toString());
            String tc = output("tc", "-n", plan.hostNs(1), "class", "show", "dev", "eth0");
            assertTrue(tc.contains("rate 500Mbit"), tc);
            String port = output("tc", "-n", plan.switchNs(), "class", "show", "dev", "p2");
            assertTrue(port.contains("rate 500Mbit"), port);
            String addr = output("ip", "-n", plan.hostNs(2), "-br", "addr", "show", "dev", "eth0");
            assertTrue(addr.contains("10.213.0.12/24"), addr);
            Map<String, LinkCounters.Count> counters = LinkCounters.read(plan.portCountersCommand());
            assertTrue(counters.keySet().containsAll(List.of("pdrv", "p1", "p2", "br0")), counters.toString());
            try (LinkCounters.Reader r = new LinkCounters.Reader(plan.switchNs())) {
                assertEquals(counters.keySet(), r.read().keySet());
            }
        }
        List<String> left = namespaces();
        for (String n : plan.namespaces()) {
            assertFalse(left.contains(n), n + " left behind: " + left + "\n" + err);
        }
        assertEquals("", err.toString());
    }

    private static List<String> namespaces() throws Exception {
        return output("ip", "netns", "list").lines().map(l -> l.trim().split("\\s+")[0]).toList();
    }

    private static String output(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + s);
        return s;
    }
}
