package io.github.sparksnn.gpu;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.NeuronOp;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.surrogate.SurrogateFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code snn gpu check-grad}, upstream's {@code check_cuda_grad}: the CUDA kernels' gradients against the CPU
 * backend's for one neuron type and surrogate, with the largest error.
 *
 * <ul>
 *   <li>{@code float}: the surrogate gradient {@code g'(x)} on {@code x = -4 + i/256} against Java's float
 *       {@code g'}; then the fused neuron's BPTT backward ({@code dL/dX}, and {@code dL/dk} for PLIF, whose
 *       {@code k = 1/tau} is learned) for random inputs over {@code T} steps, with {@code detach_reset} off and on,
 *       against {@code CpuBackend}. Tolerances are the parity contract's ({@code CudaParityContract}).</li>
 *   <li>then, in smooth mode ({@code spiking=false}; skipped for a surrogate without a primitive text): the
 *       neuron's forward {@code S = g(H - th)} on the device against the CPU's (CUDA's {@code expf}, {@code log1pf},
 *       ... are not Java's: {@code 1e-5} of the largest value), and a small network ({@code linear(6, 8) | neuron |
 *       linear(8, 3) | lif}) whose BPTT gradient, computed by the engine on the device, is compared with central
 *       differences of the double-precision {@code ReferenceForward} ({@code h = 1e-5}; each tensor's largest
 *       error over its largest gradient, within {@code 1e-3} as {@code snn model check-grad}).</li>
 *   <li>{@code half}: {@code g'(x)} computed with the surrogate's {@code half2} CUDA code on the same points (all
 *       exact in fp16) against Java's float {@code g'}: half arithmetic, so {@code 2e-2 |g'| + 4e-3 max|g'|}. The
 *       backend trains in float32; there is no half neuron kernel to check.</li>
 * </ul>
 */
public final class GpuGradCheck {
    /** Points {@code x = -4 + i/256}, {@code i < POINTS}: exactly representable in fp16. */
    static final int POINTS = 2048;

    private GpuGradCheck() {
    }

    /** One compared quantity: its largest absolute error, and that error over the tolerance where it is worst. */
    public record Row(String check, int points, double maxAbsError, double worstOverTolerance) {
        public boolean passed() {
            return worstOverTolerance <= 1.0;
        }

        /** Compares element by element with tolerance {@code rel * |want[i]| + abs}. */
        static Row of(String check, float[] want, float[] got, double rel, double abs) {
            double maxErr = 0, worst = 0;
            for (int i = 0; i < want.length; i++) {
                double d = Math.abs((double) want[i] - got[i]);
                if (Double.isNaN(d)) {
                    d = Double.POSITIVE_INFINITY;
                }
                maxErr = Math.max(maxErr, d);
                worst = Math.max(worst, d / (rel * Math.abs(want[i]) + abs));
            }
            return new Row(check, want.length, maxErr, worst);
        }
    }

    /** The neuron types: IF, LIF ({@code tau = 2}, decay_input), PLIF (LIF with a learned {@code k = 1/tau}). */
    public enum Neuron {
        IF, LIF, PLIF;

        public static Neuron parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown neuron '" + s + "': expected if, lif or plif");
            }
        }

        NeuronOp op(SurrogateFunction sg, boolean detachReset) {
            return this == IF ? new NeuronOp(false, false, 0f, 1f, 0f, sg, detachReset)
                    : new NeuronOp(true, true, 0.5f, 1f, 0f, sg, detachReset);
        }
    }

    static float[] points() {
        float[] xs = new float[POINTS];
        for (int i = 0; i < POINTS; i++) {
            xs[i] = -4f + i / 256f;
        }
        return xs;
    }

    /** The float checks (see the class comment) of {@code gpu} against {@code cpu}. */
    public static List<Row> checkFloat(CudaBackend gpu, Backend cpu, Neuron neuron, SurrogateFunction sg, int timeSteps,
                                       int neurons, long seed) {
        List<Row> rows = new ArrayList<>();
        float[] xs = points();
        float[] want = new float[xs.length];
        sg.gradient(xs, 0, want, 0, xs.length);
        rows.add(Row.of("g'(x) float32 vs Java", want, run(gpu, xs, (x, y) -> gpu.surrogateGradient(sg, x, y, xs.length)),
                2e-6, 2e-7));
        int n = neurons, tn = timeSteps * neurons;
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[tn], dS = new float[tn];
        for (int i = 0; i < tn; i++) {
            x[i] = (float) (-0.5 + 2 * r.nextDouble());
            dS[i] = (float) (-1 + 2 * r.nextDouble());
        }
        for (boolean detach : new boolean[] {false, true}) {
            NeuronOp op = neuron.op(sg, detach);
            boolean wantDk = neuron == Neuron.PLIF;
            double[] dk = new double[2];
            float[] dXc = backward(cpu, op, timeSteps, n, x, dS, wantDk, dk, 0);
            float[] dXg = backward(gpu, op, timeSteps, n, x, dS, wantDk, dk, 1);
            String v = " (detach_reset=" + detach + ")";
            double scale = 0;
            for (float f : dXc) {
                scale = Math.max(scale, Math.abs(f));
            }
            rows.add(Row.of(neuron.name().toLowerCase(Locale.ROOT) + " dL/dX" + v, dXc, dXg, 0, 5e-6 * scale + 1e-7));
            if (wantDk) {
                double err = Math.abs(dk[0] - dk[1]);
                rows.add(new Row("plif dL/dk" + v, 1, err, err / (5e-5 * Math.abs(dk[0]) + 1e-6)));
            }
        }
        SurrogateFunction smooth = sg.copy().setSpikingMode(false);
        if (hasPrimitive(smooth)) {
            NeuronOp op = neuron.op(smooth, false);
            float[] sc = smoothForward(cpu, op, timeSteps, n, x), sg2 = smoothForward(gpu, op, timeSteps, n, x);
            double scale = 0;
            for (float f : sc) {
                scale = Math.max(scale, Math.abs(f));
            }
            rows.add(Row.of("smooth forward g(H - th)", sc, sg2, 0, 1e-5 * scale + 1e-7));
            rows.add(network(gpu, neuron, smooth, seed));
        }
        return rows;
    }

    private static boolean hasPrimitive(SurrogateFunction sg) {
        try {
            SmoothKernelSource.primitiveCode(sg, NeuronKernelSource.X, NeuronKernelSource.G);
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private static float[] smoothForward(Backend be, NeuronOp op, int t, int n, float[] xIn) {
        float[] out = new float[t * n];
        try (Tensor x = be.alloc(t * n); Tensor h = be.alloc(t * n); Tensor s = be.alloc(t * n); Tensor v = be.alloc(n)) {
            be.upload(xIn, 0, x, 0, t * n);
            be.fill(v, 0, n, op.vInit());
            be.neuronForward(op, t, n, x, h, s, v);
            be.download(s, 0, out, 0, t * n);
        }
        return out;
    }

    /** Central differences of a small smooth network against its BPTT gradient computed on {@code gpu}. */
    static Row network(CudaBackend gpu, Neuron neuron, SurrogateFunction smooth, long seed) {
        String layer = switch (neuron) {
            case IF -> "if(";
            case LIF -> "lif(tau=2.0, ";
            case PLIF -> "plif(init_tau=2.0, ";
        };
        String spec = "linear(6, 8) | " + layer + "surrogate=" + smooth + ") | linear(8, 3) | lif(tau=2.0, surrogate="
                + smooth + ")";
        io.github.sparksnn.train.EngineConfig cfg = io.github.sparksnn.train.EngineConfig.builder().modelSpec(spec)
                .inputShape(6).timeSteps(4).encoder("direct").loss("mse").seed(seed).build();
        int batch = 5;
        io.github.sparksnn.train.CpuGradientEngine engine = new io.github.sparksnn.train.CpuGradientEngine(cfg,
                keepOpen(gpu));
        try (engine) {
            engine.network().setSpikingMode(false);
            SplittableRandom r = new SplittableRandom(seed);
            float[] x = new float[batch * 6];
            int[] y = new int[batch];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            for (int i = 0; i < batch; i++) {
                y[i] = r.nextInt(3);
            }
            float[] params = engine.parameters();
            float[] g = new float[params.length];
            engine.accumulateGradient(x, y, 0, batch, seed, g);
            io.github.sparksnn.train.ReferenceForward ref = new io.github.sparksnn.train.ReferenceForward(cfg.spec(),
                    cfg.inputShape(), cfg.timeSteps(), cfg.encoder(), cfg.loss(), false);
            double[] p = new double[params.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = params[i];
            }
            double worstRel = 0, worstAbs = 0;
            for (io.github.sparksnn.layer.Layer.ParameterTensor t : engine.network().namedParameters()) {
                double maxNum = 0, maxDiff = 0;
                for (int i = 0; i < t.length(); i++) {
                    int j = t.offset() + i;
                    double orig = p[j], h = 1e-5;
                    p[j] = orig + h;
                    double lp = ref.loss(p, x, y, batch, seed);
                    p[j] = orig - h;
                    double num = (lp - ref.loss(p, x, y, batch, seed)) / (2 * h);
                    p[j] = orig;
                    maxNum = Math.max(maxNum, Math.abs(num));
                    maxDiff = Math.max(maxDiff, Math.abs(num - g[j]));
                }
                worstAbs = Math.max(worstAbs, maxDiff);
                worstRel = Math.max(worstRel, maxNum > 1e-9 ? maxDiff / maxNum : maxDiff);
            }
            return new Row("smooth network vs central differences", params.length, worstAbs, worstRel / 1e-3);
        }
    }

    /** {@code gpu} for an engine that closes its backend: everything but {@code close()} goes through. */
    private static Backend keepOpen(CudaBackend gpu) {
        return (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, m, a) -> {
                    if (m.getName().equals("close") && m.getParameterCount() == 0) {
                        return null;
                    }
                    try {
                        return m.invoke(gpu, a);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The half check (see the class comment). */
    public static Row checkHalf(CudaBackend gpu, SurrogateFunction sg) {
        float[] xs = points();
        float[] want = new float[xs.length];
        sg.gradient(xs, 0, want, 0, xs.length);
        float scale = 0;
        for (float w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        float[] got = run(gpu, xs, (x, y) -> gpu.surrogateGradientHalf(sg, x, y, xs.length));
        return Row.of("g'(x) half2 vs Java float", want, got, 2e-2, 4e-3 * scale + 1e-6);
    }

    private interface Op {
        void apply(Tensor x, Tensor y);
    }

    private static float[] run(Backend be, float[] in, Op op) {
        float[] out = new float[in.length];
        try (Tensor x = be.alloc(in.length); Tensor y = be.alloc(in.length)) {
            be.upload(in, 0, x, 0, in.length);
            op.apply(x, y);
            be.download(y, 0, out, 0, in.length);
        }
        return out;
    }

    private static float[] backward(Backend be, NeuronOp op, int t, int n, float[] xIn, float[] dSIn, boolean wantDk,
                                    double[] dk, int slot) {
        float[] out = new float[t * n];
        try (Tensor x = be.alloc(t * n); Tensor h = be.alloc(t * n); Tensor s = be.alloc(t * n); Tensor v = be.alloc(n);
             Tensor dS = be.alloc(t * n); Tensor dX = be.alloc(t * n)) {
            be.upload(xIn, 0, x, 0, t * n);
            be.upload(dSIn, 0, dS, 0, t * n);
            be.fill(v, 0, n, op.vInit());
            be.neuronForward(op, t, n, x, h, s, v);
            dk[slot] = be.neuronBackward(op, t, n, dS, h, s, x, dX, wantDk);
            be.download(dX, 0, out, 0, t * n);
        }
        return out;
    }
}
