package io.github.sparksnn.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every optimizer against a float64 recomputation of PyTorch's update formulas (torch/optim/sgd.py, adam.py,
 * adamw.py, single-tensor path) over several steps with changing gradients.
 */
class OptimizerFormulaTest {

    private static final int N = 257; // odd: exercises any vector-loop tail
    private static final int STEPS = 6;

    private static float[] randomVector(Random r, double scale) {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = (float) (scale * r.nextGaussian());
        }
        return x;
    }

    /** The float64 reference of one optimizer; it sees the same float gradients. */
    interface Reference {
        void step(double[] p, float[] g, double lr, int t);
    }

    private static void compare(Optimizer opt, Reference ref, double lr0) {
        Random r = new Random(7);
        float[] p = randomVector(r, 1.0);
        double[] q = new double[N];
        for (int i = 0; i < N; i++) {
            q[i] = p[i];
        }
        for (int t = 1; t <= STEPS; t++) {
            float[] g = randomVector(r, t % 2 == 0 ? 0.5 : 2e-3); // alternating scales stress the moments
            double lr = lr0 * (1 + 0.1 * t); // the rate may change between steps
            opt.step(p, g, lr);
            ref.step(q, g, lr, t);
            for (int i = 0; i < N; i++) {
                assertEquals(q[i], p[i], 2e-6 * (1 + Math.abs(q[i])), opt + " step " + t + " index " + i);
            }
        }
        assertEquals(STEPS, opt.steps());
    }

    /** torch.optim.SGD in double. */
    private static Reference sgd(double momentum, double dampening, double wd, boolean nesterov) {
        double[] buf = new double[N];
        return (p, g, lr, t) -> {
            for (int i = 0; i < N; i++) {
                double d = g[i] + wd * p[i];
                if (momentum != 0) {
                    buf[i] = t == 1 ? d : momentum * buf[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * buf[i] : buf[i];
                }
                p[i] -= lr * d;
            }
        };
    }

    /** torch.optim.Adam / AdamW in double. */
    private static Reference adam(double b1, double b2, double eps, double wd, boolean decoupled) {
        double[] m = new double[N];
        double[] v = new double[N];
        return (p, g, lr, t) -> {
            double bc1 = 1 - Math.pow(b1, t);
            double bc2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < N; i++) {
                if (decoupled) {
                    p[i] *= 1 - lr * wd;
                }
                double gi = decoupled ? g[i] : g[i] + wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
                p[i] -= (lr / bc1) * m[i] / denom;
            }
        };
    }

    @Test
    void plainSgd() {
        compare(new Sgd(), sgd(0, 0, 0, false), 0.1);
    }

    @Test
    void sgdWithMomentumDampeningAndWeightDecay() {
        compare(Optimizers.parse("sgd(momentum=0.9)"), sgd(0.9, 0, 0, false), 0.05);
        compare(new Sgd(0.8, 0.3, 0.01, false), sgd(0.8, 0.3, 0.01, false), 0.05);
    }

    @Test
    void nesterovSgd() {
        compare(new Sgd(0.9, 0, 5e-4, true), sgd(0.9, 0, 5e-4, true), 0.05);
    }

    @Test
    void adamDefaultsAndL2WeightDecay() {
        compare(new Adam(), adam(0.9, 0.999, 1e-8, 0, false), 1e-2);
        compare(new Adam(0.8, 0.99, 1e-3, 0.1),
                adam(0.8, 0.99, 1e-3, 0.1, false), 1e-2);
    }

    @Test
    void adamWDecouplesWeightDecay() {
        compare(new AdamW(), adam(0.9, 0.999, 1e-8, 0.01, true), 1e-2);
        compare(new AdamW(0.85, 0.995, 1e-6, 0.3), adam(0.85, 0.995, 1e-6, 0.3, true), 1e-2);
    }

    @Test
    void adamFirstStepMovesEachParameterByAboutLr() {
        // closed form of step 1: m^ = g, v^ = g^2, so the update is lr * g / (|g| + eps) ~ lr * sign(g)
        float[] p = {1f, -2f, 0.5f};
        float[] g = {3f, -0.25f, 1e-3f};
        new Adam().step(p, g, 0.01);
        assertEquals(1 - 0.01, p[0], 1e-6);
        assertEquals(-2 + 0.01, p[1], 1e-6);
        assertEquals(0.5 - 0.01 * 1e-3 / (1e-3 + 1e-8), p[2], 1e-6);
    }
}
