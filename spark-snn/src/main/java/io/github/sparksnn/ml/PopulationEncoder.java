package io.github.sparksnn.ml;

import io.github.sparksnn.layer.PopulationCode;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.ml.util.SchemaChecks;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Population coding of a scalar with Gaussian receptive fields (Bohte, Kok and La Poutré 2002, the scheme of
 * SpikingJelly's {@code encoding.GaussianTuning}), for tabular data: {@code N} neurons with centres
 * {@code c[i] = min + i (max - min) / (N - 1)}, {@code i < N}, evenly spread over [min, max] with both ends
 * included, each responding to the value {@code x} with
 * <pre>
 *   r[i] = exp(-(x - c[i])^2 / (2 sigma^2))
 * </pre>
 * where {@code sigma = width}, or, with {@code width = 0} (the default), {@code sigma = (max - min) / (1.5 (N - 1))}:
 * Bohte's {@code beta = 1.5} over the spacing of the centres. (SpikingJelly places its centres half a spacing beyond
 * [min, max], at {@code min + (2i - 3)/2 (max - min)/(N - 2)} for {@code i = 1..N}; here the range's ends are centres.)
 * The responses lie in (0, 1], so the vector feeds {@link LatencyEncoder} (a strong response fires early, Bohte's
 * conversion of responses to spike times) or {@link PoissonEncoder}, or the network directly.
 *
 * <p><b>Input</b>: {@code inputCol}, one numeric column (any Spark numeric type). A value outside [min, max] is
 * coded by the same curves (it mostly excites the nearest end neuron); NaN or an infinite value fails the task with
 * an {@link IllegalArgumentException} naming the column and the value. A null gives a null vector. Several columns:
 * one stage per column, then {@code VectorAssembler}.
 *
 * <p><b>Output</b>: {@code outputCol}, a dense vector of the {@code N} responses, computed in {@code double} from the
 * value rounded to float (the network's input type). Deterministic. {@link PopulationCode} is the one definition:
 * the spec layer {@code population(N, min=.., max=.., width=..)} codes every input feature inside the network with
 * it, and gives this stage's responses rounded to float, bit for bit.
 */
public class PopulationEncoder extends ColumnStage<PopulationEncoder> {
    private static final long serialVersionUID = 1L;
    private static final String NAME = "PopulationEncoder";

    private final IntParam numNeurons;
    private final DoubleParam min;
    private final DoubleParam max;
    private final DoubleParam width;

    public PopulationEncoder() {
        this(Identifiable$.MODULE$.randomUID("populationEncoder"));
    }

    public PopulationEncoder(String uid) {
        super(uid, "input column: one numeric value per row",
                "output column: vector of the numNeurons Gaussian responses in "
                + "(0, 1]");
        numNeurons = new IntParam(this, "numNeurons", "neurons N per value, centres evenly spread over [min, max] "
                + "(>= 2)", ParamValidators.gtEq(2));
        min = new DoubleParam(this, "min", "centre of the first neuron (finite, < max)",
                (Object o) -> {
                    double v = (Double) o;
                    return Double.isFinite(v);
                });
        max = new DoubleParam(this, "max", "centre of the last neuron (finite, > min)",
                (Object o) -> {
                    double v = (Double) o;
                    return Double.isFinite(v);
                });
        width = new DoubleParam(this, "width", "standard deviation sigma of each receptive field (>= 0, finite); 0 = "
                + "(max - min) / (1.5 (N - 1))", (Object o) -> {
                    double v = (Double) o;
                    return v >= 0 && !Double.isInfinite(v);
                });
        setDefault(inputCol(), "value");
        setDefault(outputCol(), "population");
        setDefault(numNeurons, 10);
        setDefault(min, 0.0);
        setDefault(max, 1.0);
        setDefault(width, 0.0);
    }

    public IntParam numNeurons() {
        return numNeurons;
    }

    public DoubleParam min() {
        return min;
    }

    public DoubleParam max() {
        return max;
    }

    public DoubleParam width() {
        return width;
    }

    public int getNumNeurons() {
        return (Integer) getOrDefault(numNeurons);
    }

    public double getMin() {
        return (Double) getOrDefault(min);
    }

    public double getMax() {
        return (Double) getOrDefault(max);
    }

    public double getWidth() {
        return (Double) getOrDefault(width);
    }

    public PopulationEncoder setNumNeurons(int v) {
        set(numNeurons, v);
        return this;
    }

    public PopulationEncoder setMin(double v) {
        set(min, v);
        return this;
    }

    public PopulationEncoder setMax(double v) {
        set(max, v);
        return this;
    }

    public PopulationEncoder setWidth(double v) {
        set(width, v);
        return this;
    }

    /** The standard deviation in use: {@code width}, or the default from the spacing when {@code width = 0}. */
    public double sigma() {
        return sigma(getNumNeurons(), getMin(), getMax(), getWidth());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructField in = SchemaChecks.requireColumn(NAME, schema, "inputCol", getInputCol());
        if (!(in.dataType() instanceof NumericType)) {
            throw new IllegalArgumentException(NAME + ": input column '" + getInputCol() + "' must be numeric (one "
                    + "value per row) but has type " + SchemaChecks.describe(in.dataType()));
        }
        if (!(getMin() < getMax())) {
            throw new IllegalArgumentException(NAME + ": Param min (" + getMin() + ") must be below max ("
                    + getMax() + ")");
        }
        SchemaChecks.requireNewColumn(NAME, schema, "outputCol", getOutputCol());
        return schema.add(new AttributeGroup(getOutputCol(), getNumNeurons()).toStructField());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        final int n = getNumNeurons();
        final double lo = getMin();
        final double hi = getMax();
        final double w = getWidth();
        final String column = getInputCol();
        UDF1<Double, Vector> f = x -> {
            if (x == null) {
                return null;
            }
            double[] out = new double[n];
            encode(x, n, lo, hi, w, out, "column '" + column + "'");
            return Vectors.dense(out);
        };
        Column value = dataset.col(column).cast(DataTypes.DoubleType);
        Column encoded = functions.udf(f, SQLDataTypes.VectorType()).apply(value);
        return dataset.withColumn(getOutputCol(), encoded, outSchema.apply(getOutputCol()).metadata());
    }

    /** {@code width}, or {@code (max - min) / (1.5 (N - 1))} when it is 0 ({@link PopulationCode#sigma}). */
    public static double sigma(int numNeurons, double min, double max, double width) {
        return PopulationCode.sigma(numNeurons, min, max, width);
    }

    /**
     * The responses of {@code numNeurons} receptive fields to {@code x} (class comment) into {@code out}.
     *
     * @throws IllegalArgumentException on a non-finite {@code x} or bad parameters
     */
    public static void encode(double x, int numNeurons, double min, double max, double width, double[] out) {
        encode(x, numNeurons, min, max, width, out, "the value");
    }

    private static void encode(double x, int numNeurons, double min, double max, double width, double[] out,
                               String where) {
        PopulationCode code;
        try {
            code = new PopulationCode(numNeurons, min, max, width);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(NAME + ": " + e.getMessage(), e);
        }
        if (out.length != numNeurons) {
            throw new IllegalArgumentException(NAME + ": the output has length " + out.length + ", not numNeurons = "
                    + numNeurons);
        }
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException(NAME + ": " + where + " holds " + x + "; values must be finite");
        }
        float v = (float) x; // the network's input type: the spec layer codes the same float
        for (int i = 0; i < numNeurons; i++) {
            out[i] = code.response(v, i);
        }
    }

    public static MLReader<PopulationEncoder> read() {
        return DefaultReaders.of(PopulationEncoder.class);
    }

    public static PopulationEncoder load(String path) {
        return read().load(path);
    }
}
