package io.github.sparksnn.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Not a timing test: the loop-shape experiment must compare rewrites that compute exactly what the library does. */
class LoopShapeBenchTest {

    @Test
    void rewritesMatchTheLibraryBitForBit() {
        for (long seed = 1; seed <= 3; seed++) {
            LoopShapeBench bench = new LoopShapeBench(1 << 15, seed);
            assertDoesNotThrow(bench::verify);
        }
    }

    @Test
    void theMinMaxStepIsExactAtTheEdges() {
        assertEquals(0f, LoopShapeBench.step(0f));
        assertEquals(0f, LoopShapeBench.step(-0f));
        assertEquals(1f, LoopShapeBench.step(Float.MIN_VALUE), "the smallest positive float still steps to 1");
        assertEquals(0f, LoopShapeBench.step(-Float.MIN_VALUE));
        assertEquals(1f, LoopShapeBench.step(Float.MAX_VALUE));
        assertEquals(0f, LoopShapeBench.step(-Float.MAX_VALUE));
    }

    @Test
    void rejectsTooSmallSizes() {
        assertThrows(IllegalArgumentException.class, () -> new LoopShapeBench(100, 1));
    }
}
