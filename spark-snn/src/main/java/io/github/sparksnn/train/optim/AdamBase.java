package io.github.sparksnn.train.optim;

/**
 * The shared body of {@link Adam} and {@link AdamW}: PyTorch's single-tensor Adam with bias correction and
 * {@code eps} added outside the square root. With {@code t} the step count after increment:
 * <pre>
 *   p  = p * (1 - lr * wd_decoupled)                   (AdamW only)
 *   g  = grad + wd_l2 * p                              (Adam only)
 *   m  = beta1 * m + (1 - beta1) * g
 *   v  = beta2 * v + (1 - beta2) * g^2
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The scalars are computed in double once per step; the element-wise loop is one fused float pass.
 */
abstract sealed class AdamBase implements Optimizer permits Adam, AdamW {

    final double beta1;
    final double beta2;
    final double eps;
    final double weightDecay;
    private long step;
    private float[] m;
    private float[] v;

    AdamBase(double beta1, double beta2, double eps, double weightDecay) {
        check("beta1", beta1, beta1 >= 0 && beta1 < 1);
        check("beta2", beta2, beta2 >= 0 && beta2 < 1);
        check("eps", eps, eps >= 0);
        check("weight_decay", weightDecay, weightDecay >= 0);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    private void check(String key, double value, boolean ok) {
        if (!Double.isFinite(value) || !ok) {
            throw new IllegalArgumentException(name() + ": parameter '" + key + "' out of range: " + value
                    + ("beta1".equals(key) || "beta2".equals(key) ? " (needs 0 <= beta < 1)" : " (needs >= 0)"));
        }
    }

    abstract boolean decoupled();

    @Override
    public final Update begin(int n, double lr) {
        Optimizer.checkLearningRate(lr);
        if (m == null) {
            m = new float[n];
            v = new float[n];
        } else if (m.length != n) {
            throw new IllegalArgumentException(name() + " state holds " + m.length + " parameters, step got " + n);
        }
        step++;
        final double bc1 = 1 - Math.pow(beta1, step);
        final double bc2 = 1 - Math.pow(beta2, step);
        final float stepSize = (float) (lr / bc1);
        final float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
        final float b1 = (float) beta1;
        final float b2 = (float) beta2;
        final float a1 = (float) (1 - beta1);
        final float a2 = (float) (1 - beta2);
        final float e = (float) eps;
        final float l2 = decoupled() ? 0f : (float) weightDecay;
        final float shrink = decoupled() ? (float) (1 - lr * weightDecay) : 1f;
        final float[] mm = m;
        final float[] vv = v;
        return (params, grad, scale, from, to) -> {
            for (int i = from; i < to; i++) {
                float p = params[i] * shrink;
                float g = grad[i] * scale + l2 * p;
                float mi = b1 * mm[i] + a1 * g;
                float vi = b2 * vv[i] + a2 * g * g;
                mm[i] = mi;
                vv[i] = vi;
                params[i] = p - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + e);
            }
        };
    }

    @Override
    public final long steps() {
        return step;
    }

    @Override
    public final OptimizerState state() {
        return new OptimizerState(name(), toString(), step, m == null ? new float[0][] : new float[][] {m, v});
    }

    @Override
    public final java.util.List<String> bufferNames() {
        return java.util.List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    public final void restore(OptimizerState s) {
        if (!s.optimizer().equals(name())) {
            throw new IllegalArgumentException("cannot restore " + s.optimizer() + " state into " + this);
        }
        float[][] b = s.buffersUnsafe();
        boolean fits = (b.length == 0 && s.step() == 0)
                || (b.length == 2 && b[0].length == b[1].length && s.step() > 0);
        if (!fits) {
            throw new IllegalArgumentException(name() + " state with " + b.length + " buffers at step " + s.step()
                    + " does not fit (expected exp_avg and exp_avg_sq of equal length after step 1)");
        }
        step = s.step();
        m = b.length == 0 ? null : b[0].clone();
        v = b.length == 0 ? null : b[1].clone();
    }

    @Override
    public final void reset() {
        step = 0;
        m = null;
        v = null;
    }

    public final double beta1() {
        return beta1;
    }

    public final double beta2() {
        return beta2;
    }

    public final double eps() {
        return eps;
    }

    public final double weightDecay() {
        return weightDecay;
    }

    @Override
    public final String toString() {
        return name() + "(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", weight_decay=" + weightDecay
                + ")";
    }

    @Override
    public final boolean equals(Object o) {
        return o instanceof AdamBase a && a.getClass() == getClass() && a.toString().equals(toString());
    }

    @Override
    public final int hashCode() {
        return toString().hashCode();
    }
}
