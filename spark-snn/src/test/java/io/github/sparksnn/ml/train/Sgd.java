package io.github.sparksnn.ml.train;

import io.github.sparksnn.ml.train.state.UpdateRule;
import io.github.sparksnn.train.optim.OptimizerState;

import java.util.List;

/** Plain SGD with momentum, as test update rule: {@code v = mu v + g; theta -= lr v}. State: the velocity. */
public final class Sgd implements UpdateRule {
    private final float momentum;
    private float[] velocity;

    public Sgd(int n, float momentum) {
        this.momentum = momentum;
        this.velocity = new float[n];
    }

    @Override
    public void step(float[] params, float[] g, double lr) {
        float l = (float) lr;
        for (int i = 0; i < params.length; i++) {
            velocity[i] = momentum * velocity[i] + g[i];
            params[i] -= l * velocity[i];
        }
    }

    @Override
    public OptimizerState state() {
        return new OptimizerState("test-sgd", "test-sgd(momentum=" + momentum + ")", 0, new float[][] {velocity});
    }

    @Override
    public void restore(OptimizerState state) {
        if (!state.optimizer().equals("test-sgd") || state.buffers().length != 1) {
            throw new IllegalArgumentException("test-sgd cannot restore " + state);
        }
        velocity = state.buffers()[0];
    }

    @Override
    public List<String> bufferNames() {
        return List.of("velocity");
    }

    public record Factory(float momentum) implements UpdateRule.Factory {
        @Override
        public UpdateRule create(int n) {
            return new Sgd(n, momentum);
        }
    }
}
