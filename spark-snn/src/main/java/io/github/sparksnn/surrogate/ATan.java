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
 *
 * <p>The float paths, scalar and bulk, are the kernel compiled from this function's formula ({@link BuiltinFormulas}):
 * its one definition on a CPU; the double methods stay as the float64 reference, the CUDA code as shipped.
 */
public final class ATan extends FormulaDefinedSurrogate {
    private static final long serialVersionUID = 1L;
    public static final double DEFAULT_ALPHA = 2.0;

    private final double alpha;

    // One class per surrogate, with upstream's name and constructors, by design: these few lines repeat per class.
    public ATan() {
        this(DEFAULT_ALPHA, true);
    }

    public ATan(double alpha) {
        this(alpha, true);
    }

    public ATan(double alpha, boolean spiking) {
        super(spiking);
        this.alpha = requirePositive("ATan", "alpha", alpha);
        // float constants of the CUDA code and the formula: rejected where they overflow or underflow float
        toFloat("ATan", "alpha", alpha);
        toFloat("ATan", "alpha / 2", alpha / 2);
        toFloat("ATan", "pi/2 * alpha", Math.PI / 2 * alpha);
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
