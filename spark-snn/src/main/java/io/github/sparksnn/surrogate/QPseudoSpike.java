package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * q-PseudoSpike surrogate (upstream {@code QPseudoSpike}, Sun et al. 2022), a heavy-tailed gradient.
 *
 * <pre>
 * g'(x) = (1 + 2|x| / (alpha - 1))^(-alpha)       g(x) = 1 - (1 + 2x/(alpha-1))^(1-alpha) / 2     if x &gt;= 0
 *                                                      = (1 - 2x/(alpha-1))^(1-alpha) / 2         if x &lt; 0
 * </pre>
 * Default {@code alpha = 2}; {@code alpha} must be finite and {@code > 1} (upstream asserts it: at 1 the tail
 * factor {@code 2/(alpha-1)} is infinite). The float path computes the base in float and {@code pow} in double, except for the default
 * {@code alpha = 2} ({@code pow} costs about 50 ns): there {@code r = 1/t} with {@code t = 1 + 2|x|} gives
 * {@code g' = r r} and {@code h = r/2} in float (within 2 ulp of the correctly rounded value; {@code 1/t} first, so
 * nothing overflows), and the sign choice of g is the min/max unit step (see {@link Select#step}), so C2
 * vectorizes the bulk loops.
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 188-192
 * at the default {@code alpha = 2} (three runs; 12.6 against 0.067 ns per element): the formula's {@code ^(-alpha)}
 * is a {@code Math.pow} per element, the class's pow-free form for {@code alpha = 2} vectorizes. The formula's
 * accuracy held (2 ulps, closer to the reference).
 */
public final class QPseudoSpike extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 2.0;

    private final double alpha;
    private final float kF;
    /** {@code alpha == 2}: the pow-free float forms. */
    private final boolean alpha2;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public QPseudoSpike() {
        this(DEFAULT_ALPHA, true);
    }

    public QPseudoSpike(double alpha) {
        this(alpha, true);
    }

    public QPseudoSpike(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requireGreaterThan("QPseudoSpike", "alpha", alpha, 1);
        toFloat("QPseudoSpike", "alpha", alpha); // the CUDA code's exponent
        this.kF = toFloat("QPseudoSpike", "2 / (alpha - 1)", 2 / (alpha - 1));
        this.alpha2 = alpha == 2.0;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "QPseudoSpike";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {0};
    }

    @Override
    public double primitive(double x) {
        double h = Math.pow(1 + 2 * Math.abs(x) / (alpha - 1), 1 - alpha) / 2;
        return x >= 0 ? 1 - h : h;
    }

    @Override
    public double gradient(double x) {
        return Math.pow(1 + 2 * Math.abs(x) / (alpha - 1), -alpha);
    }

    private static float g(float x, float k, double a) {
        float h = 0.5f * (float) Math.pow(1f + k * Math.abs(x), 1 - a);
        return x >= 0f ? 1f - h : h;
    }

    private static float dg(float x, float k, double a) {
        return (float) Math.pow(1f + k * Math.abs(x), -a);
    }

    /** g for alpha = 2: {@code h = (1/t)/2}, {@code s = 1} for {@code x >= 0} (-0.0 included), g = {@code s (1-h) + (1-s) h}. */
    private static float g2(float x, float k) {
        float h = 0.5f * (1f / (1f + k * Math.abs(x)));
        float s = Select.nonNegative(x);
        return s * (1f - h) + (1f - s) * h;
    }

    /** {@code g2} for the two-offset (scalar) primitive loop: the same value (see Select#stepScalar). */
    private static float g2Scalar(float x, float k) {
        float h = 0.5f * (1f / (1f + k * Math.abs(x)));
        float s = Select.nonNegativeScalar(x);
        return s * (1f - h) + (1f - s) * h;
    }

    /** g' for alpha = 2: {@code (1/t)^2}. */
    private static float dg2(float x, float k) {
        float r = 1f / (1f + k * Math.abs(x));
        return r * r;
    }

    @Override
    public float primitive(float x) {
        return alpha2 ? g2(x, kF) : g(x, kF, alpha);
    }

    @Override
    public float gradient(float x) {
        return alpha2 ? dg2(x, kF) : dg(x, kF, alpha);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float k = kF;
        final double a = alpha;
        if (alpha2) {
            if (xOff == yOff) { // one index, vectorized (see LoopShapeBench)
                for (int i = yOff, e = yOff + n; i < e; i++) {
                    y[i] = g2(x[i], k);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    y[yOff + i] = g2Scalar(x[xOff + i], k);
                }
            }
            return;
        }
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], k, a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], k, a);
            }
        }
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float k = kF;
        final double a = alpha;
        if (alpha2) {
            if (xOff == oOff) { // one index, vectorized (see LoopShapeBench)
                for (int i = oOff, e = oOff + n; i < e; i++) {
                    out[i] = dg2(x[i], k);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    out[oOff + i] = dg2(x[xOff + i], k);
                }
            }
            return;
        }
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], k, a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dg(x[xOff + i], k, a);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float k = kF;
        final double a = alpha;
        if (alpha2) {
            if (xOff == gOff) { // one index, vectorized (see LoopShapeBench)
                for (int i = gOff, e = gOff + n; i < e; i++) {
                    gradIn[i] = gradOut[i] * dg2(x[i], k);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    gradIn[gOff + i] = gradOut[gOff + i] * dg2(x[xOff + i], k);
                }
            }
            return;
        }
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], k, a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dg(x[xOff + i], k, a);
            }
        }
    }

    /**
     * half2 converts both lanes to float: cuda_fp16.h has no half power function, and {@code h2exp(-alpha h2log(b))}
     * in half precision loses most digits for large bases; the result is packed back with {@code __floats2half2_rn}.
     */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        String k = SurrogateFunction.cudaFloat(2 / (alpha - 1));
        String a = SurrogateFunction.cudaFloat(-alpha);
        if (s.isFloat()) {
            return s.result("powf(1.0f + " + k + " * fabsf(" + x + "), " + a + ")");
        }
        String f = s.let("float2", "f", "__half22float2(" + x + ")");
        return s.result("__floats2half2_rn(powf(1.0f + " + k + " * fabsf(" + f + ".x), " + a + "), powf(1.0f + " + k
                + " * fabsf(" + f + ".y), " + a + "))");
    }

    @Override
    public QPseudoSpike copy() {
        return new QPseudoSpike(alpha, isSpiking());
    }
}
