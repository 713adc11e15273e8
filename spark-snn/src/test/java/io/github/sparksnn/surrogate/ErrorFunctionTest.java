package io.github.sparksnn.surrogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code erfc} against 30-digit values (computed with mpmath, {@code mp.dps = 40}), and identities that need no
 * table: symmetry, the derivative {@code -2/sqrt(pi) exp(-z^2)} by central differences, and the float variant
 * against the double one.
 */
class ErrorFunctionTest {
    /** {z, erfc(z)} from mpmath.erfc at 40 digits. */
    static final double[][] TABLE = {
        {0.0, 1.0},
        {1e-10, 0.99999999988716208329},
        {0.1, 0.8875370839817151016},
        {0.5, 0.47950012218695346232},
        {0.74, 0.29532192214525422812},
        {0.75, 0.2888443663464848684},
        {1.0, 0.15729920705028513066},
        {1.5, 0.033894853524689272933},
        {2.0, 0.0046777349810472658379},
        {3.0, 2.2090496998585441373e-05},
        {4.0, 1.5417257900280018852e-08},
        {5.5, 7.3578479179743980631e-15},
        {10.0, 2.088487583762544757e-45},
        {26.0, 5.6631924088561428465e-296},
        {-0.5, 1.5204998778130465377},
        {-1.0, 1.8427007929497148693},
        {-3.0, 1.9999779095030014146},
    };

    @Test
    void doubleMatchesMpmathToAFewUlps() {
        for (double[] row : TABLE) {
            double got = ErrorFunction.erfc(row[0]);
            assertEquals(row[1], got, 5e-15 * row[1], "erfc(" + row[0] + ")");
        }
        assertEquals(2.0, ErrorFunction.erfc(-40.0), 0.0);
        assertEquals(0.0, ErrorFunction.erfc(40.0), 0.0);
        assertEquals(0.0, ErrorFunction.erfc(Double.POSITIVE_INFINITY), 0.0);
        assertEquals(2.0, ErrorFunction.erfc(Double.NEGATIVE_INFINITY), 0.0);
        assertTrue(Double.isNaN(ErrorFunction.erfc(Double.NaN)));
        assertEquals(0.5204998778130465377, ErrorFunction.erf(0.5), 3e-16);
        assertEquals(-0.8427007929497148693, ErrorFunction.erf(-1.0), 3e-16);
    }

    @Test
    void symmetryAndDerivative() {
        for (double z = -6; z <= 6; z += 0.037) {
            assertEquals(2.0, ErrorFunction.erfc(z) + ErrorFunction.erfc(-z), 4e-16, "erfc(z) + erfc(-z) = 2 at " + z);
            double h = 1e-6;
            double numeric = (ErrorFunction.erfc(z + h) - ErrorFunction.erfc(z - h)) / (2 * h);
            assertEquals(-2 / Math.sqrt(Math.PI) * Math.exp(-z * z), numeric, 2e-9, "d/dz erfc at " + z);
        }
    }

    @Test
    void floatIsWithinItsDocumentedRelativeError() {
        for (double z = -5; z <= 9; z += 0.0093) {
            float zf = (float) z;
            double exact = ErrorFunction.erfc((double) zf);
            float got = ErrorFunction.erfc(zf);
            assertEquals(exact, got, 2.5e-7 * exact, "erfcf(" + zf + ")");
        }
    }
}
