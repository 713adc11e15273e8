package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Piecewise exponential surrogate (upstream {@code PiecewiseExp}, Neftci et al. 2019).
 *
 * <pre>
 * g'(x) = alpha/2 * exp(-alpha |x|)        g(x) = exp(alpha x) / 2          if x &lt; 0
 *                                                = 1 - exp(-alpha x) / 2     if x &gt;= 0
 * </pre>
 * Default {@code alpha = 1}; {@code alpha} must be finite and {@code > 0}. g' has a cusp at 0 (listed as a kink).
 */
public final class PiecewiseExp extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;
    private final float aF;
    private final float halfAF;

    public PiecewiseExp() {
        this(DEFAULT_ALPHA, true);
    }

    public PiecewiseExp(double alpha) {
        this(alpha, true);
    }

    public PiecewiseExp(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("PiecewiseExp", "alpha", alpha);
        this.aF = toFloat("PiecewiseExp", "alpha", alpha);
        this.halfAF = toFloat("PiecewiseExp", "alpha / 2", alpha / 2);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "PiecewiseExp";
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
        return x < 0 ? Math.exp(alpha * x) / 2 : 1 - Math.exp(-alpha * x) / 2;
    }

    @Override
    public double gradient(double x) {
        return alpha / 2 * Math.exp(-alpha * Math.abs(x));
    }

    private static float g(float x, float a) {
        float e = 0.5f * (float) Math.exp(-a * Math.abs(x));
        return x < 0f ? e : 1f - e;
    }

    private static float dg(float x, float a, float halfA) {
        return halfA * (float) Math.exp(-a * Math.abs(x));
    }

    @Override
    public float primitive(float x) {
        return g(x, aF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, aF, halfAF);
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

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float a = aF, h = halfAF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], a, h);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dg(x[xOff + i], a, h);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float a = aF, h = halfAF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], a, h);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dg(x[xOff + i], a, h);
            }
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result(s.c(alpha / 2) + " * expf(-" + s.c(alpha) + " * fabsf(" + x + "))");
        }
        return s.result("__hmul2(" + s.c(alpha / 2) + ", h2exp(__hneg2(__hmul2(" + s.c(alpha) + ", __habs2(" + x + ")))))");
    }

    @Override
    public PiecewiseExp copy() {
        return new PiecewiseExp(alpha, isSpiking());
    }
}
