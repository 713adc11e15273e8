package io.github.sparksnn.surrogate;

import java.util.Map;

/**
 * Sigmoid surrogate (upstream {@code Sigmoid}).
 *
 * <pre>
 * g(x)  = sigmoid(alpha x) = 1 / (1 + exp(-alpha x))
 * g'(x) = alpha * sigmoid(alpha x) * (1 - sigmoid(alpha x))
 * </pre>
 * Default {@code alpha = 4}.
 */
public final class Sigmoid extends SurrogateFunction {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 4.0;

    private final double alpha;
    private final float alphaF;

    public Sigmoid() {
        this(DEFAULT_ALPHA, true);
    }

    public Sigmoid(double alpha) {
        this(alpha, true);
    }

    public Sigmoid(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requireFinite("Sigmoid", "alpha", alpha);
        this.alphaF = (float) alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "Sigmoid";
    }

    @Override
    public Map<String, Double> parameters() {
        return params("alpha", alpha);
    }

    @Override
    public double primitive(double x) {
        return 1 / (1 + Math.exp(-alpha * x));
    }

    @Override
    public double gradient(double x) {
        double s = 1 / (1 + Math.exp(-alpha * x));
        return alpha * s * (1 - s);
    }

    @Override
    public float primitive(float x) {
        return 1f / (1f + (float) Math.exp(-alphaF * x));
    }

    @Override
    public float gradient(float x) {
        float s = 1f / (1f + (float) Math.exp(-alphaF * x));
        return alphaF * s * (1f - s);
    }

    @Override
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        final float a = alphaF;
        for (int i = 0; i < n; i++) {
            y[yOff + i] = 1f / (1f + (float) Math.exp(-a * x[xOff + i]));
        }
    }

    @Override
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        final float a = alphaF;
        for (int i = 0; i < n; i++) {
            float s = 1f / (1f + (float) Math.exp(-a * x[xOff + i]));
            out[oOff + i] = a * s * (1f - s);
        }
    }

    @Override
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        final float a = alphaF;
        for (int i = 0; i < n; i++) {
            float s = 1f / (1f + (float) Math.exp(-a * x[xOff + i]));
            gradIn[gOff + i] = gradOut[gOff + i] * (a * s * (1f - s));
        }
    }

    @Override
    public String cudaCode(String x, String y, CudaDtype dtype) {
        String p = cudaPrefix("sigmoid", x, y);
        StringBuilder sb = new StringBuilder(cudaCodeStartComment()).append('\n');
        if (dtype == CudaDtype.FLOAT) {
            sb.append("const float ").append(p).append("_s = 1.0f / (1.0f + expf(-").append(cudaFloat(alpha)).append(" * ").append(x).append("));\n");
            sb.append("const float ").append(y).append(" = (1.0f - ").append(p).append("_s) * ").append(p).append("_s * ").append(cudaFloat(alpha)).append(";\n");
        } else {
            sb.append("const half2 ").append(p).append("_alpha = __float2half2_rn(").append(cudaFloat(alpha)).append(");\n");
            sb.append("const half2 ").append(p).append("_s = __h2div(__float2half2_rn(1.0f), __hadd2(__float2half2_rn(1.0f), h2exp(__hneg2(__hmul2(")
                    .append(p).append("_alpha, ").append(x).append(")))));\n");
            sb.append("const half2 ").append(y).append(" = __hmul2(__hmul2(__hsub2(__float2half2_rn(1.0f), ").append(p).append("_s), ")
                    .append(p).append("_s), ").append(p).append("_alpha);\n");
        }
        return sb.append(cudaCodeEndComment()).append('\n').toString();
    }

    @Override
    public Sigmoid copy() {
        return new Sigmoid(alpha, isSpiking());
    }
}
