package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Piecewise quadratic surrogate (upstream {@code PiecewiseQuadratic}, Esser et al. 2016 / Wu et al. 2018).
 *
 * <pre>
 * g'(x) = 0                       if |x| &gt; 1/alpha      g(x) = 0                                  if x &lt; -1/alpha
 *       = alpha - alpha^2 |x|     otherwise                 = -alpha^2/2 x|x| + alpha x + 1/2      if |x| &lt;= 1/alpha
 *                                                           = 1                                  if x &gt; 1/alpha
 * </pre>
 * Default {@code alpha = 1}; {@code alpha} must be finite and {@code > 0} (the support has half-width 1/alpha).
 * The float paths are branch-free: {@code g' = max(0, alpha - alpha^2|x|)} and {@code g} evaluated at x clamped
 * to {@code [-1/alpha, 1/alpha]}, which are the same functions. g' has a cusp at 0 (listed as a kink).
 */
public final class PiecewiseQuadratic extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;
    private final float aF;
    private final float a2F;
    private final float halfA2F;
    private final float invAF;

    public PiecewiseQuadratic() {
        this(DEFAULT_ALPHA, true);
    }

    public PiecewiseQuadratic(double alpha) {
        this(alpha, true);
    }

    public PiecewiseQuadratic(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("PiecewiseQuadratic", "alpha", alpha);
        this.aF = toFloat("PiecewiseQuadratic", "alpha", alpha);
        this.a2F = toFloat("PiecewiseQuadratic", "alpha * alpha", alpha * alpha);
        this.halfA2F = toFloat("PiecewiseQuadratic", "alpha * alpha / 2", alpha * alpha / 2);
        this.invAF = toFloat("PiecewiseQuadratic", "1 / alpha", 1 / alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "PiecewiseQuadratic";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {-1 / alpha, 0, 1 / alpha};
    }

    @Override
    public double primitive(double x) {
        if (x < -1 / alpha) {
            return 0;
        }
        if (x > 1 / alpha) {
            return 1;
        }
        return -alpha * alpha / 2 * x * Math.abs(x) + alpha * x + 0.5;
    }

    @Override
    public double gradient(double x) {
        double ax = Math.abs(x);
        return ax > 1 / alpha ? 0 : alpha - alpha * alpha * ax;
    }

    private static float g(float x, float halfA2, float a, float invA) {
        float c = Math.min(Math.max(x, -invA), invA);
        return -halfA2 * c * Math.abs(c) + a * c + 0.5f;
    }

    private static float dg(float x, float a, float a2) {
        return Math.max(0f, a - a2 * Math.abs(x));
    }

    @Override
    public float primitive(float x) {
        return g(x, halfA2F, aF, invAF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, aF, a2F);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float h = halfA2F, a = aF, inv = invAF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], h, a, inv);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], h, a, inv);
            }
        }
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float a = aF, a2 = a2F;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], a, a2);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dg(x[xOff + i], a, a2);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float a = aF, a2 = a2F;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], a, a2);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dg(x[xOff + i], a, a2);
            }
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("fmaxf(0.0f, " + s.c(alpha) + " - " + s.c(alpha * alpha) + " * fabsf(" + x + "))");
        }
        return s.result("__hmax2(" + s.c(0) + ", __hsub2(" + s.c(alpha) + ", __hmul2(" + s.c(alpha * alpha)
                + ", __habs2(" + x + "))))");
    }

    @Override
    public PiecewiseQuadratic copy() {
        return new PiecewiseQuadratic(alpha, isSpiking());
    }
}
