package io.github.sparksnn.ml;

import io.github.sparksnn.layer.Encoder;
import io.github.sparksnn.layer.LatencyCode;
import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.ml.util.SchemaChecks;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Latency (time-to-first-spike) coding of intensities, snnTorch's {@code spikegen.latency}: each feature fires at
 * most once, at the step its intensity determines ({@link LatencyCode} has the formula, its log and linear variants
 * and where it departs from snnTorch). With {@code θ = threshold}, {@code ε = epsilon}: log,
 * {@code t = τ ln(x' / (x' - θ))} with {@code x' = max(x, θ + ε)}, scaled by {@code (T - 1) / (τ ln((θ + ε) / ε))}
 * when {@code normalize}; linear, {@code t = min(τ' (1 - x), τ' (1 - θ))} with {@code τ' = normalize ? T - 1 : τ};
 * the spike goes to step {@code rint(t)} when that is {@code <= T - 1}, and with {@code clip} not at all when
 * {@code x < θ}.
 *
 * <p><b>Input</b>: {@code inputCol}, a vector of intensities in [0, 1]. A value outside [0, 1] or NaN fails the task
 * with an {@link IllegalArgumentException} naming the column, the index and the value: nothing is clipped. Each value
 * is rounded to float first, as the network's input is, so this stage gives exactly what the classifier's
 * {@code encoder} Param set to {@link #encoderSpec()} feeds the network. A null vector gives null.
 *
 * <p><b>Output</b>: {@code outputCol}, one flat vector of length {@code T*d}, time-major (element {@code t*d + j} is
 * feature {@code j} at step {@code t}), as {@link PoissonEncoder} writes it; stored sparse when that is smaller.
 * Deterministic: no random draw.
 */
public class LatencyEncoder extends ColumnStage<LatencyEncoder> implements HasTimeSteps {
    private static final long serialVersionUID = 1L;
    private static final String NAME = "LatencyEncoder";

    private final IntParam timeSteps;
    private final DoubleParam tau;
    private final DoubleParam threshold;
    private final DoubleParam epsilon;
    private final BooleanParam normalize;
    private final BooleanParam linear;
    private final BooleanParam clip;

    public LatencyEncoder() {
        this(Identifiable$.MODULE$.randomUID("latencyEncoder"));
    }

    public LatencyEncoder(String uid) {
        super(uid, "input column: vector of intensities in [0, 1]",
                "output column: flat spike-train vector of length timeSteps * d, time-major (index t*d + j)");
        timeSteps = new IntParam(this, "timeSteps", "number of time steps T (>= 1)", ParamValidators.gtEq(1));
        tau = new DoubleParam(this, "tau", "time constant of the code (> 0, finite); linear with normalize ignores it",
                (Object o) -> {
                    double v = (Double) o;
                    return v > 0 && !Double.isInfinite(v);
                });
        threshold = new DoubleParam(this, "threshold", "intensity below which an input fires last (or never, with "
                + "clip), in (0, 1)", ParamValidators.inRange(0, 1, false, false));
        epsilon = new DoubleParam(this, "epsilon", "log code: the floor above threshold that keeps the log finite "
                + "(> 0, finite)", (Object o) -> {
                    double v = (Double) o;
                    return v > 0 && !Double.isInfinite(v);
                });
        normalize = new BooleanParam(this, "normalize", "stretch the code so the slowest input spikes at step T - 1");
        linear = new BooleanParam(this, "linear", "linear code t = tau * (1 - x) instead of the log (RC) code");
        clip = new BooleanParam(this, "clip", "inputs below threshold do not spike at all");
        setDefault(inputCol(), "features");
        setDefault(outputCol(), "spikes");
        setDefault(timeSteps, 4);
        setDefault(tau, LatencyCode.DEFAULT_TAU);
        setDefault(threshold, LatencyCode.DEFAULT_THRESHOLD);
        setDefault(epsilon, LatencyCode.DEFAULT_EPSILON);
        setDefault(normalize, false);
        setDefault(linear, false);
        setDefault(clip, false);
    }

    @Override
    public IntParam timeSteps() {
        return timeSteps;
    }

    public DoubleParam tau() {
        return tau;
    }

    public DoubleParam threshold() {
        return threshold;
    }

    public DoubleParam epsilon() {
        return epsilon;
    }

    public BooleanParam normalize() {
        return normalize;
    }

    public BooleanParam linear() {
        return linear;
    }

    public BooleanParam clip() {
        return clip;
    }

    public double getTau() {
        return (Double) getOrDefault(tau);
    }

    public double getThreshold() {
        return (Double) getOrDefault(threshold);
    }

    public double getEpsilon() {
        return (Double) getOrDefault(epsilon);
    }

    public boolean getNormalize() {
        return (Boolean) getOrDefault(normalize);
    }

    public boolean getLinear() {
        return (Boolean) getOrDefault(linear);
    }

    public boolean getClip() {
        return (Boolean) getOrDefault(clip);
    }

    public LatencyEncoder setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public LatencyEncoder setTau(double v) {
        set(tau, v);
        return this;
    }

    public LatencyEncoder setThreshold(double v) {
        set(threshold, v);
        return this;
    }

    public LatencyEncoder setEpsilon(double v) {
        set(epsilon, v);
        return this;
    }

    public LatencyEncoder setNormalize(boolean v) {
        set(normalize, v);
        return this;
    }

    public LatencyEncoder setLinear(boolean v) {
        set(linear, v);
        return this;
    }

    public LatencyEncoder setClip(boolean v) {
        set(clip, v);
        return this;
    }

    /** The code these Params describe. */
    public LatencyCode code() {
        return new LatencyCode(getTau(), getThreshold(), getEpsilon(), getNormalize(), getLinear(), getClip());
    }

    /**
     * The same code as the network's input encoder: the value for {@code SpikingNetworkClassifier.setEncoder}
     * (or {@code --encoder}), e.g. {@code latency(tau=1.0, threshold=0.01, epsilon=1.0E-7, normalize=false, ...)}.
     */
    public String encoderSpec() {
        return Encoder.latency(code()).specName();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructField in = SpikeTrainSchema.requireIntensities(NAME, schema, getInputCol());
        SchemaChecks.requireNewColumn(NAME, schema, "outputCol", getOutputCol());
        code(); // the Params together (each is validated alone when set)
        return schema.add(vectorOutputField(SpikeTrainSchema.length(in, getTimeSteps())));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        final int t = getTimeSteps();
        final LatencyCode c = code();
        final String column = getInputCol();
        UDF1<Vector, Vector> f = v -> {
            if (v == null) {
                return null;
            }
            double[] x = v.toArray();
            double[] out = new double[Math.multiplyExact(x.length, t)];
            encode(x, t, c, out, "column '" + column + "'");
            return Vectors.dense(out).compressed();
        };
        Column encoded = functions.udf(f, SQLDataTypes.VectorType()).apply(dataset.col(column));
        return dataset.withColumn(getOutputCol(), encoded, outSchema.apply(getOutputCol()).metadata());
    }

    /**
     * Writes the spike train of intensities {@code x} into {@code out} ({@code T * x.length} values, time-major):
     * {@code out[k*d + j] = 1} for {@code k = code.spikeStep((float) x[j], T)}, zeros elsewhere.
     *
     * @throws IllegalArgumentException if an intensity is NaN or outside [0, 1]
     */
    public static void encode(double[] x, int timeSteps, LatencyCode code, double[] out) {
        encode(x, timeSteps, code, out, "intensities");
    }

    private static void encode(double[] x, int timeSteps, LatencyCode code, double[] out, String where) {
        int d = x.length;
        if (timeSteps < 1) {
            throw new IllegalArgumentException(NAME + ": timeSteps must be >= 1, got " + timeSteps);
        }
        if (out.length != (long) d * timeSteps) {
            throw new IllegalArgumentException(NAME + ": output length " + out.length + " != timeSteps * d = "
                    + timeSteps + " * " + d);
        }
        java.util.Arrays.fill(out, 0.0);
        for (int j = 0; j < d; j++) {
            if (!(x[j] >= 0.0 && x[j] <= 1.0)) {
                throw new IllegalArgumentException(NAME + ": " + where + " holds " + x[j] + " at index " + j
                        + "; intensities must lie in [0, 1] (NaN and values outside are not clipped: scale the "
                        + "features first, e.g. with MinMaxScaler)");
            }
            int k = code.spikeStep((float) x[j], timeSteps);
            if (k >= 0) {
                out[k * d + j] = 1.0;
            }
        }
    }

    public static MLReader<LatencyEncoder> read() {
        return DefaultReaders.of(LatencyEncoder.class);
    }

    public static LatencyEncoder load(String path) {
        return read().load(path);
    }
}
