package io.github.sparksnn.train;

import io.github.sparksnn.backend.CounterRng;
import io.github.sparksnn.layer.Encoder;
import io.github.sparksnn.layer.LatencyCode;
import io.github.sparksnn.model.LayerSpec;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.List;

/**
 * The double-precision check path: an independent, deliberately plain implementation of the training-mode
 * forward pass and loss (direct loops: convolution without im2col, neurons straight from SpikingJelly's
 * equations, no backend, no BLAS), evaluated in {@code double} from the same float parameters and inputs.
 * {@link GradientCheck} differentiates it by central finite differences to check the engine's analytic
 * (float) gradients; because it is double, the differences carry no float rounding noise, and because it shares
 * no code with the engine's layers, agreement checks both the forward and the backward pass.
 *
 * <p>Random draws (Poisson input, dropout masks) use the same counter-based definitions as the engine
 * ({@link CounterRng}), which are part of the contract. Surrogates run in their current spiking mode:
 * smooth ({@code spiking=false}) for finite differences, Heaviside to compare spiking forward outputs.
 */
public final class ReferenceForward {
    private final List<LayerSpec> layers;
    private final int[] inputShape;
    private final int timeSteps;
    private final boolean poisson;
    private final LatencyCode latency;
    private final Loss loss;
    private final boolean spiking;
    private final boolean sequence;

    public ReferenceForward(ModelSpec spec, int[] inputShape, int timeSteps, String encoder, String loss,
                            boolean spiking) {
        this(spec, inputShape, timeSteps, encoder, loss, spiking, false);
    }

    /**
     * With {@code sequence}, each sample of {@code x} holds {@code timeSteps} slices of {@code inputShape},
     * time-major, and step {@code t} reads slice {@code t} ({@code encoder} must then be {@code direct}).
     */
    public ReferenceForward(ModelSpec spec, int[] inputShape, int timeSteps, String encoder, String loss,
                            boolean spiking, boolean sequence) {
        this.sequence = sequence;
        this.layers = spec.layers();
        this.inputShape = inputShape.clone();
        this.timeSteps = timeSteps;
        Encoder enc = Encoder.parse(encoder);
        this.poisson = enc.equals(Encoder.POISSON);
        this.latency = enc.latencyCode();
        this.loss = Loss.parse(loss);
        this.spiking = spiking;
    }

    /** Summed loss over samples {@code [0, n)} (labels from {@code labels[0..n)}), parameters in double. */
    public double loss(double[] p, float[] x, int[] labels, int n, long seed) {
        double[] out = output(p, x, n, seed);
        return traceLoss(loss, out, timeSteps, n, out.length / (timeSteps * n), labels);
    }

    /**
     * The summed loss of a trace {@code out [T, n, K]} in double, written from the losses' definitions (not from
     * their float code): the scores (a mean, count, maximum or last step), then the criterion, then the L1 term.
     */
    static double traceLoss(Loss loss, double[] out, int T, int n, int k, int[] labels) {
        double l1 = 0;
        if (loss instanceof L1RateRegularizer r) {
            l1 = r.weight();
            loss = r.base();
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            double[] r = new double[k];
            double[] rate = new double[k];
            double membraneSq = 0;
            for (int c = 0; c < k; c++) {
                r[c] = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < T; t++) {
                    double v = out[(t * n + i) * k + c];
                    rate[c] += v / T;
                    double target = c == y ? 1 : 0;
                    membraneSq += (v - target) * (v - target) / ((double) T * k);
                    r[c] = switch (loss.name()) {
                        case "ce_max" -> Math.max(r[c], v);
                        case "ce_last" -> v;
                        case "ce_count" -> (t == 0 ? 0 : r[c]) + v;
                        default -> (t == 0 ? 0 : r[c]) + v / T;
                    };
                }
                sum += l1 * Math.abs(rate[c]);
            }
            switch (loss.name()) {
                case "mse" -> {
                    for (int c = 0; c < k; c++) {
                        double d = r[c] - (c == y ? 1 : 0);
                        sum += d * d / k;
                    }
                }
                case "mse_membrane" -> sum += membraneSq;
                case "mse_target" -> {
                    double d = r[0] - (double) y / (1 << 24);
                    sum += d * d;
                }
                default -> { // every cross-entropy: logsumexp(r) - r_y
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : r) {
                        max = Math.max(max, v);
                    }
                    double z = 0;
                    for (double v : r) {
                        z += Math.exp(v - max);
                    }
                    sum += max + Math.log(z) - r[y];
                }
            }
        }
        return sum;
    }

    /** The network output {@code [T, n, K]} in training mode. */
    public double[] output(double[] p, float[] x, int n, long seed) {
        int f = 1;
        for (int d : inputShape) {
            f *= d;
        }
        int T = timeSteps;
        double[] a = new double[T * n * f];
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < f; j++) {
                    double v = sequence ? x[(i * T + t) * f + j] : x[i * f + j];
                    if (poisson) {
                        float u = CounterRng.uniform(seed, ((long) i * T + t) * f + j);
                        v = u < x[i * f + j] ? 1 : 0;
                    } else if (latency != null) {
                        v = latency.spikeStep(x[i * f + j], T) == t ? 1 : 0;
                    }
                    a[(t * n + i) * f + j] = v;
                }
            }
        }
        int[] shape = inputShape.clone();
        int off = 0;
        int rows = T * n;
        for (int li = 0; li < layers.size(); li++) {
            LayerSpec s = layers.get(li);
            switch (s.kind()) {
                case FLATTEN -> shape = new int[]{size(shape)};
                case LINEAR -> {
                    int in = s.getInt("in_features"), out = s.getInt("out_features");
                    boolean bias = s.getBool("bias");
                    double[] y = new double[rows * out];
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < out; o++) {
                            double acc = bias ? p[off + out * in + o] : 0;
                            for (int i = 0; i < in; i++) {
                                acc += p[off + o * in + i] * a[r * in + i];
                            }
                            y[r * out + o] = acc;
                        }
                    }
                    off += out * in + (bias ? out : 0);
                    a = y;
                    shape = new int[]{out};
                }
                case CONV2D -> {
                    int cin = s.getInt("in_channels"), cout = s.getInt("out_channels"), k = s.getInt("kernel_size");
                    int st = s.getInt("stride"), pad = s.getInt("padding");
                    boolean bias = s.getBool("bias");
                    int h = shape[1], w = shape[2];
                    int ho = (h + 2 * pad - k) / st + 1, wo = (w + 2 * pad - k) / st + 1;
                    double[] y = new double[rows * cout * ho * wo];
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < cout; o++) {
                            for (int oi = 0; oi < ho; oi++) {
                                for (int oj = 0; oj < wo; oj++) {
                                    double acc = bias ? p[off + cout * cin * k * k + o] : 0;
                                    for (int c = 0; c < cin; c++) {
                                        for (int ki = 0; ki < k; ki++) {
                                            for (int kj = 0; kj < k; kj++) {
                                                int ii = oi * st - pad + ki, jj = oj * st - pad + kj;
                                                if (ii >= 0 && ii < h && jj >= 0 && jj < w) {
                                                    acc += p[off + ((o * cin + c) * k + ki) * k + kj]
                                                            * a[((r * cin + c) * h + ii) * w + jj];
                                                }
                                            }
                                        }
                                    }
                                    y[((r * cout + o) * ho + oi) * wo + oj] = acc;
                                }
                            }
                        }
                    }
                    off += cout * cin * k * k + (bias ? cout : 0);
                    a = y;
                    shape = new int[]{cout, ho, wo};
                }
                case MAXPOOL2D, AVGPOOL2D -> {
                    boolean max = s.kind() == io.github.sparksnn.model.LayerKind.MAXPOOL2D;
                    int k = s.getInt("kernel_size"), st = s.getInt("stride");
                    int c = shape[0], h = shape[1], w = shape[2];
                    int ho = (h - k) / st + 1, wo = (w - k) / st + 1;
                    double[] y = new double[rows * c * ho * wo];
                    for (int pl = 0; pl < rows * c; pl++) {
                        for (int oi = 0; oi < ho; oi++) {
                            for (int oj = 0; oj < wo; oj++) {
                                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                                for (int ki = 0; ki < k; ki++) {
                                    for (int kj = 0; kj < k; kj++) {
                                        double v = a[(pl * h + oi * st + ki) * w + oj * st + kj];
                                        acc = max ? Math.max(acc, v) : acc + v;
                                    }
                                }
                                y[(pl * ho + oi) * wo + oj] = max ? acc : acc / (k * k);
                            }
                        }
                    }
                    a = y;
                    shape = new int[]{c, ho, wo};
                }
                case BATCHNORM1D, BATCHNORM2D -> {
                    int c = shape[0];
                    int hw = size(shape) / c;
                    double eps = s.getDouble("eps");
                    double[] y = new double[a.length];
                    for (int ch = 0; ch < c; ch++) {
                        double mean = 0;
                        for (int r = 0; r < rows; r++) {
                            for (int i = 0; i < hw; i++) {
                                mean += a[(r * c + ch) * hw + i];
                            }
                        }
                        mean /= (double) rows * hw;
                        double var = 0;
                        for (int r = 0; r < rows; r++) {
                            for (int i = 0; i < hw; i++) {
                                double d = a[(r * c + ch) * hw + i] - mean;
                                var += d * d;
                            }
                        }
                        var /= (double) rows * hw;
                        double gamma = p[off + ch], beta = p[off + c + ch];
                        for (int r = 0; r < rows; r++) {
                            for (int i = 0; i < hw; i++) {
                                int idx = (r * c + ch) * hw + i;
                                y[idx] = gamma * (a[idx] - mean) / Math.sqrt(var + eps) + beta;
                            }
                        }
                    }
                    off += 2 * c;
                    a = y;
                }
                case DROPOUT -> {
                    double pr = s.getDouble("p");
                    if (pr > 0) {
                        int fl = size(shape);
                        long dseed = CounterRng.derive(seed, li);
                        double[] y = new double[a.length];
                        for (int i = 0; i < n; i++) {
                            for (int j = 0; j < fl; j++) {
                                boolean keep = CounterRng.uniform(dseed, (long) i * fl + j) >= (float) pr;
                                double m = keep ? 1.0 / (1.0 - (float) pr) : 0;
                                for (int t = 0; t < T; t++) {
                                    y[(t * n + i) * fl + j] = a[(t * n + i) * fl + j] * m;
                                }
                            }
                        }
                        a = y;
                    }
                }
                case IF, LIF, PLIF -> {
                    double k;
                    boolean leaky = s.kind() != io.github.sparksnn.model.LayerKind.IF;
                    boolean decayInput = leaky && s.getBool("decay_input");
                    if (s.kind() == io.github.sparksnn.model.LayerKind.LIF) {
                        k = 1 / s.getDouble("tau");
                    } else if (s.kind() == io.github.sparksnn.model.LayerKind.PLIF) {
                        k = 1 / (1 + Math.exp(-p[off]));
                        off += 1;
                    } else {
                        k = 0;
                    }
                    a = neuron(a, T, a.length / T, leaky, decayInput, k, s.getDouble("v_threshold"),
                            s.getNullableDouble("v_reset"), s.getSurrogate("surrogate"));
                }
                case RLIF, SYNAPTIC, ALIF -> {
                    int fl = size(shape);
                    a = MultiStateReference.spikes(s, p, off, a, T, n, fl, spiking);
                    off += MultiStateReference.parameters(s, fl);
                }
                case DELTA -> {
                    a = delta(a, T, n, size(shape), s.getDouble("threshold"), s.getBool("padding"));
                    shape = shape.clone();
                    shape[0] *= 2;
                }
                case POPULATION -> {
                    int k = s.getInt("num_neurons");
                    a = population(a, rows, shape[0], size(shape) / shape[0], k, s.getDouble("min"),
                            s.getDouble("max"), s.getDouble("width"));
                    shape = shape.clone();
                    shape[0] *= k;
                }
                case READOUT -> a = readout(a, T, a.length / T, s.getDouble("tau"), s.getBool("decay_input"));
                default -> throw new IllegalArgumentException("no reference for " + s.kind());
            }
        }
        return a;
    }

    /** snnTorch's delta with ON and OFF in two channels, written out: {@code x[t] - x[t-1]} against +-threshold. */
    private static double[] delta(double[] x, int T, int n, int f, double th, boolean padding) {
        double[] y = new double[2 * x.length];
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < f; j++) {
                    double now = x[(t * n + i) * f + j];
                    double before = t > 0 ? x[((t - 1) * n + i) * f + j] : padding ? now : 0;
                    y[(t * n + i) * 2 * f + j] = now - before >= th ? 1 : 0;
                    y[(t * n + i) * 2 * f + f + j] = now - before <= -th ? 1 : 0;
                }
            }
        }
        return y;
    }

    /** Bohte's Gaussian receptive fields: centres {@code lo + i (hi - lo) / (k - 1)}, each value to k responses. */
    private static double[] population(double[] x, int rows, int c, int inner, int k, double lo, double hi,
                                       double width) {
        double sigma = width != 0 ? width : (hi - lo) / (k - 1) / 1.5;
        double[] y = new double[x.length * k];
        for (int r = 0; r < rows; r++) {
            for (int ch = 0; ch < c; ch++) {
                for (int q = 0; q < inner; q++) {
                    double v = x[(r * c + ch) * inner + q];
                    for (int i = 0; i < k; i++) {
                        double z = (v - (lo + (hi - lo) * i / (k - 1))) / sigma;
                        y[((r * c + ch) * k + i) * inner + q] = Math.exp(-0.5 * z * z);
                    }
                }
            }
        }
        return y;
    }

    /** SpikingJelly's charge / fire / reset, element by element (detach_reset does not change the forward). */
    private double[] neuron(double[] x, int T, int n, boolean leaky, boolean decayInput, double k, double th,
                            Double vReset, SurrogateFunction sg) {
        double[] out = new double[x.length];
        boolean hard = vReset != null;
        double vr = hard ? vReset : 0;
        for (int j = 0; j < n; j++) {
            double v = vr;
            for (int t = 0; t < T; t++) {
                double xx = x[t * n + j];
                double h;
                if (!leaky) {
                    h = v + xx;
                } else if (decayInput) {
                    h = v + (xx - (v - vr)) * k;
                } else {
                    h = v - (v - vr) * k + xx;
                }
                double spike = spiking ? (h - th >= 0 ? 1 : 0) : sg.primitive(h - th);
                v = hard ? (1 - spike) * h + spike * vr : h - spike * th;
                out[t * n + j] = spike;
            }
        }
        return out;
    }

    /** The leaky integrator step by step: {@code U[t] = (1 - 1/tau) U[t-1] + c X[t]}, {@code c = 1/tau or 1}. */
    private static double[] readout(double[] x, int T, int n, double tau, boolean decayInput) {
        double[] out = new double[x.length];
        for (int j = 0; j < n; j++) {
            double u = 0;
            for (int t = 0; t < T; t++) {
                u = (1 - 1 / tau) * u + (decayInput ? x[t * n + j] / tau : x[t * n + j]);
                out[t * n + j] = u;
            }
        }
        return out;
    }

    private static int size(int[] shape) {
        int p = 1;
        for (int d : shape) {
            p *= d;
        }
        return p;
    }
}
