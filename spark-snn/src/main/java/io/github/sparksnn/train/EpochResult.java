package io.github.sparksnn.train;

/**
 * What one epoch did.
 *
 * @param epoch         0-based epoch index
 * @param learningRate  the rate used in this epoch
 * @param steps         optimizer steps taken
 * @param trainLoss     mean per-sample loss over the epoch (as the engine computed it, before each step)
 * @param trainAccuracy fraction of training samples classified correctly during the epoch's forward passes
 * @param testAccuracy  accuracy on the evaluation set after the epoch, NaN when none was given
 * @param trainSeconds  wall time of the training pass (excluding evaluation)
 * @param evalSeconds   wall time of the evaluation (0 when none)
 * @param samples       training samples seen
 */
public record EpochResult(int epoch, double learningRate, int steps, double trainLoss, double trainAccuracy,
                          double testAccuracy, double trainSeconds, double evalSeconds, long samples)
        implements java.io.Serializable {

    /** Training throughput of the epoch. */
    public double samplesPerSecond() {
        return trainSeconds > 0 ? samples / trainSeconds : Double.NaN;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "epoch %d: lr=%.3g loss=%.4f train_acc=%.4f test_acc=%.4f time=%.1fs (%.0f samples/s) eval=%.1fs",
                epoch + 1, learningRate, trainLoss, trainAccuracy, testAccuracy, trainSeconds, samplesPerSecond(),
                evalSeconds);
    }
}
