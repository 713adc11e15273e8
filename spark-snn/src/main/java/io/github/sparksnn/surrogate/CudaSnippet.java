package io.github.sparksnn.surrogate;

/**
 * Builds one {@code cuda_code} snippet: the start comment, helper declarations whose names carry a prefix unique
 * to the {@code (x, y)} pair, the final {@code const T y = ...;} and the end comment. Package-private plumbing
 * for the surrogate classes; literals go through {@link SurrogateFunction#cudaFloat(double)} (exact, no locale).
 */
final class CudaSnippet {
    private final StringBuilder sb = new StringBuilder();
    private final SurrogateFunction f;
    private final String prefix;
    final String x;
    final String y;
    final CudaDtype dtype;

    CudaSnippet(SurrogateFunction f, String x, String y, CudaDtype dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("cudaCode: dtype must not be null");
        }
        this.f = f;
        this.prefix = SurrogateFunction.cudaPrefix(f.name().toLowerCase(java.util.Locale.ROOT), x, y);
        this.x = x;
        this.y = y;
        this.dtype = dtype;
        sb.append(f.cudaCodeStartComment()).append('\n');
    }

    boolean isFloat() {
        return dtype == CudaDtype.FLOAT;
    }

    /** The name of helper variable {@code suffix}. */
    String v(String suffix) {
        return prefix + "_" + suffix;
    }

    /** Declares {@code const T prefix_suffix = expr;} in the snippet's dtype and returns the variable name. */
    String let(String suffix, String expr) {
        return let(dtype.cType(), suffix, expr);
    }

    /** Declares a helper of an explicit C type (e.g. {@code float2} inside a half2 snippet). */
    String let(String cType, String suffix, String expr) {
        sb.append("const ").append(cType).append(' ').append(v(suffix)).append(" = ").append(expr).append(";\n");
        return v(suffix);
    }

    /** Appends a raw statement (a loop, a mutable accumulator). */
    CudaSnippet line(String statement) {
        sb.append(statement).append('\n');
        return this;
    }

    /** A literal constant in the snippet's dtype: {@code 2.0f} or {@code __float2half2_rn(2.0f)}. */
    String c(double v) {
        return isFloat() ? SurrogateFunction.cudaFloat(v) : SurrogateFunction.cudaHalf2(v);
    }

    /** {@code m ? a : b} for a half2 lane mask {@code m} of 1.0/0.0, exact for finite a and b: {@code m*a + (1-m)*b}. */
    static String h2select(String m, String a, String b) {
        return "__hfma2(" + m + ", " + a + ", __hmul2(__hsub2(__float2half2_rn(1.0f), " + m + "), " + b + "))";
    }

    /** Closes the snippet with {@code const T y = expr;} and the end comment. */
    String result(String expr) {
        sb.append("const ").append(dtype.cType()).append(' ').append(y).append(" = ").append(expr).append(";\n");
        return sb.append(f.cudaCodeEndComment()).append('\n').toString();
    }
}
