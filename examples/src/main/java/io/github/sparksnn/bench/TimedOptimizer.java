package io.github.sparksnn.bench;

import io.github.sparksnn.train.optim.Optimizer;
import io.github.sparksnn.train.optim.OptimizerState;

/** An optimizer that forwards to another and adds up the time spent in {@link #step}. */
final class TimedOptimizer implements Optimizer {
    private final Optimizer target;
    long nanos;

    TimedOptimizer(Optimizer target) {
        this.target = target;
    }

    @Override
    public void step(float[] params, float[] grad, double lr) {
        long t0 = System.nanoTime();
        target.step(params, grad, lr);
        nanos += System.nanoTime() - t0;
    }

    @Override
    public long steps() {
        return target.steps();
    }

    @Override
    public OptimizerState state() {
        return target.state();
    }

    @Override
    public void restore(OptimizerState state) {
        target.restore(state);
    }

    @Override
    public void reset() {
        target.reset();
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public String toString() {
        return target.toString();
    }
}
