package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Rectangular surrogate (upstream {@code Rect}).
 *
 * <pre>
 * g'(x) = alpha   if |x| &lt; 1/(2 alpha)            g(x) = clamp(alpha x + 1/2, 0, 1)
 *       = 0       otherwise
 * </pre>
 * Default {@code alpha = 1}; {@code alpha} must be finite and {@code > 0} (the window has half-width
 * {@code 1/(2 alpha)}). The float paths are branch-free: {@code min/max} for g, a min/max unit step for g'
 * (see {@link Select#step}), so C2 vectorizes the bulk loops. A NaN input gives a NaN gradient (float and double).
 *
 * <p>Hand-written float paths, kept: {@code snn bench surrogate} (2026-12-05, AMD EPYC with AVX-512, 2 cores, load
 * average 9-12) measured the bulk gradient compiled from its formula ({@link BuiltinFormulas}) at formula/class 1.21-1.23
 * (three runs; 0.17-0.19 against 0.14-0.16 ns per element), beyond the 10% that would make the formula the
 * definition. The formula's accuracy held (0 ulps).
 */
public final class Rect extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;
    private final float aF;
    private final float halfWidthF;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public Rect() {
        this(DEFAULT_ALPHA, true);
    }

    public Rect(double alpha) {
        this(alpha, true);
    }

    public Rect(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("Rect", "alpha", alpha);
        this.aF = toFloat("Rect", "alpha", alpha);
        this.halfWidthF = toFloat("Rect", "1 / (2 * alpha)", 1 / (2 * alpha));
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "Rect";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {-1 / (2 * alpha), 1 / (2 * alpha)};
    }

    @Override
    public double primitive(double x) {
        return Math.min(Math.max(alpha * x + 0.5, 0), 1);
    }

    @Override
    public double gradient(double x) {
        if (Double.isNaN(x)) {
            return x; // as the float paths, which propagate NaN (see Select.step)
        }
        return Math.abs(x) < 1 / (2 * alpha) ? alpha : 0;
    }

    private static float g(float x, float a) {
        return Math.min(Math.max(a * x + 0.5f, 0f), 1f);
    }

    private static float dg(float x, float a, float hw) {
        return a * Select.step(hw - Math.abs(x)); // |x| < hw ? a : 0, branch-free and vectorizable; NaN gives NaN
    }

    /** {@code dg} for the two-offset (scalar) loops: the same value, NaN included (see Select#stepScalar). */
    private static float dgScalar(float x, float a, float hw) {
        return a * Select.stepScalar(hw - Math.abs(x)); // |x| < hw ? a : 0, NaN gives NaN
    }

    @Override
    public float primitive(float x) {
        return g(x, aF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, aF, halfWidthF);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = aF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], a);
            }
        }
    }

    // Repeated per surrogate on purpose: g inlines here; one shared loop would call g megamorphically (LoopShapeBench).
    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float a = aF, hw = halfWidthF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], a, hw);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dgScalar(x[xOff + i], a, hw);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float a = aF, hw = halfWidthF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], a, hw);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dgScalar(x[xOff + i], a, hw);
            }
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("(fabsf(" + x + ") < " + s.c(1 / (2 * alpha)) + ") ? " + s.c(alpha) + " : 0.0f");
        }
        return s.result("__hmul2(__hlt2(__habs2(" + x + "), " + s.c(1 / (2 * alpha)) + "), " + s.c(alpha) + ")");
    }

    @Override
    public Rect copy() {
        return new Rect(alpha, isSpiking());
    }
}
