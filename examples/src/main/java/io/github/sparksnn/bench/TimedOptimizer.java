package io.github.sparksnn.bench;

import io.github.sparksnn.train.optim.Optimizer;
import io.github.sparksnn.train.optim.OptimizerState;

/** An optimizer that forwards to another and adds up the time spent in its steps (one thread at a time). */
final class TimedOptimizer implements Optimizer {
    private final Optimizer target;
    long nanos;

    TimedOptimizer(Optimizer target) {
        this.target = target;
    }

    /** Times the element-wise work, wherever the engine applies it (in the step or in its threads' ranges). */
    @Override
    public Update begin(int n, double lr) {
        long t0 = System.nanoTime();
        Update u = target.begin(n, lr);
        nanos += System.nanoTime() - t0;
        return (params, grad, scale, from, to) -> {
            long t1 = System.nanoTime();
            u.apply(params, grad, scale, from, to);
            nanos += System.nanoTime() - t1;
        };
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
    public java.util.List<String> bufferNames() {
        return target.bufferNames();
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
