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
        return new UnsupportedOperationException("this Formula was given only a gradient, so it has no primitive");
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
}
