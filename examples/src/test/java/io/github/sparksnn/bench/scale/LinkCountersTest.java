package io.github.sparksnn.bench.scale;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LinkCountersTest {

    @Test
    void parsesPortLinesAndSubtracts() {
        Map<String, LinkCounters.Count> a = LinkCounters.parse("br0 300 594\nlo 0 0\npdrv 266 638\np1 176 356\ngarbage\n");
        Map<String, LinkCounters.Count> b = LinkCounters.parse("br0 892 994\nlo 0 0\npdrv 157447940 43480\np1 42278 157448680\n");
        assertEquals(4, a.size());
        Map<String, LinkCounters.Count> d = LinkCounters.delta(a, b);
        assertEquals(new LinkCounters.Count(157447674, 42842), d.get("pdrv"));
        assertEquals(new LinkCounters.Count(42102, 157448324), d.get("p1"));
    }
}
