package io.github.sparksnn.surrogate;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A surrogate spiking function, as SpikingJelly's {@code SurrogateFunctionBase}.
 *
 * <p>In spiking mode (the default) the forward pass is the Heaviside step {@code H(x) = 1 if x >= 0 else 0}
 * and the backward pass multiplies the incoming gradient by the surrogate gradient {@code g'(x)}. With spiking
 * mode off the forward pass is the smooth primitive {@code g(x)} and the backward pass its true derivative, so
 * a network built from such functions is differentiable and can be checked against finite differences.
 *
 * <p>Subclasses hold immutable parameters (validated in their constructors), implement the scalar math in
 * {@code double} (the reference) and {@code float} (what the bulk loops use), and override the bulk loops
 * so that each loop is monomorphic and inlined by the JIT: these loops sit in the innermost training loop. A
 * built-in whose compiled formula is as fast takes its float paths from it instead ({@code FormulaDefinedSurrogate},
 * {@link BuiltinFormulas}), as a {@link Formula} does.
 * Instances are {@link Serializable} because they travel to Spark executors inside models and UDFs.
 */
public abstract class SurrogateFunction implements Serializable {
    private static final long serialVersionUID = 1L;

    private boolean spiking;

    protected SurrogateFunction(boolean spiking) {
        this.spiking = spiking;
    }

    /** The Heaviside step in float: 1 for {@code x >= 0} (so H(0) = 1), 0 otherwise; NaN maps to 0. */
    public static float heaviside(float x) {
        return x >= 0f ? 1f : 0f;
    }

    /** The Heaviside step in double: 1 for {@code x >= 0}, 0 otherwise. */
    public static double heaviside(double x) {
        return x >= 0d ? 1d : 0d;
    }

    /** Upstream's class name, e.g. {@code ATan}; also the name the registry parses. */
    public abstract String name();

    /** The parameters by upstream's names, in upstream's order, e.g. {@code {alpha=2.0}}. */
    public abstract Map<String, Double> parameters();

    /** The primitive {@code g(x)} in double precision (the reference implementation). */
    public abstract double primitive(double x);

    /** The surrogate gradient {@code g'(x)} in double precision (the reference implementation). */
    public abstract double gradient(double x);

    /** The primitive {@code g(x)} in float; subclasses override it with float arithmetic where that is exact enough. */
    public float primitive(float x) {
        return (float) primitive((double) x);
    }

    /** The surrogate gradient {@code g'(x)} in float. */
    public float gradient(float x) {
        return (float) gradient((double) x);
    }

    /** Whether the forward pass emits spikes (Heaviside) rather than the primitive. */
    public final boolean isSpiking() {
        return spiking;
    }

    /** Upstream's {@code set_spiking_mode}: switches the forward pass between Heaviside and the primitive. */
    public SurrogateFunction setSpikingMode(boolean spiking) {
        this.spiking = spiking;
        return this;
    }

    /** Forward of one value: {@code H(x)} in spiking mode, {@code g(x)} otherwise. */
    public final float forward(float x) {
        return spiking ? heaviside(x) : primitive(x);
    }

    /** Forward of one value in double. */
    public final double forward(double x) {
        return spiking ? heaviside(x) : primitive(x);
    }

    /** Backward of one value: {@code gradOut * g'(x)} (the same in both modes). */
    public final float backward(float gradOut, float x) {
        return gradOut * gradient(x);
    }

    /**
     * Bulk forward: {@code y[yOff + i] = forward(x[xOff + i])} for {@code i < n}. In spiking mode this is the
     * Heaviside step; otherwise the primitive (through {@link #primitive(float[], int, float[], int, int)}).
     */
    public final void forward(float[] x, int xOff, float[] y, int yOff, int n) {
        if (spiking) {
            // branch-free (see Select.heaviside): a data-dependent ?: on random-signed potentials mispredicts, about 6x slower;
            // with one index, the vectorized min/max form with a NaN check
            if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
                Select.heaviside(x, y, yOff, yOff + n);
            } else {
                for (int i = 0; i < n; i++) {
                    y[yOff + i] = Select.heaviside(x[xOff + i]);
                }
            }
        } else {
            primitive(x, xOff, y, yOff, n);
        }
    }

    /** Bulk primitive: {@code y[yOff + i] = g(x[xOff + i])}. Override with a monomorphic loop for speed. */
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        if (xOff == yOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = yOff, e = yOff + n; i < e; i++) {
                y[i] = primitive(x[i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = primitive(x[xOff + i]);
            }
        }
    }

    /** Bulk surrogate gradient: {@code out[oOff + i] = g'(x[xOff + i])}. Override with a monomorphic loop. */
    public void gradient(float[] x, int xOff, float[] out, int oOff, int n) {
        if (xOff == oOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = oOff, e = oOff + n; i < e; i++) {
                out[i] = gradient(x[i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[oOff + i] = gradient(x[xOff + i]);
            }
        }
    }

    /**
     * Bulk backward: {@code gradIn[gOff + i] = gradOut[gOff + i] * g'(x[xOff + i])}. The incoming and
     * outgoing gradient share an offset, and may be the same array (in place). Override with a monomorphic loop.
     */
    public void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n) {
        if (xOff == gOff) { // one index: the loop shape C2 vectorizes on JDK 17 (see LoopShapeBench)
            for (int i = gOff, e = gOff + n; i < e; i++) {
                gradIn[i] = gradOut[i] * gradient(x[i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                gradIn[gOff + i] = gradOut[gOff + i] * gradient(x[xOff + i]);
            }
        }
    }

    /**
     * CUDA statements that declare {@code const float y} (or {@code const half2 y}) equal to {@code g'(x)} from
     * an already declared variable {@code x} of the same type, like upstream's {@code cuda_code}. Helper
     * variables are prefixed by a name unique to this call ({@code x} and {@code y} combined), and the code
     * is framed by {@link #cudaCodeStartComment()} and {@link #cudaCodeEndComment()}.
     */
    public abstract String cudaCode(String x, String y, CudaDtype dtype);

    /** {@code // start: spikingjelly.activation_based.surrogate.NAME.cuda_code}, as upstream. */
    public String cudaCodeStartComment() {
        return "// start: spikingjelly.activation_based.surrogate." + name() + ".cuda_code";
    }

    /** {@code // end: spikingjelly.activation_based.surrogate.NAME.cuda_code}, as upstream. */
    public String cudaCodeEndComment() {
        return "// end: spikingjelly.activation_based.surrogate." + name() + ".cuda_code";
    }

    /** A copy with the same parameters and spiking mode (functions are mutable only in their mode). */
    public abstract SurrogateFunction copy();

    /** Upstream's {@code extra_repr} inside the class name: {@code ATan(alpha=2.0, spiking=true)}; parses back. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name()).append('(');
        for (Map.Entry<String, Double> e : parameters().entrySet()) {
            sb.append(e.getKey()).append('=').append(formatParameter(e.getValue())).append(", ");
        }
        return sb.append("spiking=").append(spiking).append(')').toString();
    }

    /** Shortest decimal that round-trips the double, locale-independent ({@code 2.0}, {@code 0.3}, {@code 1.0E-4}). */
    static String formatParameter(double v) {
        return Double.toString(v);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        SurrogateFunction other = (SurrogateFunction) o;
        return spiking == other.spiking && parameters().equals(other.parameters());
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass().getName(), parameters(), spiking);
    }

    /** Ordered parameter map helper for subclasses. */
    protected static Map<String, Double> params(Object... nameValuePairs) {
        LinkedHashMap<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            m.put((String) nameValuePairs[i], ((Number) nameValuePairs[i + 1]).doubleValue());
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Validates a parameter is finite, naming it and the function in the error. */
    protected static double requireFinite(String function, String parameter, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(function + ": parameter " + parameter + " must be a finite number, got " + v);
        }
        return v;
    }

    /** Validates {@code v > 0}, naming the parameter and the allowed range. */
    protected static double requirePositive(String function, String parameter, double v) {
        requireFinite(function, parameter, v);
        if (!(v > 0)) {
            throw new IllegalArgumentException(function + ": parameter " + parameter + " must be > 0, got " + v);
        }
        return v;
    }

    /** Formats a float as an exact, locale-independent CUDA float literal ({@code 2.0f}, {@code 0.3f}). */
    protected static String cudaFloat(double v) {
        float f = (float) v;
        if (!Float.isFinite(f)) {
            throw new IllegalArgumentException("parameter " + v + " is not representable as a finite float");
        }
        // Float.toString is the shortest decimal that round-trips the float and ignores the default locale.
        return Float.toString(f) + "f";
    }

    /**
     * A C identifier prefix unique to the (x, y) pair of one generated snippet: {@code name_<len(x)>_x_y}. The
     * length of {@code x} makes the split unambiguous, so {@code (a_b, c)} and {@code (a, b_c)} get different
     * prefixes; two snippets with different variable names can therefore share one scope.
     */
    protected static String cudaPrefix(String name, String x, String y) {
        requireCudaIdentifier("x", x);
        requireCudaIdentifier("y", y);
        return (name + "_" + x.length() + "_" + x + "_" + y).replaceAll("[^A-Za-z0-9_]", "_");
    }

    /** Variable names passed to {@link #cudaCode} must be plain C identifiers (not expressions). */
    protected static String requireCudaIdentifier(String role, String name) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("cudaCode: " + role + " must be a C identifier, got '" + name + "'");
        }
        return name;
    }

    /** A half2 constant with the same value in both lanes: {@code __float2half2_rn(2.0f)}. */
    protected static String cudaHalf2(double v) {
        return "__float2half2_rn(" + cudaFloat(v) + ")";
    }

    /**
     * Points where a piece of {@code g'} or {@code g''} ends (e.g. {@code +-1/alpha}, {@code 0}). At these points
     * either side's value is accepted, and {@link GradientChecker} skips finite differences that straddle them.
     */
    public double[] kinks() {
        return new double[0];
    }

    /**
     * Rounds a (derived) constant to the float the float paths use, rejecting values that overflow to infinity or
     * underflow to zero in float: the float paths would silently compute a different function.
     */
    protected static float toFloat(String function, String what, double v) {
        float f = (float) v;
        if (Float.isInfinite(f) || Float.isNaN(f) || (v != 0 && f == 0f)) {
            throw new IllegalArgumentException(function + ": parameters give " + what + " = " + v
                    + ", outside the range of float (about 1.4e-45 to 3.4e38 in magnitude)");
        }
        return f;
    }

    /** Validates {@code v > bound}, naming the function, the parameter and the allowed range. */
    protected static double requireGreaterThan(String function, String parameter, double v, double bound) {
        requireFinite(function, parameter, v);
        if (!(v > bound)) {
            throw new IllegalArgumentException(function + ": parameter " + parameter + " must be > "
                    + formatParameter(bound) + ", got " + v);
        }
        return v;
    }

    /** Validates that {@code v} is an integer in {@code [min, Integer.MAX_VALUE]}, naming the parameter. */
    protected static int requireInteger(String function, String parameter, double v, int min) {
        requireFinite(function, parameter, v);
        if (v != Math.rint(v) || v < min || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(function + ": parameter " + parameter + " must be an integer >= " + min
                    + ", got " + v);
        }
        return (int) v;
    }
}
