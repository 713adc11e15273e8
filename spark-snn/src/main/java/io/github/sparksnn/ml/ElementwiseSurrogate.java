package io.github.sparksnn.ml;

import java.io.Serializable;
import java.util.Locale;

import io.github.sparksnn.surrogate.SurrogateFunction;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;

/**
 * One surrogate function in one mode as a serializable element-wise map, shared by {@link SurrogateSpike} and
 * {@link SnnFunctions}. It only calls the function's {@code primitive}/{@code gradient} methods (never its mutable
 * spiking mode), so one instance may serve many threads. NaN inputs are rejected with a message naming
 * {@code where} (the column or SQL function).
 */
final class ElementwiseSurrogate implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What to compute. */
    enum Mode {
        SPIKE, PRIMITIVE, GRADIENT;

        static Mode parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    private final SurrogateFunction function;
    private final Mode mode;
    private final String where;

    ElementwiseSurrogate(SurrogateFunction function, Mode mode, String where) {
        this.function = function;
        this.mode = mode;
        this.where = where;
    }

    double apply(double x) {
        if (Double.isNaN(x)) {
            throw nan();
        }
        return switch (mode) {
            case SPIKE -> SurrogateFunction.heaviside(x);
            case PRIMITIVE -> function.primitive(x);
            case GRADIENT -> function.gradient(x);
        };
    }

    float apply(float x) {
        if (Float.isNaN(x)) {
            throw nan();
        }
        return switch (mode) {
            case SPIKE -> SurrogateFunction.heaviside(x);
            case PRIMITIVE -> function.primitive(x);
            case GRADIENT -> function.gradient(x);
        };
    }

    Vector apply(Vector v) {
        double[] a = v.toArray();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = apply(a[i]);
        }
        return Vectors.dense(out);
    }

    Double[] applyDoubles(scala.collection.Seq<Object> a) {
        Double[] out = new Double[a.length()];
        scala.collection.Iterator<Object> it = a.iterator();
        for (int i = 0; it.hasNext(); i++) {
            Object x = it.next();
            out[i] = x == null ? null : apply(((Number) x).doubleValue());
        }
        return out;
    }

    Float[] applyFloats(scala.collection.Seq<Object> a) {
        Float[] out = new Float[a.length()];
        scala.collection.Iterator<Object> it = a.iterator();
        for (int i = 0; it.hasNext(); i++) {
            Object x = it.next();
            out[i] = x == null ? null : apply(((Number) x).floatValue());
        }
        return out;
    }

    private IllegalArgumentException nan() {
        return new IllegalArgumentException(where + " holds NaN; a surrogate of NaN is undefined (spike mode would "
                + "read it as 'no spike'), so it is rejected rather than passed on: filter or impute NaNs first");
    }
}
