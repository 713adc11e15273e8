package io.github.sparksnn.train;

import io.github.sparksnn.layer.Layer;
import io.github.sparksnn.model.LayerSpec;
import io.github.sparksnn.model.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Whole-network gradient check (upstream's {@code check_manual_grad}, for networks): with every surrogate in
 * smooth mode ({@code spiking=false}) the network is differentiable, so the engine's analytic BPTT gradient
 * (float) must match central finite differences of the independent double-precision {@link ReferenceForward}:
 * {@code (L(p + h e_i) - L(p - h e_i)) / 2h}, {@code h = 1e-5}.
 *
 * <p>Per parameter tensor it probes up to {@code probes} entries (random ones plus the entry with the largest
 * analytic gradient) and reports {@code max_i |analytic_i - numeric_i| / max_j |numeric_j|}: the error relative to
 * the tensor's largest gradient, so that entries with near-zero gradients do not turn float rounding into
 * huge relative errors. {@code detach_reset=true} deliberately changes the gradient (it is not the derivative of
 * the forward), so it is switched off for the check and reported in {@link Result#notes()}; the spiking-mode
 * BPTT, detach included, is checked against a reverse-mode tape in the tests.
 */
public final class GradientCheck {
    /** Default tolerance on the per-tensor relative error. */
    public static final double DEFAULT_TOLERANCE = 1e-3;
    private static final double H = 1e-5;

    private GradientCheck() {
    }

    /** One parameter tensor's outcome. */
    public record TensorResult(String name, int length, int probed, double maxRelativeError, double maxAbsGradient) {
    }

    /** Outcome of a check: per-tensor errors, the engine's and the reference's loss, and notes. */
    public record Result(List<TensorResult> tensors, double engineLoss, double referenceLoss, List<String> notes) {
        public double maxRelativeError() {
            double m = 0;
            for (TensorResult t : tensors) {
                m = Math.max(m, t.maxRelativeError());
            }
            return m;
        }

        /** Relative difference of the float engine's loss and the double reference's (checks the forward). */
        public double lossRelativeDifference() {
            return Math.abs(engineLoss - referenceLoss) / Math.max(1e-12, Math.abs(referenceLoss));
        }

        public boolean passed(double tolerance) {
            return maxRelativeError() <= tolerance && lossRelativeDifference() <= tolerance;
        }

        /** A table: one line per tensor, then the loss comparison. */
        public String format(double tolerance) {
            StringBuilder sb = new StringBuilder();
            for (String n : notes) {
                sb.append("note: ").append(n).append('\n');
            }
            sb.append(String.format(Locale.ROOT, "%-28s %10s %7s %14s %14s  %s%n", "tensor", "size", "probed",
                    "max rel err", "max |grad|", "ok"));
            for (TensorResult t : tensors) {
                sb.append(String.format(Locale.ROOT, "%-28s %10d %7d %14.3e %14.3e  %s%n", t.name(), t.length(),
                        t.probed(), t.maxRelativeError(), t.maxAbsGradient(),
                        t.maxRelativeError() <= tolerance ? "yes" : "NO"));
            }
            sb.append(String.format(Locale.ROOT, "loss: engine (float) %.9g, reference (double) %.9g, rel diff %.3e%n",
                    engineLoss, referenceLoss, lossRelativeDifference()));
            sb.append(String.format(Locale.ROOT, "max relative error %.3e (tolerance %.1e): %s%n", maxRelativeError(),
                    tolerance, passed(tolerance) ? "PASSED" : "FAILED"));
            return sb.toString();
        }
    }

    /**
     * Checks the model of {@code config} (its spec, input shape, T, encoder, loss; parameters initialized from its
     * seed) on {@code batch} random inputs in [0, 1) with random labels drawn from {@code seed}.
     */
    public static Result run(EngineConfig config, int batch, long seed, int probes) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (probes < 1) {
            throw new IllegalArgumentException("probes must be >= 1, got " + probes);
        }
        List<String> notes = new ArrayList<>();
        ModelSpec spec = withoutDetachReset(config.spec(), notes);
        EngineConfig cfg = config.toBuilder().modelSpec(spec).maxChunk(Math.max(batch, config.maxChunk())).build();
        try (CpuGradientEngine engine = new CpuGradientEngine(cfg)) {
            engine.network().setSpikingMode(false);
            int f = engine.featureSize(), k = engine.numClasses();
            SplittableRandom rng = new SplittableRandom(seed);
            float[] x = new float[batch * f];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) {
                y[i] = rng.nextInt(k);
            }
            float[] params = engine.parameters();
            float[] g = new float[params.length];
            GradientEngine.StepStats stats = engine.accumulateGradient(x, y, 0, batch, seed, g);

            ReferenceForward ref = new ReferenceForward(spec, cfg.inputShape(), cfg.timeSteps(), cfg.encoder(),
                    cfg.loss(), false, cfg.sequenceInput());
            double[] p = new double[params.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = params[i];
            }
            double refLoss = ref.loss(p, x, y, batch, seed);
            List<TensorResult> out = new ArrayList<>();
            for (Layer.ParameterTensor t : engine.network().namedParameters()) {
                Set<Integer> idx = new LinkedHashSet<>();
                int best = 0;
                for (int i = 0; i < t.length(); i++) {
                    if (Math.abs(g[t.offset() + i]) > Math.abs(g[t.offset() + best])) {
                        best = i;
                    }
                }
                idx.add(best);
                if (t.length() <= probes) {
                    for (int i = 0; i < t.length(); i++) {
                        idx.add(i);
                    }
                } else {
                    while (idx.size() < probes) {
                        idx.add(rng.nextInt(t.length()));
                    }
                }
                double maxNum = 0, maxDiff = 0, maxAbs = 0;
                for (int i : idx) {
                    int j = t.offset() + i;
                    double orig = p[j];
                    p[j] = orig + H;
                    double lp = ref.loss(p, x, y, batch, seed);
                    p[j] = orig - H;
                    double lm = ref.loss(p, x, y, batch, seed);
                    p[j] = orig;
                    double num = (lp - lm) / (2 * H);
                    maxNum = Math.max(maxNum, Math.abs(num));
                    maxAbs = Math.max(maxAbs, Math.abs(g[j]));
                    maxDiff = Math.max(maxDiff, Math.abs(num - g[j]));
                }
                double rel = maxNum > 1e-9 ? maxDiff / maxNum : maxDiff;
                if (maxNum <= 1e-9) {
                    notes.add(t.name() + ": numeric gradient is ~0 on the probed entries; absolute error reported");
                }
                out.add(new TensorResult(t.name(), t.length(), idx.size(), rel, maxAbs));
            }
            return new Result(out, stats.lossSum(), refLoss, notes);
        }
    }

    private static ModelSpec withoutDetachReset(ModelSpec spec, List<String> notes) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec l = spec.layers().get(i);
            if (l.kind().isNeuron() && l.getBool("detach_reset")) {
                Map<String, Object> args = new LinkedHashMap<>(l.arguments());
                args.put("detach_reset", false);
                l = new LayerSpec(l.kind(), args);
                notes.add("layer " + (i + 1) + ": detach_reset=true changes the gradient by design; checked with "
                        + "detach_reset=false");
            }
            layers.add(l);
        }
        return new ModelSpec(layers);
    }
}
