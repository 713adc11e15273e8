package io.github.sparksnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class EngineConfigTest {
    static EngineConfig base() {
        return EngineConfig.builder().modelSpec(CpuGradientEngineTest.MLP).inputShape(1, 4, 4).build();
    }

    @Test
    void defaultsAndFluentCopies() {
        EngineConfig c = base();
        assertEquals(4, c.timeSteps());
        assertEquals("direct", c.encoder());
        assertEquals("mse", c.loss());
        assertEquals(0, c.seed());
        assertEquals(1, c.threads());
        assertEquals("cpu", c.backend());
        assertEquals(16, c.featureSize());
        assertEquals(3, c.numClasses());
        EngineConfig d = c.withSeed(5).withTimeSteps(8).withEncoder("POISSON").withLoss("ce").withThreads(2);
        assertEquals(5, d.seed());
        assertEquals(8, d.timeSteps());
        assertEquals("poisson", d.encoder());
        assertEquals("ce", d.loss());
        assertEquals(2, d.threads());
        assertEquals(0, c.seed(), "immutable");
        assertEquals(d, d.toBuilder().build());
        assertNotEquals(c, d);
        int[] shape = c.inputShape();
        shape[0] = 99;
        assertArrayEquals(new int[]{1, 4, 4}, c.inputShape(), "defensive copies");
    }

    @Test
    void serializesToAnEqualConfigThatBuildsTheSameEngine() throws Exception {
        EngineConfig c = base().withSeed(9).withEncoder("poisson");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bos)) {
            o.writeObject(c);
        }
        EngineConfig back;
        try (ObjectInputStream i = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            back = (EngineConfig) i.readObject();
        }
        assertEquals(c, back);
        assertEquals(c.spec(), back.spec());
        assertArrayEquals(c.initialParameters(), back.initialParameters());
    }

    @Test
    void invalidSettingsFailAtBuildWithClearMessages() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> base().withTimeSteps(0)).getMessage().contains("timeSteps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> base().withThreads(0)).getMessage().contains("threads"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> base().withLoss("hinge")).getMessage().contains("hinge"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> base().withEncoder("rank")).getMessage().contains("rank"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> base().withModelSpec("flatten | linear(16, 4) | lif(tau=1)"))
                .getMessage().contains("tau must be > 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> base().withModelSpec("flatten | linear(16, 1)"))
                .getMessage().contains(">= 2 class scores"));
        assertThrows(NullPointerException.class, () -> EngineConfig.builder().inputShape(4).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base().withBackend("tpu").create());
        assertTrue(e.getMessage().contains("unknown backend 'tpu'") && e.getMessage().contains("cpu"), e.getMessage());
    }
}
