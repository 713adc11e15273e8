package io.github.sparksnn.bench.scale;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands the bench would run to build and tear down its network, read without running them. */
class NamespacePlanTest {

    @Test
    void namesAndAddressesCarryThePidAndStayInTheSubnet() {
        NamespacePlan p = new NamespacePlan(4242, 3, 1);
        assertEquals(List.of("snnb4242-sw", "snnb4242-drv", "snnb4242-h1", "snnb4242-h2", "snnb4242-h3"), p.namespaces());
        assertEquals("10.213.0.1", p.driverAddress());
        assertEquals("10.213.0.11", p.hostAddress(1));
        assertEquals("10.213.0.13", p.hostAddress(3));
        assertEquals("p3", p.hostPort(3));
        assertThrows(IllegalArgumentException.class, () -> p.hostNs(4));
        assertThrows(IllegalArgumentException.class, () -> new NamespacePlan(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new NamespacePlan(1, 201, 1));
        assertThrows(IllegalArgumentException.class, () -> new NamespacePlan(1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new NamespacePlan(1, 2, Double.NaN));
    }

    @Test
    void ratesAreExactInKbit() {
        assertEquals("1000000kbit", new NamespacePlan(1, 1, 1).tcRate());
        assertEquals("2500000kbit", new NamespacePlan(1, 1, 2.5).tcRate());
        assertEquals("100000kbit", new NamespacePlan(1, 1, 0.1).tcRate());
    }

    @Test
    void setupAddsTheNamespacesFirstThenOneShapedLinkPerEndpoint() {
        NamespacePlan p = new NamespacePlan(7, 2, 1);
        List<List<String>> c = p.setup();
        for (int i = 0; i < 4; i++) {
            assertEquals(List.of("ip", "netns", "add", p.namespaces().get(i)), c.get(i));
        }
        assertTrue(c.contains(List.of("ip", "-n", "snnb7-sw", "link", "add", "br0", "type", "bridge")), c.toString());
        // One veth per endpoint, created inside the switch namespace with its peer moved straight into the endpoint.
        for (String[] e : new String[][]{{"pdrv", "snnb7-drv", "10.213.0.1"}, {"p1", "snnb7-h1", "10.213.0.11"},
                {"p2", "snnb7-h2", "10.213.0.12"}}) {
            assertTrue(c.contains(List.of("ip", "-n", "snnb7-sw", "link", "add", e[0], "type", "veth", "peer", "name",
                    "eth0", "netns", e[1])), e[0]);
            assertTrue(c.contains(List.of("ip", "-n", "snnb7-sw", "link", "set", e[0], "master", "br0")), e[0]);
            assertTrue(c.contains(List.of("ip", "-n", e[1], "addr", "add", e[2] + "/24", "dev", "eth0")), e[1]);
            // Shaped both ways: the endpoint's egress and the bridge port's egress (the endpoint's ingress).
            assertTrue(c.contains(List.of("tc", "-n", e[1], "class", "add", "dev", "eth0", "parent", "1:", "classid",
                    "1:10", "htb", "rate", "1000000kbit", "ceil", "1000000kbit", "quantum", "65536")), e[1]);
            assertTrue(c.contains(List.of("tc", "-n", "snnb7-sw", "class", "add", "dev", e[0], "parent", "1:",
                    "classid", "1:10", "htb", "rate", "1000000kbit", "ceil", "1000000kbit", "quantum", "65536")), e[0]);
        }
        assertEquals(6, c.stream().filter(x -> x.get(0).equals("tc") && x.get(3).equals("qdisc")).count());
        // Nothing outside the plan's namespaces: every device command names one of them.
        Set<String> ours = Set.copyOf(p.namespaces());
        for (List<String> x : c.subList(4, c.size())) {
            assertEquals("-n", x.get(1), x.toString());
            assertTrue(ours.contains(x.get(2)), x.toString());
        }
    }

    @Test
    void teardownDeletesExactlyThePlansNamespacesSwitchLast() {
        NamespacePlan p = new NamespacePlan(7, 2, 1);
        assertEquals(List.of(List.of("ip", "netns", "del", "snnb7-h2"), List.of("ip", "netns", "del", "snnb7-h1"),
                List.of("ip", "netns", "del", "snnb7-drv"), List.of("ip", "netns", "del", "snnb7-sw")), p.teardown());
    }

    @Test
    void staleNamespacesAreOnlyThoseOfThisBenchWhoseProcessIsGone() {
        List<String> existing = List.of("snnb10-sw", "snnb10-h1", "snnb11-drv", "other-ns", "snnb12-x", "snnbx-sw",
                "snnb10-h12");
        assertEquals(List.of("snnb10-sw", "snnb10-h1", "snnb10-h12"),
                NamespacePlan.stale(existing, pid -> pid == 11));
        assertEquals(List.of(), NamespacePlan.stale(existing, pid -> true));
    }
}
