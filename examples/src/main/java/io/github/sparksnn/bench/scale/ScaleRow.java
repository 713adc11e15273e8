package io.github.sparksnn.bench.scale;

/**
 * What one row of {@code snn bench scale} measured, per training step (means over the measured steps).
 *
 * @param hosts           hosts asked for (P)
 * @param tasks           barrier tasks (P x tasks per host)
 * @param hostsUsed       distinct hosts the tasks ran on
 * @param simulated       the engine was {@link SimulatedEngineFactory}'s wait, not the real engine
 * @param imagesPerStep   global batch (tasks x batch per task)
 * @param stepMs          the driver's wall time per step ({@code EpochMetrics.stepMillis})
 * @param computeMs       the slowest task's engine time per step ({@code EpochMetrics.computeMillis})
 * @param taskWaitMs      mean over tasks of the time a task waits per step outside its engine
 *                        ({@code EpochMetrics.taskWaitMillis})
 * @param busiestLink     name of the link that carried the most bytes one way ({@code drv}, {@code h1} ...)
 * @param busiestOutBytes bytes per step that link's endpoint sent (read from the bridge port's rx counter)
 * @param busiestInBytes  bytes per step that link's endpoint received (the bridge port's tx counter)
 * @param driverOutBytes  bytes per step the driver's namespace sent, from the counters
 * @param driverInBytes   bytes per step the driver's namespace received, from the counters
 */
public record ScaleRow(int hosts, int tasks, int hostsUsed, boolean simulated, long imagesPerStep, double stepMs,
                       double computeMs, double taskWaitMs, String busiestLink, double busiestOutBytes,
                       double busiestInBytes, double driverOutBytes, double driverInBytes) {

    /** Step time minus the slowest task's compute: moving, adding and waiting. */
    public double commMs() {
        return stepMs - computeMs;
    }

    public double imagesPerSecond() {
        return imagesPerStep / stepMs * 1e3;
    }

    /** The busiest link's larger direction, bytes per step. */
    public double busiestBytes() {
        return Math.max(busiestOutBytes, busiestInBytes);
    }

    /** The link-bound limit: max(compute, the busiest link's larger direction at {@code gbit}), ms. */
    public double limitMs(double gbit) {
        return Math.max(computeMs, busiestBytes() * 8 / (gbit * 1e9) * 1e3);
    }
}
