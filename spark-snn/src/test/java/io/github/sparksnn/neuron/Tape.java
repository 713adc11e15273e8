package io.github.sparksnn.neuron;

import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny scalar reverse-mode tape in double: the independent BPTT reference. Every operation records its
 * parents and local derivatives; {@link #backward(Var)} sweeps the records in reverse creation order.
 * The spike operation is SpikingJelly's: Heaviside forward, surrogate gradient backward; {@link #detach}
 * passes the value and no gradient.
 */
final class Tape {
    final List<Var> nodes = new ArrayList<>();

    final class Var {
        final double value;
        double grad;
        final Var[] parents;
        final double[] local;

        Var(double value, Var[] parents, double[] local) {
            this.value = value;
            this.parents = parents;
            this.local = local;
            nodes.add(this);
        }
    }

    Var constant(double v) {
        return new Var(v, new Var[0], new double[0]);
    }

    Var add(Var a, Var b) {
        return new Var(a.value + b.value, new Var[]{a, b}, new double[]{1, 1});
    }

    Var sub(Var a, Var b) {
        return new Var(a.value - b.value, new Var[]{a, b}, new double[]{1, -1});
    }

    Var mul(Var a, Var b) {
        return new Var(a.value * b.value, new Var[]{a, b}, new double[]{b.value, a.value});
    }

    Var scale(Var a, double c) {
        return new Var(a.value * c, new Var[]{a}, new double[]{c});
    }

    Var sigmoid(Var a) {
        double s = 1 / (1 + Math.exp(-a.value));
        return new Var(s, new Var[]{a}, new double[]{s * (1 - s)});
    }

    Var spike(Var a, SurrogateFunction sg) {
        return new Var(a.value >= 0 ? 1 : 0, new Var[]{a}, new double[]{sg.gradient(a.value)});
    }

    /**
     * The spike in the surrogate's current mode: Heaviside forward when spiking, its primitive when smooth
     * ({@code spiking=false}); the surrogate gradient backward either way.
     */
    Var fire(Var a, SurrogateFunction sg) {
        double value = sg.isSpiking() ? (a.value >= 0 ? 1 : 0) : sg.primitive(a.value);
        return new Var(value, new Var[]{a}, new double[]{sg.gradient(a.value)});
    }

    Var detach(Var a) {
        return constant(a.value);
    }

    void backward(Var out) {
        out.grad = 1;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Var v = nodes.get(i);
            for (int p = 0; p < v.parents.length; p++) {
                v.parents[p].grad += v.grad * v.local[p];
            }
        }
    }
}
