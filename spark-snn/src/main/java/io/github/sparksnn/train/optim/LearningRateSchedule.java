package io.github.sparksnn.train.optim;

/**
 * The learning rate as a function of the scheduler step {@code t} (the trainer advances it once per epoch, as
 * PyTorch's {@code scheduler.step()} in the usual loop) and the base rate. Its {@code toString()} gives the spec that
 * {@link LearningRateSchedules#parse(String)} reads back.
 */
public interface LearningRateSchedule {

    /** The rate at scheduler step {@code t >= 0}. */
    double learningRate(double baseLr, long t);

    /**
     * The schedule with any horizon left open filled in with the run's length ({@code cosine} without
     * {@code t_max} anneals over all {@code totalSteps}); others return themselves.
     */
    default LearningRateSchedule resolve(long totalSteps) {
        return this;
    }

    /** Constant rate ({@code constant}). */
    static LearningRateSchedule constant() {
        return Constant.INSTANCE;
    }

    /** PyTorch's {@code CosineAnnealingLR(T_max, eta_min)}. */
    static LearningRateSchedule cosine(long tMax, double etaMin) {
        return new CosineAnnealing(tMax, etaMin);
    }

    /** The constant schedule. */
    final class Constant implements LearningRateSchedule {
        static final Constant INSTANCE = new Constant();

        private Constant() {
        }

        @Override
        public double learningRate(double baseLr, long t) {
            return baseLr;
        }

        @Override
        public String toString() {
            return "constant";
        }
    }

    /**
     * Cosine annealing, the closed form of PyTorch's {@code CosineAnnealingLR}:
     * {@code eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2}. Past {@code T_max} the cosine
     * continues (rising again), as PyTorch's closed form does. {@code tMax = 0} leaves the horizon open until
     * {@link #resolve(long)}.
     */
    record CosineAnnealing(long tMax, double etaMin) implements LearningRateSchedule {

        public CosineAnnealing {
            if (tMax < 0) {
                throw new IllegalArgumentException("cosine: parameter 't_max' must be >= 1 (or 0 for the run's "
                        + "length), got " + tMax);
            }
            if (!Double.isFinite(etaMin) || etaMin < 0) {
                throw new IllegalArgumentException("cosine: parameter 'eta_min' must be finite and >= 0, got "
                        + etaMin);
            }
        }

        @Override
        public double learningRate(double baseLr, long t) {
            if (tMax == 0) {
                throw new IllegalStateException("cosine schedule without t_max: call resolve(totalSteps) first");
            }
            if (t < 0) {
                throw new IllegalArgumentException("scheduler step must be >= 0, got " + t);
            }
            return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
        }

        @Override
        public LearningRateSchedule resolve(long totalSteps) {
            if (tMax != 0) {
                return this;
            }
            if (totalSteps < 1) {
                throw new IllegalArgumentException("cosine: cannot anneal over " + totalSteps + " steps");
            }
            return new CosineAnnealing(totalSteps, etaMin);
        }

        @Override
        public String toString() {
            return tMax == 0 ? "cosine(eta_min=" + etaMin + ")" : "cosine(t_max=" + tMax + ", eta_min=" + etaMin + ")";
        }
    }
}
