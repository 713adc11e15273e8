package io.github.sparksnn.ml;

import io.github.sparksnn.layer.DeltaCode;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.ml.util.SchemaChecks;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.AttributeGroup;
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
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Delta modulation of a sequence, snnTorch's {@code spikegen.delta} with its ON and OFF spikes in separate channels:
 * with {@code x[t]} the input at step {@code t} and {@code d[t] = x[t] - x[t-1]} ({@code x[-1] = 0}, or
 * {@code x[-1] = x[0]} with {@code padding}, so that the first step never fires),
 * <pre>
 *   on[t][j]  = d[t][j] &gt;= threshold ? 1 : 0
 *   off[t][j] = d[t][j] &lt;= -threshold ? 1 : 0
 * </pre>
 * (snnTorch writes the OFF spike as -1 in the same channel when {@code off_spike=True}; two channels keep spikes
 * binary). Each value is rounded to float first, as the network's input is, and each difference is taken in
 * {@code double}: {@link DeltaCode} is the one definition, which the spec layer {@code delta(threshold=..,
 * padding=..)} shares, so this stage's output equals that layer's over the same sequence. Deterministic: no random
 * draw.
 *
 * <p><b>Input</b>: {@code inputCol} holds one sequence per row, in one of three forms:
 * <ul>
 *   <li>{@code array<vector>}: one vector of {@code F} values per step ({@code T} = the array's length, or exactly
 *       {@code timeSteps} when that is set);</li>
 *   <li>{@code array<double>} or {@code array<float>}: a univariate series ({@code F = 1});</li>
 *   <li>{@code vector} of length {@code T*F}, time-major (element {@code t*F + j}), with {@code timeSteps = T}
 *       required.</li>
 * </ul>
 * A length that does not fit {@code timeSteps}, steps of different lengths, a null step or a non-finite value fails
 * the task with an {@link IllegalArgumentException} naming the column (and the step and feature): never a silent
 * truncation. A null sequence gives null. Inside a network, the spec layer {@code delta(...)} codes a sequence input
 * the same way.
 *
 * <p><b>Output</b>: {@code outputCol}, a flat vector of length {@code T*2F}, time-major, step {@code t} holding the
 * ON channel then the OFF channel: element {@code t*2F + j} is {@code on[t][j]}, element {@code t*2F + F + j} is
 * {@code off[t][j]}. Stored sparse when that is smaller.
 */
public class DeltaEncoder extends ColumnStage<DeltaEncoder> {
    private static final long serialVersionUID = 1L;
    private static final String NAME = "DeltaEncoder";

    private final IntParam timeSteps;
    private final DoubleParam threshold;
    private final BooleanParam padding;

    public DeltaEncoder() {
        this(Identifiable$.MODULE$.randomUID("deltaEncoder"));
    }

    public DeltaEncoder(String uid) {
        super(uid, "input column: a sequence, as array<vector>, array<double> or a "
                + "time-major vector of length timeSteps * F",
                "output column: vector of length T * 2F, time-major, each step "
                + "the F ON spikes then the F OFF spikes");
        timeSteps = new IntParam(this, "timeSteps", "sequence length T (>= 0): required (>= 1) for a flat vector "
                + "input; for an array input 0 takes each row's length, >= 1 requires it", ParamValidators.gtEq(0));
        threshold = new DoubleParam(this, "threshold", "change between consecutive steps that fires an ON "
                + "(>= threshold) or OFF (<= -threshold) spike (> 0, finite)", (Object o) -> {
                    double v = (Double) o;
                    return v > 0 && !Double.isInfinite(v);
                });
        padding = new BooleanParam(this, "padding", "compare the first step with itself (it never fires) instead of "
                + "with zeros");
        setDefault(inputCol(), "sequence");
        setDefault(outputCol(), "spikes");
        setDefault(timeSteps, 0);
        setDefault(threshold, 0.1);
        setDefault(padding, false);
    }

    public IntParam timeSteps() {
        return timeSteps;
    }

    public DoubleParam threshold() {
        return threshold;
    }

    public BooleanParam padding() {
        return padding;
    }

    public int getTimeSteps() {
        return (Integer) getOrDefault(timeSteps);
    }

    public double getThreshold() {
        return (Double) getOrDefault(threshold);
    }

    public boolean getPadding() {
        return (Boolean) getOrDefault(padding);
    }

    public DeltaEncoder setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public DeltaEncoder setThreshold(double v) {
        set(threshold, v);
        return this;
    }

    public DeltaEncoder setPadding(boolean v) {
        set(padding, v);
        return this;
    }

    private static boolean isScalarArray(DataType t) {
        return SchemaChecks.isFloatingArray(t);
    }

    private static boolean isVectorArray(DataType t) {
        return t instanceof ArrayType a && SchemaChecks.isVector(a.elementType());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructField in = SchemaChecks.requireColumn(NAME, schema, "inputCol", getInputCol());
        DataType type = in.dataType();
        int outSize = -1;
        if (SchemaChecks.isVector(type)) {
            int t = getTimeSteps();
            if (t < 1) {
                throw new IllegalArgumentException(NAME + ": input column '" + getInputCol() + "' is a flat vector, "
                        + "so Param timeSteps must give the sequence length T (>= 1); it is " + t);
            }
            int n = AttributeGroup.fromStructField(in).size();
            if (n > 0) {
                if (n % t != 0) {
                    throw new IllegalArgumentException(NAME + ": input column '" + getInputCol() + "' holds vectors "
                            + "of length " + n + ", not a multiple of timeSteps = " + t);
                }
                outSize = 2 * n;
            }
        } else if (!isVectorArray(type) && !isScalarArray(type)) {
            throw new IllegalArgumentException(NAME + ": input column '" + getInputCol() + "' must hold a sequence "
                    + "(array<vector>, array<double>, array<float>, or a time-major vector with timeSteps set) but "
                    + "has type " + SchemaChecks.describe(type));
        }
        SchemaChecks.requireNewColumn(NAME, schema, "outputCol", getOutputCol());
        return schema.add(vectorOutputField(outSize));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        final String column = getInputCol();
        final int t = getTimeSteps();
        final double th = getThreshold();
        final boolean pad = getPadding();
        final boolean flat = SchemaChecks.isVector(dataset.schema().apply(column).dataType());
        UDF1<Object, Vector> f = o -> {
            if (o == null) {
                return null;
            }
            double[][] steps = flat ? split((Vector) o, t, column) : steps((scala.collection.Seq<?>) o, t, column);
            return Vectors.dense(encode(steps, th, pad, "column '" + column + "'")).compressed();
        };
        Column encoded = functions.udf(f, SQLDataTypes.VectorType()).apply(dataset.col(column));
        return dataset.withColumn(getOutputCol(), encoded, outSchema.apply(getOutputCol()).metadata());
    }

    private static double[][] split(Vector v, int t, String column) {
        if (v.size() % t != 0) {
            throw new IllegalArgumentException(NAME + ": column '" + column + "' holds a vector of length "
                    + v.size() + ", not a multiple of timeSteps = " + t);
        }
        int features = v.size() / t;
        double[] a = v.toArray();
        double[][] steps = new double[t][];
        for (int k = 0; k < t; k++) {
            steps[k] = java.util.Arrays.copyOfRange(a, k * features, (k + 1) * features);
        }
        return steps;
    }

    private static double[][] steps(scala.collection.Seq<?> seq, int t, String column) {
        int len = seq.length();
        if (t > 0 && len != t) {
            throw new IllegalArgumentException(NAME + ": column '" + column + "' holds a sequence of " + len
                    + " steps, but timeSteps = " + t);
        }
        double[][] steps = new double[len][];
        for (int k = 0; k < len; k++) {
            Object e = seq.apply(k);
            if (e == null) {
                throw new IllegalArgumentException(NAME + ": column '" + column + "' holds a null at step " + k);
            }
            steps[k] = e instanceof Vector v ? v.toArray() : new double[] {((Number) e).doubleValue()};
        }
        return steps;
    }

    /**
     * The ON/OFF spikes of a sequence {@code steps[t][j]} (all steps of one length F): a vector of length
     * {@code T*2F}, {@code [t*2F + j]} ON and {@code [t*2F + F + j]} OFF (class comment).
     *
     * @throws IllegalArgumentException on steps of different lengths or a non-finite value
     */
    public static double[] encode(double[][] steps, double threshold, boolean padding) {
        return encode(steps, threshold, padding, "the sequence");
    }

    private static double[] encode(double[][] steps, double threshold, boolean padding, String where) {
        DeltaCode code = new DeltaCode(threshold, padding);
        int t = steps.length;
        int f = t == 0 ? 0 : steps[0].length;
        float[] x = new float[Math.multiplyExact(f, t)];
        for (int k = 0; k < t; k++) {
            if (steps[k].length != f) {
                throw new IllegalArgumentException(NAME + ": " + where + " has " + f + " features at step 0 but "
                        + steps[k].length + " at step " + k);
            }
            for (int j = 0; j < f; j++) {
                if (!Double.isFinite(steps[k][j])) {
                    throw new IllegalArgumentException(NAME + ": " + where + " holds " + steps[k][j] + " at step " + k
                            + ", feature " + j + "; values must be finite");
                }
                x[k * f + j] = (float) steps[k][j]; // the network's input type: the spec layer codes the same floats
            }
        }
        float[] spikes = new float[2 * x.length];
        code.encode(x, t, 1, f, spikes);
        double[] out = new double[spikes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = spikes[i];
        }
        return out;
    }

    public static MLReader<DeltaEncoder> read() {
        return DefaultReaders.of(DeltaEncoder.class);
    }

    public static DeltaEncoder load(String path) {
        return read().load(path);
    }
}
