package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cache behind the formula classes and the SQL functions' specs: least recently used out first, bounded. */
class LruCacheTest {
    @Test
    void evictsTheLeastRecentlyUsedNotEverything() {
        LruCache<String, Integer> c = new LruCache<>(2);
        c.putIfAbsent("a", 1);
        c.putIfAbsent("b", 2);
        assertEquals(1, c.get("a")); // a is now the most recently used
        c.putIfAbsent("c", 3);
        assertEquals(2, c.size());
        assertTrue(c.containsKey("a"));
        assertFalse(c.containsKey("b"));
        assertTrue(c.containsKey("c"));
        assertEquals(3, c.putIfAbsent("c", 4), "the value already kept wins");
    }

    @Test
    void staysBoundedUnderConcurrentUse() throws Exception {
        LruCache<Integer, Integer> c = new LruCache<>(16);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    int k = (i * 31 + seed) % 64;
                    if (c.get(k) == null) {
                        c.putIfAbsent(k, k);
                    }
                    assertTrue(c.size() <= 16);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(16, c.size());
        assertThrows(IllegalArgumentException.class, () -> new LruCache<>(0));
    }
}
