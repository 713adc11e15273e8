package io.github.sparksnn.surrogate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded map that forgets the least recently used entry when full: the formula compiler's class cache and the
 * SQL functions' spec cache. A cache that clears everything when full makes a query over a column of more distinct
 * formulas than it holds recompile every one of them, row after row; with LRU the formulas in use stay. All methods
 * take the cache's lock (a {@link LinkedHashMap} in access order reorders itself even on {@code get}); values are
 * computed outside it, so a slow computation (a Janino compile) never blocks lookups of other keys.
 */
public final class LruCache<K, V> {
    private final int capacity;
    private final LinkedHashMap<K, V> map;

    /** A cache of at most {@code capacity} entries ({@code >= 1}). */
    public LruCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("LruCache capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > LruCache.this.capacity;
            }
        };
    }

    /** The value of {@code key} (now the most recently used), or null. */
    public synchronized V get(K key) {
        return map.get(key);
    }

    /**
     * Keeps {@code value} for {@code key} unless a value is already there (a concurrent computation of the same key
     * won); returns the value kept, which is then the most recently used. May evict the least recently used entry.
     */
    public synchronized V putIfAbsent(K key, V value) {
        V old = map.get(key);
        if (old != null) {
            return old;
        }
        map.put(key, value);
        return value;
    }

    /** Whether {@code key} is held, without making it the most recently used. */
    public synchronized boolean containsKey(K key) {
        return map.containsKey(key);
    }

    /** The number of entries held. */
    public synchronized int size() {
        return map.size();
    }

    /** The most entries held at once. */
    public int capacity() {
        return capacity;
    }
}
