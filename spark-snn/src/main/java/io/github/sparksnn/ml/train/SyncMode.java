package io.github.sparksnn.ml.train;

import java.util.Locale;

/**
 * How the distributed step loop synchronizes tasks with the driver.
 * <ul>
 *   <li>{@link #BARRIER}: one barrier stage per epoch; tasks stay alive, exchange partial sums and parameters over
 *       the aggregation tree's sockets every step (no Spark job per step; in process under a local master).</li>
 *   <li>{@link #JOBS}: one Spark job per step (broadcast, {@code treeAggregate}); works wherever Spark does,
 *       including with dynamic allocation and fewer task slots than partitions.</li>
 *   <li>{@link #AUTO}: barrier when it can run, else jobs (with one log line saying why).</li>
 * </ul>
 * Both modes compute the same bits from the same seed and partitioning.
 */
public enum SyncMode {
    AUTO, BARRIER, JOBS;

    /** Parses {@code auto|barrier|jobs} (any case); anything else is rejected with the valid values. */
    public static SyncMode parse(String s) {
        if (s != null) {
            for (SyncMode m : values()) {
                if (m.name().equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("unknown syncMode '" + s + "': expected auto, barrier or jobs");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
