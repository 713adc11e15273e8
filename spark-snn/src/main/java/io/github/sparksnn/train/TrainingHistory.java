package io.github.sparksnn.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The per-epoch results of a run, in order. */
public final class TrainingHistory implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final List<EpochResult> epochs = new ArrayList<>();

    void add(EpochResult r) {
        epochs.add(r);
    }

    public List<EpochResult> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    public int size() {
        return epochs.size();
    }

    /** The last epoch's result; throws when no epoch ran. */
    public EpochResult last() {
        if (epochs.isEmpty()) {
            throw new IllegalStateException("no epoch has run");
        }
        return epochs.get(epochs.size() - 1);
    }

    /** The best test accuracy over the epochs (NaN when there was no evaluation). */
    public double bestTestAccuracy() {
        double best = Double.NaN;
        for (EpochResult r : epochs) {
            if (!Double.isNaN(r.testAccuracy()) && !(r.testAccuracy() <= best)) {
                best = r.testAccuracy();
            }
        }
        return best;
    }

    /** CSV with a header: epoch,lr,steps,train_loss,train_acc,test_acc,train_s,eval_s,samples_per_s. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("epoch,lr,steps,train_loss,train_acc,test_acc,train_s,eval_s,samples_per_s\n");
        for (EpochResult r : epochs) {
            sb.append(String.format(Locale.ROOT, "%d,%.6g,%d,%.6f,%.6f,%.6f,%.3f,%.3f,%.1f%n", r.epoch() + 1,
                    r.learningRate(), r.steps(), r.trainLoss(), r.trainAccuracy(), r.testAccuracy(),
                    r.trainSeconds(), r.evalSeconds(), r.samplesPerSecond()));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (EpochResult r : epochs) {
            sb.append(r).append('\n');
        }
        return sb.toString();
    }
}
