package io.github.sparksnn.ml.train;

import java.io.Serializable;

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
    public Serializable state() {
        return velocity.clone();
    }

    @Override
    public void restore(Serializable state) {
        velocity = ((float[]) state).clone();
    }

    public record Factory(float momentum) implements UpdateRule.Factory {
        @Override
        public UpdateRule create(int n) {
            return new Sgd(n, momentum);
        }
    }
}
