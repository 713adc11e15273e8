package io.github.sparksnn.bench;

import io.github.sparksnn.surrogate.BuiltinFormulas;
import io.github.sparksnn.surrogate.Formula;
import io.github.sparksnn.surrogate.SurrogateFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Each built-in's float bulk gradient as its class computes it against the same function compiled from its
 * {@link Formula} text ({@link BuiltinFormulas#twin}), on the path training takes: {@code gradient(x, o, out, o,
 * 1024)}, one index and one chunk of {@code CpuNeuronBackward} (cache-resident, so the figure is compute, not
 * memory bandwidth); the backward {@code gradIn = gradOut * g'(x)} of the same chunk for information; and next to
 * them the same check the tests make of the formula's accuracy.
 *
 * <p>Method: both sides are JIT-compiled first (thousands of calls), then timed in {@code rounds} interleaved pairs
 * (class, formula, class, formula, ...), each sample some milliseconds of calls over four chunks of {@code x ~ U[-3, 3)}
 * (random signs, so branchy code mispredicts as on real potentials). Samples are the thread's CPU time, and the
 * figure is the fastest sample of each side, the ratio formula / class of those: on a shared machine (load well
 * above the core count) medians of wall time moved by 20% between runs, while the least disturbed samples repeat.
 * One element of every output goes to a volatile sink.
 *
 * <p>Accuracy: over upstream's grid, edge values (signed zeros, subnormals, the largest floats, infinities, NaN,
 * kinks and their neighbours) and random magnitudes from 1e-30 to 1e30, the formula's float bulk gradient and
 * primitive are compared with the class's as {@code FormulaBuiltinsTest} does: within 1 ulp, or at least as close
 * to the class's double method (the float64 reference); a NaN on one side only fails.
 */
public final class FormulaVsHandBench {
    /** Elements per call: one chunk of the CPU neuron backward ({@code CpuScratch.CHUNK}). */
    public static final int CHUNK = 1024;
    private static final int CHUNKS = 4;
    private static final int JIT_CALLS = 2_000;

    private static volatile float sink;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /** One function's figures. {@code definition} is "formula" where the class already delegates to its formula. */
    public record Row(String function, String definition, double handNs, double formulaNs, double handBackwardNs,
                      double formulaBackwardNs, String accuracy) {
        /** formula / class time of the gradient (above 1: the formula is slower): the decision's figure. */
        public double ratio() {
            return formulaNs / handNs;
        }

        /** formula / class time of the backward {@code gradIn = gradOut * g'(x)}. */
        public double backwardRatio() {
            return formulaBackwardNs / handBackwardNs;
        }
    }

    private final float[] x = new float[CHUNK * CHUNKS];
    private final float[] out = new float[CHUNK * CHUNKS];
    private final float[] gradOut = new float[CHUNK * CHUNKS];

    public FormulaVsHandBench(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 6 - 3);
            gradOut[i] = (float) (r.nextDouble() * 2 - 1);
        }
    }

    /**
     * Every function of {@code hands} (built-ins) against its formula: all pairs are warmed up first, so that the one
     * call site that times them has seen every class before C2 compiles it (a site that had seen one or two classes
     * would inline their loops into an on-stack-replaced timing loop, which C2 compiles differently, and each later
     * class would deoptimize it: figures off by 10x, either way); then each pair is timed in {@code rounds}
     * interleaved pairs of samples, the slower side about {@code sampleMillis} long, and its accuracy checked.
     */
    public List<Row> run(List<SurrogateFunction> hands, int rounds, double sampleMillis) {
        List<SurrogateFunction[]> pairs = new ArrayList<>();
        for (SurrogateFunction h : hands) {
            pairs.add(new SurrogateFunction[] {h, BuiltinFormulas.twin(h)});
        }
        for (int c = 0; c < JIT_CALLS; c++) {
            for (SurrogateFunction[] p : pairs) {
                call(p[0], c, false);
                call(p[1], c, false);
                call(p[0], c, true);
                call(p[1], c, true);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (SurrogateFunction[] p : pairs) {
            rows.add(run(p[0], (Formula) p[1], rounds, sampleMillis));
        }
        return rows;
    }

    private Row run(SurrogateFunction hand, Formula formula, int rounds, double sampleMillis) {
        // on a loaded machine C2 may still be compiling: two more untimed samples each, then size the samples
        for (int w = 0; w < 2; w++) {
            for (boolean b : new boolean[] {false, true}) {
                time(hand, JIT_CALLS / 4, b);
                time(formula, JIT_CALLS / 4, b);
            }
        }
        // sized by the slower side, so that a formula 100 times slower does not take 100 times the time
        double perCall = Math.max(time(hand, 200, true), time(formula, 200, true)) / 200;
        int calls = (int) Math.max(200, Math.min(1_000_000, sampleMillis * 1e-3 / perCall));
        double[] h = new double[rounds];
        double[] f = new double[rounds];
        double[] hb = new double[rounds];
        double[] fb = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            h[r] = time(hand, calls, false);
            f[r] = time(formula, calls, false);
            hb[r] = time(hand, calls, true);
            fb[r] = time(formula, calls, true);
        }
        double ns = 1e9 / ((double) calls * CHUNK);
        String definition = BuiltinFormulas.FORMULA_DEFINED.contains(hand.name()) ? "formula" : "hand-written";
        return new Row(hand.toString().replace(", spiking=true", ""), definition, min(h) * ns, min(f) * ns, min(hb) * ns,
                min(fb) * ns, accuracy(hand, formula));
    }

    /** One chunk: {@code out = g'(x)} (what the neuron backward calls), or the backward {@code out = gradOut g'(x)}. */
    private void call(SurrogateFunction s, int c, boolean backward) {
        int o = (c % CHUNKS) * CHUNK;
        if (backward) {
            s.backward(gradOut, x, o, out, o, CHUNK);
        } else {
            s.gradient(x, o, out, o, CHUNK);
        }
        sink += out[o + (c & (CHUNK - 1))];
    }

    /** Seconds of this thread's CPU time: time the thread was descheduled (a loaded, shared machine) is not counted. */
    private double time(SurrogateFunction s, int calls, boolean backward) {
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int c = 0; c < calls; c++) {
            call(s, c, backward);
        }
        return (CPU.getCurrentThreadCpuTime() - t0) * 1e-9;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElseThrow();
    }

    /** The inputs of the accuracy check: grid, edges (kinks included) and random magnitudes of both signs. */
    static float[] sweep(SurrogateFunction f) {
        List<Float> v = new ArrayList<>(List.of(0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, -Float.MIN_VALUE, 3e-39f, -3e-39f, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE,
                -Float.MAX_VALUE, 1e-30f, -1e-30f, 1e30f, -1e30f, 1f, -1f, 1e8f, -1e8f));
        for (double k : f.kinks()) {
            float kf = (float) k;
            v.addAll(List.of(kf, Math.nextUp(kf), Math.nextDown(kf), -kf));
        }
        for (double t = -2; t < 2; t += 1.0 / 256) {
            v.add((float) t);
        }
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 4096; i++) {
            float m = (float) Math.pow(10, r.nextDouble() * 60 - 30);
            v.add(r.nextBoolean() ? m : -m);
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    /** "ok" with the worst ulps seen, or what failed: FormulaBuiltinsTest's float rule over {@link #sweep}. */
    static String accuracy(SurrogateFunction hand, Formula formula) {
        float[] xs = sweep(hand);
        int n = xs.length;
        float[] hg = new float[n];
        float[] fg = new float[n];
        float[] hp = new float[n];
        float[] fp = new float[n];
        hand.gradient(xs, 0, hg, 0, n);
        formula.gradient(xs, 0, fg, 0, n);
        hand.primitive(xs, 0, hp, 0, n);
        formula.primitive(xs, 0, fp, 0, n);
        String g = compare("gradient", xs, fg, hg, hand::gradient);
        String p = compare("primitive", xs, fp, hp, hand::primitive);
        if (g.startsWith("FAIL") || p.startsWith("FAIL")) {
            return (g.startsWith("FAIL") ? g : "") + (g.startsWith("FAIL") && p.startsWith("FAIL") ? "; " : "")
                    + (p.startsWith("FAIL") ? p : "");
        }
        return "ok (" + g + ", " + p + ")";
    }

    private static String compare(String what, float[] xs, float[] f, float[] h, java.util.function.DoubleUnaryOperator ref) {
        int bad = 0;
        long worst = 0;
        float at = 0;
        for (int i = 0; i < xs.length; i++) {
            float a = f[i];
            float b = h[i];
            if (Float.floatToIntBits(a) == Float.floatToIntBits(b) || (a == b)) {
                continue;
            }
            long ulps = !Float.isFinite(a) || !Float.isFinite(b) ? Long.MAX_VALUE
                    : (long) Math.ceil(Math.abs((double) a - b) / Math.ulp(Math.max(Math.abs(a), Math.abs(b))));
            if (ulps > worst) {
                worst = ulps;
                at = xs[i];
            }
            double r = ref.applyAsDouble(xs[i]);
            boolean closer = Float.isFinite(a) && Float.isFinite(b) && Math.abs(a - r) <= Math.abs(b - r);
            if (ulps > 1 && !closer) {
                bad++;
            }
        }
        if (bad > 0) {
            return "FAIL " + what + ": " + bad + " points, worst " + (worst == Long.MAX_VALUE ? "a NaN or infinity" : worst + " ulps")
                    + " at x=" + at;
        }
        return what + " " + worst + " ulp";
    }

    /** Keeps the JIT from dropping results; read it after a run. */
    public static float sink() {
        return sink;
    }
}
