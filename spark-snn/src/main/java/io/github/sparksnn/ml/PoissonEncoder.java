package io.github.sparksnn.ml;

import io.github.sparksnn.backend.CounterRng;
import io.github.sparksnn.ml.param.HasSeed;
import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.ml.util.SchemaChecks;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Rate (Poisson) coding of intensities into spike trains, like SpikingJelly's {@code PoissonEncoder}: for each
 * time step {@code t < T} and feature {@code j}, {@code s[t][j] = 1} with probability {@code p[j]}, else 0,
 * independently: {@code s[t][j] = (u(rowSeed, t*d + j) < (float) p[j])} with the core's counter-based uniform
 * {@link CounterRng#uniform(long, long)} in [0, 1), so {@code p = 0} never fires and {@code p = 1} always does.
 * This is exactly the backend's {@code poissonEncode} of the one sample (features as float) with
 * {@code seed = rowSeed} and {@code counterBase = 0}: the convention the estimator's {@code encoder=poisson} uses
 * (its seeds come from the training run, so its draws are not these).
 *
 * <p><b>Input</b>: {@code inputCol}, a vector of intensities {@code p[j]} in [0, 1] (pixels scaled by 1/255, as the
 * {@code idx} data source delivers them). A value outside [0, 1] or NaN fails the task with an
 * {@link IllegalArgumentException} naming the column, the index and the value: nothing is clipped.
 * A null vector gives a null spike train.
 *
 * <p><b>Output</b>: {@code outputCol}, one flat vector of length {@code T*d} in time-major order: element
 * {@code t*d + j} is the spike of feature {@code j} at step {@code t} (the layout a spiking network consumes
 * step by step: the slice {@code [t*d, (t+1)*d)} is the input at step {@code t}). Stored sparse when that is
 * smaller ({@link Vector#compressed()}).
 *
 * <p><b>Determinism</b>: the random stream of a row is seeded from {@code seed} and a stable key of the row, never
 * from its partition or position (a partition index or {@code monotonically_increasing_id} changes with the
 * partitioning). The key is the value of {@code keyCol} when that Param is set (an integer or string column, e.g.
 * the {@code index} column of the {@code idx} data source), otherwise a 64-bit hash of the feature values, so two
 * rows with identical features and no key get identical spike trains. The same seed, key and intensities give
 * the same train on any executor, partitioning or retry; {@link #encode(double[], int, long, double[])} reproduces
 * it outside Spark from {@link #rowSeed(long, long)}. (Rows are independent of one another: there is no stream
 * position to depend on, since each draw is a pure function of (rowSeed, t*d + j).)
 */
public class PoissonEncoder extends ColumnStage<PoissonEncoder> implements HasSeed, HasTimeSteps {
    private static final long serialVersionUID = 1L;
    private static final String NAME = "PoissonEncoder";

    // Params are created in the constructor, after uid: a Param records its parent's uid when it is built.
    private final IntParam timeSteps;
    private final LongParam seed;
    private final Param<String> keyCol;

    public PoissonEncoder() {
        this(Identifiable$.MODULE$.randomUID("poissonEncoder"));
    }

    public PoissonEncoder(String uid) {
        super(uid, "input column: vector of intensities in [0, 1]",
                "output column: flat spike-train vector of length timeSteps * d, time-major (index t*d + j)");
        timeSteps = new IntParam(this, "timeSteps", "number of time steps T (>= 1)", ParamValidators.gtEq(1));
        seed = new LongParam(this, "seed", "random seed");
        keyCol = new Param<>(this, "keyCol", "optional integer or string column whose value, with seed, seeds each "
                + "row's spikes; empty = a hash of the feature values");
        setDefault(inputCol(), "features");
        setDefault(outputCol(), "spikes");
        setDefault(timeSteps, 4);
        setDefault(seed, (long) PoissonEncoder.class.getName().hashCode());
        setDefault(keyCol, "");
    }

    @Override
    public IntParam timeSteps() {
        return timeSteps;
    }

    @Override
    public LongParam seed() {
        return seed;
    }

    /** The Param {@code keyCol}: the column that keys each row's random stream (empty: hash of the features). */
    public Param<String> keyCol() {
        return keyCol;
    }

    public String getKeyCol() {
        return getOrDefault(keyCol);
    }

    public PoissonEncoder setTimeSteps(int value) {
        set(timeSteps, value);
        return this;
    }

    public PoissonEncoder setSeed(long value) {
        set(seed, value);
        return this;
    }

    public PoissonEncoder setKeyCol(String value) {
        set(keyCol, value == null ? "" : value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructField in = SpikeTrainSchema.requireIntensities(NAME, schema, getInputCol());
        if (!getKeyCol().isEmpty()) {
            StructField key = SchemaChecks.requireColumn(NAME, schema, "keyCol", getKeyCol());
            DataType kt = key.dataType();
            if (!(kt.equals(DataTypes.LongType) || kt.equals(DataTypes.IntegerType) || kt.equals(DataTypes.ShortType)
                    || kt.equals(DataTypes.ByteType) || kt.equals(DataTypes.StringType))) {
                throw new IllegalArgumentException(NAME + ": key column '" + getKeyCol()
                        + "' must be an integer or string column but has type " + kt.simpleString());
            }
        }
        SchemaChecks.requireNewColumn(NAME, schema, "outputCol", getOutputCol());
        return schema.add(vectorOutputField(SpikeTrainSchema.length(in, getTimeSteps())));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        final int t = getTimeSteps();
        final long s = getSeed();
        final String column = getInputCol();
        final String key = getKeyCol();
        Column features = dataset.col(column);
        Column encoded;
        if (key.isEmpty()) {
            UDF1<Vector, Vector> f = v -> v == null ? null : encodeRow(v, t, rowSeed(s, contentKey(v)), column);
            encoded = functions.udf(f, SQLDataTypes.VectorType()).apply(features);
        } else {
            UDF2<Vector, Object, Vector> f = (v, k) -> {
                if (v == null) {
                    return null;
                }
                if (k == null) {
                    throw new IllegalArgumentException(NAME + ": key column '" + key + "' is null for a row; "
                            + "every row needs a key to seed its spike train");
                }
                long kk = k instanceof Number n ? n.longValue() : stringKey(k.toString());
                return encodeRow(v, t, rowSeed(s, kk), column);
            };
            UserDefinedFunction udf = functions.udf(f, SQLDataTypes.VectorType());
            encoded = udf.apply(features, dataset.col(key));
        }
        StructField outField = outSchema.apply(getOutputCol());
        return dataset.withColumn(getOutputCol(), encoded, outField.metadata());
    }

    public static MLReader<PoissonEncoder> read() {
        return DefaultReaders.of(PoissonEncoder.class);
    }

    public static PoissonEncoder load(String path) {
        return read().load(path);
    }

    // ------------------------------------------------------------------ the sampling, usable without Spark

    /**
     * Writes the spike train of intensities {@code p} into {@code out} ({@code T * p.length} values, time-major):
     * {@code out[t*d + j] = CounterRng.uniform(rowSeed, t*d + j) < (float) p[j] ? 1 : 0}.
     *
     * @throws IllegalArgumentException if an intensity is NaN or outside [0, 1]
     */
    public static void encode(double[] p, int timeSteps, long rowSeed, double[] out) {
        int d = p.length;
        if (timeSteps < 1) {
            throw new IllegalArgumentException("timeSteps must be >= 1, got " + timeSteps);
        }
        if (out.length != (long) d * timeSteps) {
            throw new IllegalArgumentException("output length " + out.length + " != timeSteps * d = "
                    + timeSteps + " * " + d);
        }
        float[] pf = new float[d];
        for (int j = 0; j < d; j++) {
            checkIntensity(p[j], j, "intensities");
            pf[j] = (float) p[j];
        }
        for (int t = 0; t < timeSteps; t++) {
            int base = t * d;
            for (int j = 0; j < d; j++) {
                out[base + j] = CounterRng.uniform(rowSeed, base + j) < pf[j] ? 1.0 : 0.0;
            }
        }
    }

    /** The seed of a row's random stream from the stage's {@code seed} and the row's key (SplitMix64 mixing). */
    public static long rowSeed(long seed, long rowKey) {
        return mix64(mix64(seed) ^ (rowKey * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L));
    }

    /**
     * The key of a row without {@code keyCol}: a 64-bit hash of its size and values in index order, the same for the
     * dense and sparse form of a vector ({@code -0.0} counts as {@code 0.0}).
     */
    public static long contentKey(Vector v) {
        long h = mix64(v.size());
        double[] a = v.toArray();
        for (double x : a) {
            h = mix64(h ^ Double.doubleToLongBits(x + 0.0));
        }
        return h;
    }

    /** The key of a string {@code keyCol} value: a 64-bit hash of its UTF-16 code units. */
    public static long stringKey(String s) {
        long h = mix64(s.length());
        for (int i = 0; i < s.length(); i++) {
            h = mix64(h ^ s.charAt(i));
        }
        return h;
    }

    private static Vector encodeRow(Vector v, int timeSteps, long rowSeed, String column) {
        double[] p = v.toArray();
        for (int j = 0; j < p.length; j++) {
            checkIntensity(p[j], j, "column '" + column + "'");
        }
        double[] out = new double[Math.multiplyExact(p.length, timeSteps)];
        encode(p, timeSteps, rowSeed, out);
        return Vectors.dense(out).compressed();
    }

    private static void checkIntensity(double p, int j, String where) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(NAME + ": " + where + " holds " + p + " at index " + j
                    + "; intensities must be probabilities in [0, 1] (NaN and values outside are not clipped: "
                    + "scale the features first, e.g. pixels / 255)");
        }
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
