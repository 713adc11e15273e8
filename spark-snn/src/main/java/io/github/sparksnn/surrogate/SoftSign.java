package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Soft-sign surrogate (upstream {@code SoftSign}, SuperSpike paper).
 *
 * <pre>
 * g'(x) = alpha / (2 (1 + |alpha x|)^2)        g(x) = (alpha x / (1 + |alpha x|) + 1) / 2
 * </pre>
 * Default {@code alpha = 2}; {@code alpha} must be finite and {@code > 0} (upstream asserts {@code alpha > 0}).
 */
public final class SoftSign extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 2.0;

    private final double alpha;
    private final float aF;
    private final float halfAF;

    public SoftSign() {
        this(DEFAULT_ALPHA, true);
    }

    public SoftSign(double alpha) {
        this(alpha, true);
    }

    public SoftSign(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("SoftSign", "alpha", alpha);
        this.aF = toFloat("SoftSign", "alpha", alpha);
        this.halfAF = toFloat("SoftSign", "alpha / 2", alpha / 2);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "SoftSign";
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
        double ax = alpha * x;
        return (ax / (1 + Math.abs(ax)) + 1) / 2;
    }

    @Override
    public double gradient(double x) {
        double d = 1 + Math.abs(alpha * x);
        return alpha / (2 * d * d);
    }

    private static float g(float x, float a) {
        float ax = a * x;
        return 0.5f * (ax / (1f + Math.abs(ax))) + 0.5f;
    }

    private static float dg(float x, float a, float halfA) {
        float d = 1f + Math.abs(a * x);
        return halfA / (d * d);
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
            String d = s.let("d", "1.0f + fabsf(" + s.c(alpha) + " * " + x + ")");
            return s.result(s.c(alpha / 2) + " / (" + d + " * " + d + ")");
        }
        String d = s.let("d", "__hadd2(" + s.c(1) + ", __habs2(__hmul2(" + s.c(alpha) + ", " + x + ")))");
        return s.result("__h2div(" + s.c(alpha / 2) + ", __hmul2(" + d + ", " + d + "))");
    }

    @Override
    public SoftSign copy() {
        return new SoftSign(alpha, isSpiking());
    }
}
