package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Nonzero-sign-log-abs surrogate (upstream {@code NonzeroSignLogAbs}).
 *
 * <pre>
 * g'(x) = 1 / (1/alpha + |x|)          g(x) = sgn(x) ln(|alpha x| + 1),   sgn(x) = 1 if x &gt;= 0 else -1
 * </pre>
 * The primitive's range is not (0, 1) (it is odd and unbounded), as upstream notes. Default {@code alpha = 1};
 * {@code alpha} must be finite and {@code > 0}. {@code ln(1 + a|x|)} is computed with {@code log1p} in double.
 */
public final class NonzeroSignLogAbs extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;
    private final float aF;
    private final float invAF;

    public NonzeroSignLogAbs() {
        this(DEFAULT_ALPHA, true);
    }

    public NonzeroSignLogAbs(double alpha) {
        this(alpha, true);
    }

    public NonzeroSignLogAbs(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("NonzeroSignLogAbs", "alpha", alpha);
        this.aF = toFloat("NonzeroSignLogAbs", "alpha", alpha);
        this.invAF = toFloat("NonzeroSignLogAbs", "1 / alpha", 1 / alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "NonzeroSignLogAbs";
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
        double m = Math.log1p(Math.abs(alpha * x));
        return x >= 0 ? m : -m;
    }

    @Override
    public double gradient(double x) {
        return 1 / (1 / alpha + Math.abs(x));
    }

    private static float g(float x, float a) {
        return Math.copySign((float) Math.log1p(Math.abs(a * x)), x);
    }

    private static float dg(float x, float invA) {
        return 1f / (invA + Math.abs(x));
    }

    @Override
    public float primitive(float x) {
        return g(x, aF);
    }

    @Override
    public float gradient(float x) {
        return dg(x, invAF);
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
        final float inv = invAF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = dg(x[i], inv);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = dg(x[xOff + i], inv);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float inv = invAF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * dg(x[i], inv);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * dg(x[xOff + i], inv);
            }
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        CudaSnippet s = new CudaSnippet(this, x, y, dtype);
        if (s.isFloat()) {
            return s.result("1.0f / (" + s.c(1 / alpha) + " + fabsf(" + x + "))");
        }
        return s.result("__h2div(" + s.c(1) + ", __hadd2(" + s.c(1 / alpha) + ", __habs2(" + x + ")))");
    }

    @Override
    public NonzeroSignLogAbs copy() {
        return new NonzeroSignLogAbs(alpha, isSpiking());
    }
}
