package io.github.sparksnn.ml;

import java.util.List;

import io.github.sparksnn.surrogate.LruCache;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * SQL functions over surrogate spiking functions, registered in a session by {@link #register(SparkSession)}:
 *
 * <table>
 *   <caption>registered functions</caption>
 *   <tr><th>function</th><th>value</th></tr>
 *   <tr><td>{@code snn_spike(x)}</td><td>Heaviside {@code H(x) = 1 if x >= 0 else 0}</td></tr>
 *   <tr><td>{@code snn_primitive(spec, x)}</td><td>the primitive {@code g(x)} of the function {@code spec}</td></tr>
 *   <tr><td>{@code snn_surrogate_grad(spec, x)}</td><td>the surrogate gradient {@code g'(x)}</td></tr>
 *   <tr><td>{@code snn_spike_array(xs)}, {@code snn_primitive_array(spec, xs)},
 *       {@code snn_surrogate_grad_array(spec, xs)}</td><td>the same, element-wise over an array</td></tr>
 * </table>
 *
 * <pre>{@code SELECT snn_surrogate_grad('ATan(alpha=2.0)', x), snn_spike_array(v) FROM t}</pre>
 *
 * <p>{@code x} is any numeric value (computed in double precision with the function's reference math), {@code xs} an
 * array of numbers, {@code spec} a surrogate spec as {@link Surrogates#parse(String)} reads it. A Spark UDF has one
 * result type, so scalars and arrays have separate names; {@code transform(xs, v -> snn_spike(v))} works as well.
 * Null {@code x} (or null array elements) give null; a NaN, a null or an invalid spec fails the query with the
 * problem named, in one line that quotes at most the first {@value #QUOTED_SPEC_CHARS} characters of the spec.
 * Each executor parses a given spec once: parsed functions are kept in a small JVM-wide cache, least recently used
 * out first. A spec column may hold pathological formulas (too long, too deep, a derivative too large): each is
 * refused by {@link io.github.sparksnn.surrogate.Formula}'s limits with an {@link IllegalArgumentException}, which
 * fails that query and leaves the executor and the session usable.
 *
 * <p>{@link #firingRate(String)} is a column function for the per-layer columns of
 * {@link SpikingNetworkModel#toLayerPipeline()}: a spiking layer's mean firing rate.
 */
public final class SnnFunctions {
    /** The names {@link #register(SparkSession)} defines. */
    public static final List<String> NAMES = List.of("snn_spike", "snn_primitive", "snn_surrogate_grad",
            "snn_spike_array", "snn_primitive_array", "snn_surrogate_grad_array");

    /**
     * At most this many distinct specs are cached per JVM, least recently used out first: a query over a column of
     * more distinct specs keeps the ones in use instead of starting afresh (and re-parsing, re-compiling) each time.
     */
    static final int CACHE_LIMIT = 256;
    /** How much of a spec an error message quotes: a spec from a column can be 10,000 characters of formula. */
    static final int QUOTED_SPEC_CHARS = 120;
    private static final LruCache<String, SurrogateFunction> CACHE = new LruCache<>(CACHE_LIMIT);

    private SnnFunctions() {
    }

    /**
     * The mean of a layer column's values over rows, neurons and time steps, named after the column: for a spiking
     * layer's column of {@link SpikingNetworkModel#toLayerPipeline()} ({@code snn_layer3_lif}, a vector of T x
     * neurons spikes per row), its firing rate, the mean spikes per neuron and step.
     * <pre>{@code layers.select(firingRate("snn_layer3_lif"), firingRate("snn_layer5_lif")).show();}</pre>
     */
    public static Column firingRate(String layerCol) {
        Column values = org.apache.spark.ml.functions.vector_to_array(org.apache.spark.sql.functions.col(layerCol),
                "float64");
        return org.apache.spark.sql.functions.avg(org.apache.spark.sql.functions.aggregate(values,
                org.apache.spark.sql.functions.lit(0.0), Column::plus).divide(org.apache.spark.sql.functions.size(values)))
                .as(layerCol);
    }

    /** Registers the functions as temporary functions of {@code spark}'s session; returns their names. */
    public static List<String> register(SparkSession spark) {
        DataType d = DataTypes.DoubleType;
        DataType arr = DataTypes.createArrayType(DataTypes.DoubleType, true);
        spark.udf().register("snn_spike", (UDF1<Object, Double>) x -> scalar("snn_spike", null,
                ElementwiseSurrogate.Mode.SPIKE, x), d);
        spark.udf().register("snn_primitive", (UDF2<String, Object, Double>) (spec, x) -> scalar("snn_primitive",
                spec, ElementwiseSurrogate.Mode.PRIMITIVE, x), d);
        spark.udf().register("snn_surrogate_grad", (UDF2<String, Object, Double>) (spec, x) ->
                scalar("snn_surrogate_grad", spec, ElementwiseSurrogate.Mode.GRADIENT, x), d);
        spark.udf().register("snn_spike_array", (UDF1<Object, Double[]>) xs -> array("snn_spike_array", null,
                ElementwiseSurrogate.Mode.SPIKE, xs), arr);
        spark.udf().register("snn_primitive_array", (UDF2<String, Object, Double[]>) (spec, xs) ->
                array("snn_primitive_array", spec, ElementwiseSurrogate.Mode.PRIMITIVE, xs), arr);
        spark.udf().register("snn_surrogate_grad_array", (UDF2<String, Object, Double[]>) (spec, xs) ->
                array("snn_surrogate_grad_array", spec, ElementwiseSurrogate.Mode.GRADIENT, xs), arr);
        return NAMES;
    }

    /**
     * The parsed function of {@code spec}, from this JVM's cache. A spec is parsed once per JVM (concurrent calls
     * may parse it twice, harmlessly); cached instances are never mutated, since the SQL functions only call their
     * {@code primitive} and {@code gradient} methods.
     */
    static SurrogateFunction function(String sqlName, String spec) {
        if (spec == null) {
            throw new IllegalArgumentException(sqlName + ": the surrogate spec (first argument) is null");
        }
        SurrogateFunction f = CACHE.get(spec);
        if (f == null) {
            try {
                f = Surrogates.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(sqlName + ": invalid surrogate spec " + quote(spec) + ": "
                        + e.getMessage(), e);
            }
            f = CACHE.putIfAbsent(spec, f);
        }
        return f;
    }

    /** The spec as an error quotes it: whole when short, else its start and its length. */
    static String quote(String spec) {
        return spec.length() <= QUOTED_SPEC_CHARS ? "'" + spec + "'"
                : "'" + spec.substring(0, QUOTED_SPEC_CHARS) + "...' (" + spec.length() + " characters)";
    }

    /** Number of specs cached in this JVM (for tests). */
    static int cachedSpecs() {
        return CACHE.size();
    }

    private static ElementwiseSurrogate map(String sqlName, String spec, ElementwiseSurrogate.Mode mode) {
        // snn_spike needs no function; any one serves (H(x) does not depend on it).
        SurrogateFunction f = mode == ElementwiseSurrogate.Mode.SPIKE ? function(sqlName, "ATan") : function(sqlName, spec);
        return new ElementwiseSurrogate(f, mode, sqlName + " argument");
    }

    private static Double scalar(String sqlName, String spec, ElementwiseSurrogate.Mode mode, Object x) {
        if (mode != ElementwiseSurrogate.Mode.SPIKE) {
            function(sqlName, spec); // a bad spec fails even for a null x
        }
        if (x == null) {
            return null;
        }
        if (!(x instanceof Number n)) {
            throw new IllegalArgumentException(sqlName + ": x must be numeric, got " + x.getClass().getSimpleName()
                    + " '" + x + "'");
        }
        return map(sqlName, spec, mode).apply(n.doubleValue());
    }

    @SuppressWarnings("unchecked")
    private static Double[] array(String sqlName, String spec, ElementwiseSurrogate.Mode mode, Object xs) {
        if (mode != ElementwiseSurrogate.Mode.SPIKE) {
            function(sqlName, spec);
        }
        if (xs == null) {
            return null;
        }
        if (!(xs instanceof scala.collection.Seq<?> seq)) {
            throw new IllegalArgumentException(sqlName + ": xs must be an array of numbers, got "
                    + xs.getClass().getSimpleName() + " '" + xs + "'");
        }
        scala.collection.Iterator<?> it = seq.iterator();
        while (it.hasNext()) {
            Object e = it.next();
            if (e != null && !(e instanceof Number)) {
                throw new IllegalArgumentException(sqlName + ": xs must be an array of numbers, found element "
                        + e.getClass().getSimpleName() + " '" + e + "'");
            }
        }
        return map(sqlName, spec, mode).applyDoubles((scala.collection.Seq<Object>) seq);
    }
}
