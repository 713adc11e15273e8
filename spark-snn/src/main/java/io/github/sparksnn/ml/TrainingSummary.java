package io.github.sparksnn.ml;

import io.github.sparksnn.ml.train.state.EpochMetrics;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * What {@link SpikingNetworkClassifier#fit} did, epoch by epoch, like MLlib's training summaries: mean training
 * loss, training accuracy (running, over the batches as they were trained), validation accuracy (NaN without a
 * {@code validationIndicatorCol}), wall time and images per second, plus Spark's share of each step
 * (mean step wall time against the slowest partition's compute time).
 */
public final class TrainingSummary implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<EpochMetrics> epochs;
    private final int resumedFromEpoch;
    private final int numPartitions;
    private final long numTrainingSamples;

    private final String syncMode;
    private final List<String> partitionBackends;

    TrainingSummary(List<EpochMetrics> epochs, int resumedFromEpoch, int numPartitions, long numTrainingSamples) {
        this(epochs, resumedFromEpoch, numPartitions, numTrainingSamples, "jobs", List.of());
    }

    TrainingSummary(List<EpochMetrics> epochs, int resumedFromEpoch, int numPartitions, long numTrainingSamples,
                    String syncMode, List<String> partitionBackends) {
        this.syncMode = syncMode;
        this.partitionBackends = List.copyOf(partitionBackends);
        this.epochs = List.copyOf(epochs);
        this.resumedFromEpoch = resumedFromEpoch;
        this.numPartitions = numPartitions;
        this.numTrainingSamples = numTrainingSamples;
    }

    /** Per-epoch metrics, in order (epochs of a resumed run include those read from the checkpoint). */
    public List<EpochMetrics> epochs() {
        return epochs;
    }

    /** Number of epochs recorded ({@code totalIterations} in MLlib's terms). */
    public int totalIterations() {
        return epochs.size();
    }

    /** Epochs that came from a checkpoint rather than from this fit (0 without resume). */
    public int resumedFromEpoch() {
        return resumedFromEpoch;
    }

    /** The synchronization mode that ran: {@code barrier} or {@code jobs}. */
    public String syncMode() {
        return syncMode;
    }

    /** Barrier mode: what each partition ran on in the last epoch ("partition p: executor X, backend"). */
    public List<String> partitionBackends() {
        return partitionBackends;
    }

    public int numPartitions() {
        return numPartitions;
    }

    public long numTrainingSamples() {
        return numTrainingSamples;
    }

    /** Mean training loss per epoch ({@code objectiveHistory} in MLlib's terms). */
    public double[] lossHistory() {
        return epochs.stream().mapToDouble(EpochMetrics::loss).toArray();
    }

    public double[] trainAccuracyHistory() {
        return epochs.stream().mapToDouble(EpochMetrics::trainAccuracy).toArray();
    }

    public double[] validationAccuracyHistory() {
        return epochs.stream().mapToDouble(EpochMetrics::validationAccuracy).toArray();
    }

    public double[] epochSeconds() {
        return epochs.stream().mapToDouble(EpochMetrics::seconds).toArray();
    }

    public double[] imagesPerSecond() {
        return epochs.stream().mapToDouble(EpochMetrics::imagesPerSecond).toArray();
    }

    /** The metrics as CSV with a header line (the step breakdown columns are empty where a mode does not measure). */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("epoch,loss,train_accuracy,validation_accuracy,seconds,images_per_second,"
                + "steps,step_ms,compute_ms,compute_sum_ms,sync_mode,transfer_ms,aggregation_ms,optimizer_ms,"
                + "driver_bytes_per_step,task_wait_ms,task_bytes_per_step\n");
        for (EpochMetrics m : epochs) {
            sb.append(String.format(Locale.ROOT,
                    "%d,%.6f,%.6f,%.6f,%.3f,%.1f,%d,%.3f,%.3f,%.3f,%s,%.3f,%s,%s,%s,%s,%s%n",
                    m.epoch(), m.loss(), m.trainAccuracy(), m.validationAccuracy(), m.seconds(), m.imagesPerSecond(),
                    m.steps(), m.stepMillis(), m.computeMillis(), m.computeSumMillis(), m.syncMode(),
                    m.transferMillis(), csv(m.aggregationMillis()), csv(m.optimizerMillis()),
                    csv(m.driverBytesPerStep()), csv(m.taskWaitMillis()), csv(m.taskBytesPerStep())));
        }
        return sb.toString();
    }

    private static String csv(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }

    /**
     * A table, one row per epoch; the {@code val_acc} column only when a validation set was evaluated (a column of
     * NaN says nothing).
     */
    @Override
    public String toString() {
        boolean val = epochs.stream().anyMatch(m -> !Double.isNaN(m.validationAccuracy()));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "TrainingSummary(%d samples, %d partitions, syncMode=%s)%n", numTrainingSamples, numPartitions,
                syncMode));
        java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
        for (String b : partitionBackends) {
            int i = b.indexOf(", ");
            kinds.merge(i < 0 ? b : b.substring(i + 2), 1, Integer::sum);
        }
        kinds.forEach((k, n) -> sb.append(String.format(Locale.ROOT, "backend: %d partition(s) on %s%n", n, k)));
        sb.append(String.format(Locale.ROOT, "%5s %9s %9s%s %8s %9s %8s %8s %8s%n", "epoch", "loss", "train_acc",
                val ? String.format(Locale.ROOT, " %9s", "val_acc") : "", "seconds", "images/s", "step_ms", "compute",
                "other"));
        for (EpochMetrics m : epochs) {
            sb.append(String.format(Locale.ROOT, "%5d %9.5f %9.4f%s %8.2f %9.1f %8.2f %8.2f %8.2f%n", m.epoch(),
                    m.loss(), m.trainAccuracy(), val ? String.format(Locale.ROOT, " %9.4f", m.validationAccuracy()) : "",
                    m.seconds(), m.imagesPerSecond(), m.stepMillis(), m.computeMillis(), m.overheadMillis()));
        }
        return sb.toString();
    }
}
