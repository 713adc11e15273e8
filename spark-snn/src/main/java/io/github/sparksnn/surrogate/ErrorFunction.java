package io.github.sparksnn.surrogate;

/**
 * The complementary error function {@code erfc} (Java has no {@code Math.erf}).
 *
 * <p>Double precision ({@link #erfc(double)}), relative error about 1e-15 over the whole line:
 * <ul>
 *   <li>{@code 0 <= z < 0.75}: {@code erfc = 1 - erf}, with the everywhere-positive series
 *       {@code erf(z) = 2/sqrt(pi) e^(-z^2) sum_n (2z^2)^n z / (1*3*...*(2n+1))} (no cancellation; here
 *       {@code erf <= 0.71}, so {@code 1 - erf} loses no relative precision);</li>
 *   <li>{@code z >= 0.75}: the Laplace continued fraction
 *       {@code erfc(z) = e^(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...)))))}, evaluated
 *       with the modified Lentz algorithm; {@code e^(-z^2)} uses an exact split of {@code z^2} into a
 *       float-representable head and a tail so that large arguments keep full relative precision;</li>
 *   <li>{@code z < 0}: {@code erfc(z) = 2 - erfc(-z)}.</li>
 * </ul>
 *
 * <p>Single precision ({@link #erfc(float)}): the Chebyshev-fitted form popularised by Numerical Recipes
 * ({@code erfcc}), {@code erfc(z) ~ t exp(-z^2 + P(t))}, {@code t = 1/(1 + z/2)}, fractional error below 1.2e-7
 * everywhere, evaluated in double and rounded once: it costs one exp and a degree-9 polynomial.
 */
final class ErrorFunction {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double INV_SQRT_PI = 0.5641895835477563;

    private ErrorFunction() {
    }

    /** erfc(z) in double; NaN for NaN, 2 at -inf, 0 at +inf. */
    static double erfc(double z) {
        if (Double.isNaN(z)) {
            return z;
        }
        if (z < 0) {
            return 2 - erfcPositive(-z);
        }
        return erfcPositive(z);
    }

    /** erf(z) = 1 - erfc(z), computed directly where erf is small so it keeps relative precision. */
    static double erf(double z) {
        double a = Math.abs(z);
        if (a < 0.75) {
            return Math.copySign(erfSeries(a), z);
        }
        return Math.copySign(1 - erfcPositive(a), z);
    }

    private static double erfcPositive(double z) {
        if (z < 0.75) {
            return 1 - erfSeries(z);
        }
        if (z > 27.3) {
            return 0; // e^(-z^2) underflows below the smallest subnormal
        }
        // Modified Lentz for K = 1/(z + a1/(z + a2/(z + ...))), a_n = n/2.
        final double tiny = 1e-300;
        double f = z;
        double c = f;
        double d = 0;
        for (int n = 1; n < 5000; n++) {
            double a = 0.5 * n;
            d = z + a * d;
            if (d == 0) {
                d = tiny;
            }
            c = z + a / c;
            if (c == 0) {
                c = tiny;
            }
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return expMinusSquare(z) * INV_SQRT_PI / f;
    }

    /** exp(-z^2) with z^2 split exactly as hi + lo (hi has 12 significant bits, so hi^2 is exact). */
    private static double expMinusSquare(double z) {
        double hi = (float) z;
        hi = Double.longBitsToDouble(Double.doubleToRawLongBits(hi) & 0xFFFFFFFFFE000000L);
        double lo = z - hi;
        // z^2 = hi^2 + lo (z + hi), hi^2 exact
        return Math.exp(-hi * hi) * Math.exp(-lo * (z + hi));
    }

    /** erf(z) for 0 <= z < 0.75 by the positive-term series. */
    private static double erfSeries(double z) {
        double z2 = 2 * z * z;
        double term = z;
        double sum = z;
        for (int n = 1; n < 200; n++) {
            term *= z2 / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * Math.exp(-z * z) * sum;
    }

    /** erfc(z) in single precision (fractional error below 1.2e-7 before the final rounding). */
    static float erfc(float z) {
        double a = Math.abs((double) z);
        double t = 1 / (1 + 0.5 * a);
        double p = -a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277))))))));
        double r = t * Math.exp(p);
        return (float) (z >= 0 ? r : 2 - r);
    }
}
