package io.github.sparksnn.surrogate;

/**
 * The base of the classes {@link Formula} generates and compiles at run time: one subclass per formula text, one
 * instance per parameter set (the constants are final fields computed in the constructor). Public only because
 * generated classes live in their own class loader; not an API.
 *
 * <p>The helpers below are the language's functions that Java has no method for; the generated code and the
 * tree-walking evaluator ({@link Expr#eval}) call the same ones, so both compute the same numbers.
 */
public abstract class FormulaKernel {
    /** The primitive in double; the generated class overrides it when the formula has a primitive. */
    public double primitive(double x) {
        throw noPrimitive();
    }

    /** The primitive in float. */
    public float primitive(float x) {
        throw noPrimitive();
    }

    /** The bulk primitive (the built-ins' loop shapes). */
    public void primitive(float[] x, int xOff, float[] y, int yOff, int n) {
        throw noPrimitive();
    }

    public abstract double gradient(double x);

    public abstract float gradient(float x);

    public abstract void gradient(float[] x, int xOff, float[] out, int oOff, int n);

    public abstract void backward(float[] gradOut, float[] x, int xOff, float[] gradIn, int gOff, int n);

    private static UnsupportedOperationException noPrimitive() {
        return new UnsupportedOperationException("this Formula was given only a gradient, so it has no primitive g(x)"
                + " (needed outside spiking mode, for tables, plots and gradient checks): give primitive='...' too");
    }

    /** The error function (the same implementation as the {@code Erf} surrogate). */
    public static double erf(double z) {
        return ErrorFunction.erf(z);
    }

    /** The complementary error function in double (the {@code Erf} surrogate's). */
    public static double erfc(double z) {
        return ErrorFunction.erfc(z);
    }

    /** The complementary error function in float: the {@code Erf} surrogate's float path (its own approximation). */
    public static float erfc(float z) {
        return ErrorFunction.erfc(z);
    }

    /** {@code 1 / (1 + e^-z)}. */
    public static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** {@code 1 / (1 + e^-z)} in float (exp in double, as the Sigmoid surrogate's float path). */
    public static float sigmoid(float z) {
        return 1f / (1f + (float) Math.exp(-z));
    }

    /** The contract's {@code sgn}: 1 for {@code z >= 0}, -1 otherwise (so never 0); NaN for NaN. */
    public static double sign(double z) {
        return z >= 0 ? 1 : z < 0 ? -1 : z;
    }

    public static float sign(float z) {
        return z >= 0f ? 1f : z < 0f ? -1f : z;
    }

    /** The Heaviside step: 1 for {@code z >= 0}, 0 otherwise; NaN for NaN. */
    public static double heaviside(double z) {
        return z >= 0 ? 1 : z < 0 ? 0 : z;
    }

    public static float heaviside(float z) {
        return z >= 0f ? 1f : z < 0f ? 0f : z;
    }

    // ---- branch-free where() for the float paths: random-signed potentials make a branch mispredict about half the
    // time (10-20 ns per element, see Select); these cost about 1 ns and give exactly a or b.

    /** {@code a < b} as 1/0, NaN for a NaN operand (then {@link #select} gives NaN). */
    public static float lt(float a, float b) {
        return Select.stepScalar(b - a);
    }

    /** {@code a <= b} as 1/0 ({@code b - a >= 0}: a difference of distinct floats is never 0). */
    public static float le(float a, float b) {
        return Select.nonNegativeScalar(b - a);
    }

    public static float gt(float a, float b) {
        return Select.stepScalar(a - b);
    }

    public static float ge(float a, float b) {
        return Select.nonNegativeScalar(a - b);
    }

    /**
     * {@code c == 1 ? a : b} by bit masks, with no branch and no arithmetic on a and b, so an infinite or NaN value in
     * the branch not taken does not leak.
     */
    public static float select(float c, float a, float b) {
        int m = -(int) c;
        // + 0 * c: a NaN condition (a NaN x) gives NaN, as the vectorized blend and the built-ins' selects do
        return Float.intBitsToFloat((Float.floatToRawIntBits(a) & m) | (Float.floatToRawIntBits(b) & ~m)) + 0f * c;
    }

    /** {@link #lt} in min/max/multiply form ({@link Select#step}), which C2 vectorizes in a one-index loop. */
    public static float vlt(float a, float b) {
        return Select.step(b - a);
    }

    public static float vle(float a, float b) {
        return Select.nonNegative(b - a);
    }

    public static float vgt(float a, float b) {
        return Select.step(a - b);
    }

    public static float vge(float a, float b) {
        return Select.nonNegative(a - b);
    }
}
