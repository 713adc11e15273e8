package io.github.sparksnn.train.optim;

/**
 * Stochastic gradient descent with momentum, as PyTorch's {@code torch.optim.SGD}:
 * <pre>
 *   g  = grad + weight_decay * p                      (L2 penalty folded into the gradient)
 *   b  = g                                            on the first step, else
 *   b  = momentum * b + (1 - dampening) * g
 *   d  = nesterov ? g + momentum * b : b              (d = g when momentum = 0)
 *   p -= lr * d
 * </pre>
 */
public final class Sgd implements Optimizer {

    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private long step;
    private float[] buf; // momentum buffer, null until the first step (or when momentum = 0)

    public Sgd(double momentum, double dampening, double weightDecay, boolean nesterov) {
        check("momentum", momentum, momentum >= 0);
        check("dampening", dampening, dampening >= 0 && dampening <= 1);
        check("weight_decay", weightDecay, weightDecay >= 0);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException(
                    "sgd: nesterov=true needs momentum > 0 and dampening = 0, got momentum=" + momentum
                            + ", dampening=" + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /** Plain SGD (no momentum, no weight decay). */
    public Sgd() {
        this(0, 0, 0, false);
    }

    static void check(String key, double v, boolean ok) {
        if (!Double.isFinite(v) || !ok) {
            throw new IllegalArgumentException("sgd: parameter '" + key + "' out of range: " + v);
        }
    }

    @Override
    public Update begin(int n, double lr) {
        Optimizer.checkLearningRate(lr);
        if (buf != null && buf.length != n) {
            throw new IllegalArgumentException("sgd state holds " + buf.length + " parameters, step got " + n);
        }
        step++;
        final float flr = (float) lr;
        final float wd = (float) weightDecay;
        if (momentum == 0) {
            return (params, grad, scale, from, to) -> {
                for (int i = from; i < to; i++) {
                    params[i] -= flr * (grad[i] * scale + wd * params[i]);
                }
            };
        }
        final float mu = (float) momentum;
        final float damp = (float) (1 - dampening);
        final boolean first = buf == null;
        if (first) {
            buf = new float[n];
        }
        final float[] b = buf;
        final boolean nest = nesterov;
        // one fused pass; the first step initializes the buffer to g (no dampening), as PyTorch does
        return (params, grad, scale, from, to) -> {
            for (int i = from; i < to; i++) {
                float g = grad[i] * scale + wd * params[i];
                float bi = first ? g : mu * b[i] + damp * g;
                b[i] = bi;
                params[i] -= flr * (nest ? g + mu * bi : bi);
            }
        };
    }

    @Override
    public long steps() {
        return step;
    }

    @Override
    public OptimizerState state() {
        return new OptimizerState(name(), toString(), step, buf == null ? new float[0][] : new float[][] {buf});
    }

    @Override
    public java.util.List<String> bufferNames() {
        return momentum == 0 ? java.util.List.of() : java.util.List.of("momentum_buffer");
    }

    @Override
    public void restore(OptimizerState s) {
        if (!s.optimizer().equals(name())) {
            throw new IllegalArgumentException("cannot restore " + s.optimizer() + " state into " + this);
        }
        float[][] b = s.buffersUnsafe();
        if (b.length > 1 || (b.length == 1) != (momentum != 0 && s.step() > 0)) {
            throw new IllegalArgumentException("sgd state with " + b.length + " buffers at step " + s.step()
                    + " does not fit " + this);
        }
        step = s.step();
        buf = b.length == 0 ? null : b[0].clone();
    }

    @Override
    public void reset() {
        step = 0;
        buf = null;
    }

    @Override
    public String name() {
        return "sgd";
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    public String toString() {
        return "sgd(momentum=" + momentum + ", dampening=" + dampening + ", weight_decay=" + weightDecay
                + ", nesterov=" + nesterov + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sgd s && s.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
