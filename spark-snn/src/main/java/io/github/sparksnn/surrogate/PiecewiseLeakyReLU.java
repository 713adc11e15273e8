package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Piecewise leaky ReLU surrogate (upstream {@code PiecewiseLeakyReLU}).
 *
 * <pre>
 * g'(x) = 1/(2w)     if |x| &lt; w             g(x) = c x + c w               if x &lt; -w
 *       = c          otherwise                    = x/(2w) + 1/2            if |x| &lt;= w
 *                                                 = c x - c w + 1           if x &gt; w
 * </pre>
 * The gradient inside is {@code 1/(2w)} as upstream's parameter text says (its formula's {@code 1/w} is a typo);
 * the primitive is consistent with it. Defaults {@code w = 1}, {@code c = 0.01}; {@code w} must be finite and
 * {@code > 0}, {@code c} any finite number (the slope outside, 0 gives a rectangle). The float primitive is
 * branch-free: {@code g = xc/(2w) + 1/2 + c (x - xc)} with {@code xc = clamp(x, -w, w)}; g' = {@code s/(2w) + c (1 - s)}
 * with the min/max unit step {@code s = step(w - |x|)} (see {@link Select#step}), so C2 vectorizes the bulk loops.
 * A NaN input gives a NaN gradient (float and double).
 */
public final class PiecewiseLeakyReLU extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_W = 1.0;
    public static final double DEFAULT_C = 0.01;

    private final double w;
    private final double c;
    private final float wF;
    private final float cF;
    private final float inF;

    public PiecewiseLeakyReLU() {
        this(DEFAULT_W, DEFAULT_C, true);
    }

    public PiecewiseLeakyReLU(double w, double c) {
        this(w, c, true);
    }

    public PiecewiseLeakyReLU(double w, double c, boolean spiking) {
        super(spiking);
        this.w = requirePositive("PiecewiseLeakyReLU", "w", w);
        this.c = requireFinite("PiecewiseLeakyReLU", "c", c);
        this.wF = toFloat("PiecewiseLeakyReLU", "w", w);
        this.cF = toFloat("PiecewiseLeakyReLU", "c", c);
        this.inF = toFloat("PiecewiseLeakyReLU", "1 / (2 * w)", 1 / (2 * w));
    }

    public double w() {
        return w;
    }

    public double c() {
        return c;
    }

    @Override
    public String name() {
        return "PiecewiseLeakyReLU";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("w", w, "c", c);
    }

    @Override
    public double[] kinks() {
        return new double[] {-w, w};
    }

    @Override
    public double primitive(double x) {
        if (x < -w) {
            return c * x + c * w;
        }
        if (x > w) {
            return c * x - c * w + 1;
        }
        return x / (2 * w) + 0.5;
    }

    @Override
    public double gradient(double x) {
        if (Double.isNaN(x)) {
            return x; // as the float paths, which propagate NaN (see Select.step)
        }
        return Math.abs(x) < w ? 1 / (2 * w) : c;
    }

    private static float g(float x, float w, float c, float in) {
        float xc = Math.min(Math.max(x, -w), w);
        return xc * in + 0.5f + c * (x - xc);
    }

    private static float dg(float x, float w, float c, float in) {
        float s = Select.step(w - Math.abs(x)); // |x| < w: 1, else 0, NaN for NaN; branch-free and vectorizable
        return in * s + c * (1f - s);
    }

    /** {@code dg} for the two-offset (scalar) loops: the same value, NaN included (see Select#stepScalar). */
    private static float dgScalar(float x, float w, float c, float in) {
        float s = Select.stepScalar(w - Math.abs(x)); // |x| < w: 1, else 0, NaN for NaN
        return in * s + c * (1f - s);
    }

    @Override
    public float primitive(float x) {
        return g(x, wF, cF, inF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, wF, cF, inF);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float w0 = wF, c0 = cF, in = inF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], w0, c0, in);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], w0, c0, in);
            }
        }
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float w0 = wF, c0 = cF, in = inF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], w0, c0, in);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dgScalar(x[xOff + i], w0, c0, in);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float w0 = wF, c0 = cF, in = inF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], w0, c0, in);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dgScalar(x[xOff + i], w0, c0, in);
            }
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("(fabsf(" + x + ") < " + s.c(w) + ") ? " + s.c(1 / (2 * w)) + " : " + s.c(c));
        }
        String m = s.let("m", "__hlt2(__habs2(" + x + "), " + s.c(w) + ")");
        return s.result(CudaSnippet.h2select(m, s.c(1 / (2 * w)), s.c(c)));
    }

    @Override
    public PiecewiseLeakyReLU copy() {
        return new PiecewiseLeakyReLU(w, c, isSpiking());
    }
}
