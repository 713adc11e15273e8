package io.github.sparksnn.ml.train.state;

import io.github.sparksnn.train.optim.Optimizer;
import io.github.sparksnn.train.optim.OptimizerState;
import io.github.sparksnn.train.optim.Optimizers;

import java.util.List;

/** The core's {@link Optimizer} (SGD, Adam, AdamW) as the distributed loop's {@link UpdateRule}. */
public final class OptimizerUpdateRule implements UpdateRule {
    private static final long serialVersionUID = 1L;

    private final transient Optimizer optimizer;

    public OptimizerUpdateRule(Optimizer optimizer) {
        this.optimizer = optimizer;
    }

    @Override
    public void step(float[] params, float[] meanGrad, double lr) {
        optimizer.step(params, meanGrad, lr);
    }

    @Override
    public boolean elementWise() {
        return true;
    }

    @Override
    public Optimizer.Update begin(int n, double lr) {
        return optimizer.begin(n, lr);
    }

    @Override
    public OptimizerState state() {
        return optimizer.state();
    }

    @Override
    public void restore(OptimizerState state) {
        optimizer.restore(state);
    }

    @Override
    public List<String> bufferNames() {
        return optimizer.bufferNames();
    }

    /** Parses the spec (e.g. {@code adam(beta1=0.9)}) wherever a rule is needed; fails early on bad specs. */
    public record Factory(String spec) implements UpdateRule.Factory {
        public Factory {
            Optimizers.parse(spec);
        }

        @Override
        public UpdateRule create(int numParameters) {
            return new OptimizerUpdateRule(Optimizers.parse(spec));
        }
    }
}
