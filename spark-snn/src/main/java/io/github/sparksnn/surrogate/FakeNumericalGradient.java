package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Fake numerical gradient surrogate (upstream {@code FakeNumericalGradient}, Xu et al. 2023).
 *
 * <pre>
 * g'(x) = min(1/|x|, alpha)   (alpha at x = 0)        g(x) = alpha x                        if |x| &lt;= 1/alpha
 *                                                          = sgn(x) (1 + ln(alpha |x|))       if |x| &gt; 1/alpha
 * </pre>
 * Upstream defines no primitive; this one is derived: inside {@code |x| <= 1/alpha} the gradient is the constant
 * alpha, so {@code g = alpha x} (choosing {@code g(0) = 0}: the function is odd, like the gradient is even);
 * beyond, {@code d/dx ln(alpha|x|) = 1/x = 1/|x| sgn(x)}, and the constant {@code sgn(x) * 1} makes g continuous at
 * {@code |x| = 1/alpha}, where both pieces equal {@code +-1}. The range is the whole real line (g grows like ln).
 * Default {@code alpha = 0.3}; {@code alpha} must be finite and {@code > 0}.
 */
public final class FakeNumericalGradient extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 0.3;

    private final double alpha;
    private final float aF;
    private final float invAF;

    public FakeNumericalGradient() {
        this(DEFAULT_ALPHA, true);
    }

    public FakeNumericalGradient(double alpha) {
        this(alpha, true);
    }

    public FakeNumericalGradient(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("FakeNumericalGradient", "alpha", alpha);
        this.aF = toFloat("FakeNumericalGradient", "alpha", alpha);
        this.invAF = toFloat("FakeNumericalGradient", "1 / alpha", 1 / alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "FakeNumericalGradient";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double[] kinks() {
        return new double[] {-1 / alpha, 1 / alpha};
    }

    @Override
    public double primitive(double x) {
        double ax = Math.abs(x);
        if (ax <= 1 / alpha) {
            return alpha * x;
        }
        double m = 1 + Math.log(alpha * ax);
        return x >= 0 ? m : -m;
    }

    @Override
    public double gradient(double x) {
        return Math.min(1 / Math.abs(x), alpha);
    }

    private static float g(float x, float a, float inv) {
        float xc = Math.min(Math.max(x, -inv), inv);
        return a * xc + Math.copySign((float) Math.log(Math.max(a * Math.abs(x), 1f)), x);
    }

    private static float dg(float x, float a) {
        return Math.min(1f / Math.abs(x), a);
    }

    @Override
    public float primitive(float x) {
        return g(x, aF, invAF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, aF);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = aF, inv = invAF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = g(x[i], a, inv);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = g(x[xOff + i], a, inv);
            }
        }
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float a = aF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dg(x[xOff + i], a);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float a = aF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], a);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dg(x[xOff + i], a);
            }
        }
    }

    /**
     * Float: {@code fminf(1/|x|, alpha)} ({@code 1/0 = inf} under IEEE division). half2: {@code 1/max(|x|, 1/alpha)},
     * the same function without a division by zero (half2 division is an approximation whose 1/0 is not promised).
     */
    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("fminf(1.0f / fabsf(" + x + "), " + s.c(alpha) + ")");
        }
        return s.result("__h2div(" + s.c(1) + ", __hmax2(__habs2(" + x + "), " + s.c(1 / alpha) + "))");
    }

    @Override
    public FakeNumericalGradient copy() {
        return new FakeNumericalGradient(alpha, isSpiking());
    }
}
