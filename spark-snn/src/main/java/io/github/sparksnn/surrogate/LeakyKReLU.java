package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Leaky k-ReLU surrogate (upstream {@code LeakyKReLU(spiking=True, leak=0., k=1.)}).
 *
 * <pre>
 * g'(x) = k       if x &gt;= 0            g(x) = k x        if x &gt;= 0
 *       = leak    if x &lt; 0                  = leak x     if x &lt; 0
 * </pre>
 * Defaults {@code leak = 0}, {@code k = 1}; both may be any finite number. The float paths are branch-free:
 * {@code g = k max(x, 0) + leak min(x, 0)}, g' = {@code k s + leak (1 - s)} with the min/max unit step
 * {@code s = step(x + MIN_VALUE)} (see {@link Select#nonNegative}), so C2 vectorizes the bulk loops. A NaN input
 * gives a NaN gradient (float and double).
 */
public final class LeakyKReLU extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_LEAK = 0.0;
    public static final double DEFAULT_K = 1.0;

    private final double leak;
    private final double k;
    private final float leakF;
    private final float kF;

    public LeakyKReLU() {
        this(DEFAULT_LEAK, DEFAULT_K, true);
    }

    public LeakyKReLU(double leak, double k) {
        this(leak, k, true);
    }

    public LeakyKReLU(double leak, double k, boolean spiking) {
        super(spiking);
        this.leak = requireFinite("LeakyKReLU", "leak", leak);
        this.k = requireFinite("LeakyKReLU", "k", k);
        this.leakF = toFloat("LeakyKReLU", "leak", leak);
        this.kF = toFloat("LeakyKReLU", "k", k);
    }

    public double leak() {
        return leak;
    }

    public double k() {
        return k;
    }

    @Override
    public String name() {
        return "LeakyKReLU";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("leak", leak, "k", k);
    }

    @Override
    public double[] kinks() {
        return new double[] {0};
    }

    @Override
    public double primitive(double x) {
        return x >= 0 ? k * x : leak * x;
    }

    @Override
    public double gradient(double x) {
        if (Double.isNaN(x)) {
            return x; // as the float paths, which propagate NaN (see Select.step)
        }
        return x >= 0 ? k : leak;
    }

    private static float g(float x, float leak, float k) {
        return k * Math.max(x, 0f) + leak * Math.min(x, 0f);
    }

    private static float dg(float x, float leak, float k) {
        float s = Select.nonNegative(x); // 1 for x >= 0 (-0.0 included), 0 for x < 0, NaN for NaN; vectorizable
        return k * s + leak * (1f - s);
    }

    /** {@code dg} for the two-offset (scalar) loops: the same value, NaN included (see Select#stepScalar). */
    private static float dgScalar(float x, float leak, float k) {
        float s = Select.nonNegativeScalar(x); // 1 for x >= 0 (-0.0 included), 0 for x < 0, NaN for NaN
        return k * s + leak * (1f - s);
    }

    @Override
    public float primitive(float x) {
        return g(x, leakF, kF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, leakF, kF);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float l = leakF, k0 = kF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], l, k0);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], l, k0);
            }
        }
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float l = leakF, k0 = kF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], l, k0);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dgScalar(x[xOff + i], l, k0);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float l = leakF, k0 = kF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], l, k0);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dgScalar(x[xOff + i], l, k0);
            }
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("(" + x + " >= 0.0f) ? " + s.c(k) + " : " + s.c(leak));
        }
        String m = s.let("m", "__hge2(" + x + ", " + s.c(0) + ")");
        return s.result(CudaSnippet.h2select(m, s.c(k), s.c(leak)));
    }

    @Override
    public LeakyKReLU copy() {
        return new LeakyKReLU(leak, k, isSpiking());
    }
}
