package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * SuperSpike surrogate (upstream {@code SuperSpike}, Zenke and Ganguli 2018).
 *
 * <pre>
 * g'(x) = alpha / (1 + |x|)^2          g(x) = 1/2 + alpha x / (1 + |x|)
 * </pre>
 * Upstream defines no primitive (and its module forwards to ATan by mistake; the contract is the g' above). The
 * primitive here is derived: {@code d/dx [x / (1 + |x|)] = 1 / (1 + |x|)^2} on both sides of 0, so
 * {@code g = alpha x / (1 + |x|) + C}, with {@code C = 1/2} so that {@code g(0) = 1/2} like the other
 * surrogates. Its range is {@code (1/2 - alpha, 1/2 + alpha)}: (0, 1) only for {@code alpha = 1/2}.
 * Default {@code alpha = 1}; {@code alpha} must be finite and {@code > 0}.
 */
public final class SuperSpike extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;
    private final float aF;

    public SuperSpike() {
        this(DEFAULT_ALPHA, true);
    }

    public SuperSpike(double alpha) {
        this(alpha, true);
    }

    public SuperSpike(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("SuperSpike", "alpha", alpha);
        this.aF = toFloat("SuperSpike", "alpha", alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "SuperSpike";
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
        return 0.5 + alpha * x / (1 + Math.abs(x));
    }

    @Override
    public double gradient(double x) {
        double d = 1 + Math.abs(x);
        return alpha / (d * d);
    }

    private static float g(float x, float a) {
        return 0.5f + a * x / (1f + Math.abs(x));
    }

    private static float dg(float x, float a) {
        float d = 1f + Math.abs(x);
        return a / (d * d);
    }

    @Override
    public float primitive(float x) {
        return g(x, aF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, aF);
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

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            String d = s.let("d", "1.0f + fabsf(" + x + ")");
            return s.result(s.c(alpha) + " / (" + d + " * " + d + ")");
        }
        String d = s.let("d", "__hadd2(" + s.c(1) + ", __habs2(" + x + "))");
        return s.result("__h2div(" + s.c(alpha) + ", __hmul2(" + d + ", " + d + "))");
    }

    @Override
    public SuperSpike copy() {
        return new SuperSpike(alpha, isSpiking());
    }
}
