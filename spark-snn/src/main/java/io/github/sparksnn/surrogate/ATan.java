package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Arc-tangent surrogate (upstream {@code ATan}).
 *
 * <pre>
 * g'(x) = alpha / 2 / (1 + (pi/2 * alpha * x)^2)
 * g(x)  = atan(pi/2 * alpha * x) / pi + 1/2
 * </pre>
 * Default {@code alpha = 2}; {@code alpha} must be finite and {@code > 0} (otherwise g' vanishes or changes sign).
 */
public final class ATan extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 2.0;

    private final double alpha;
    private final float alphaF;
    private final float halfAlphaF;
    private final float halfPiAlphaF;

    public ATan() {
        this(DEFAULT_ALPHA, true);
    }

    public ATan(double alpha) {
        this(alpha, true);
    }

    public ATan(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("ATan", "alpha", alpha);
        this.alphaF = toFloat("ATan", "alpha", alpha);
        this.halfAlphaF = toFloat("ATan", "alpha / 2", alpha / 2);
        this.halfPiAlphaF = toFloat("ATan", "pi/2 * alpha", Math.PI / 2 * alpha);
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "ATan";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double primitive(double x) {
        return Math.atan(Math.PI / 2 * alpha * x) / Math.PI + 0.5;
    }

    @Override
    public double gradient(double x) {
        double z = Math.PI / 2 * alpha * x;
        return alpha / 2 / (1 + z * z);
    }

    @Override
    public float primitive(float x) {
        return (float) (Math.atan(halfPiAlphaF * x) / Math.PI) + 0.5f;
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float k = halfPiAlphaF;
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = (float) (Math.atan(k * x[i]) / Math.PI) + 0.5f;
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = (float) (Math.atan(k * x[xOff + i]) / Math.PI) + 0.5f;
            }
        }
    }

    @Override
    public float gradient(float x) {
        float z = halfPiAlphaF * x;
        return halfAlphaF / (1f + z * z);
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float a = halfAlphaF;
        final float k = halfPiAlphaF;
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                float z = k * x[i];
                out[i] = a / (1f + z * z);
            }
        } else {
            for (int i = 0; i < n; i++) {
                float z = k * x[xOff + i];
                out[oOff + i] = a / (1f + z * z);
            }
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float a = halfAlphaF;
        final float k = halfPiAlphaF;
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                float z = k * x[i];
                gradIn[i] = gradOut[i] * (a / (1f + z * z));
            }
        } else {
            for (int i = 0; i < n; i++) {
                float z = k * x[xOff + i];
                gradIn[gOff + i] = gradOut[gOff + i] * (a / (1f + z * z));
            }
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        String p = cudaPrefix("atan", x, y);
        StringBuilder sb = new StringBuilder(cudaCodeStartComment()).append('\n');
        if (dtype == CudaDtype.FLOAT) {
            sb.append("const float ").append(p).append("_z = ").append(cudaFloat(Math.PI / 2 * alpha)).append(" * ").append(x).append(";\n");
            sb.append("const float ").append(y).append(" = ").append(cudaFloat(alpha / 2)).append(" / (1.0f + ")
                    .append(p).append("_z * ").append(p).append("_z);\n");
        } else {
            sb.append("const half2 ").append(p).append("_z = __hmul2(__float2half2_rn(").append(cudaFloat(Math.PI / 2 * alpha))
                    .append("), ").append(x).append(");\n");
            sb.append("const half2 ").append(y).append(" = __h2div(__float2half2_rn(").append(cudaFloat(alpha / 2))
                    .append("), __hfma2(").append(p).append("_z, ").append(p).append("_z, __float2half2_rn(1.0f)));\n");
        }
        return sb.append(cudaCodeEndComment()).append('\n').toString();
    }

    @Override
    public ATan copy() {
        return new ATan(alpha, isSpiking());
    }
}
