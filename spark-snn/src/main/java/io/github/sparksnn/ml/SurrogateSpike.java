package io.github.sparksnn.ml;

import java.util.Locale;

import io.github.sparksnn.ml.param.HasSurrogate;
import io.github.sparksnn.ml.param.SurrogateParam;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.ml.util.SchemaChecks;
import io.github.sparksnn.surrogate.Surrogates;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Applies a surrogate spiking function element-wise to a column, as a UDF: {@code mode = spike} gives the
 * Heaviside step {@code H(x) = 1 if x >= 0 else 0} (the spiking forward pass), {@code primitive} the smooth
 * primitive {@code g(x)} (the forward pass with spiking mode off) and {@code gradient} the surrogate gradient
 * {@code g'(x)} (what the backward pass multiplies the incoming gradient by). The function is given by its spec
 * (Param {@code surrogate}, e.g. {@code "ATan(alpha=2.0)"}, {@code "Sigmoid"}), parsed by
 * {@link Surrogates#parse(String)} when set and again in {@code transformSchema}.
 *
 * <p>Column kinds (the output has the kind of the input): {@code double} and {@code float} scalars, ml
 * {@code Vector} (the output is dense, since {@code H(0) = 1} and {@code g(0)}, {@code g'(0)} are nonzero), and
 * {@code array<double>} / {@code array<float>}. Doubles use the function's double-precision reference math, floats
 * its float math (what the training loops use). A null row stays null, and so does a null array element.
 *
 * <p>NaN: a NaN input fails the task with an {@link IllegalArgumentException} naming the column, rather than being
 * passed on: in {@code spike} mode {@code H(NaN)} would silently read as "no spike" (0). Infinities are valid
 * ({@code H(+inf) = 1}, {@code g'(+inf) = 0}).
 */
public class SurrogateSpike extends ColumnStage<SurrogateSpike> implements HasSurrogate {
    private static final long serialVersionUID = 1L;
    private static final String NAME = "SurrogateSpike";

    /** The values of Param {@code mode}. */
    public static final String SPIKE = "spike";
    public static final String PRIMITIVE = "primitive";
    public static final String GRADIENT = "gradient";

    // Params are created after uid: a Param records its parent's uid when it is built.
    private final SurrogateParam surrogate;
    private final Param<String> mode;

    public SurrogateSpike() {
        this(Identifiable$.MODULE$.randomUID("surrogateSpike"));
    }

    public SurrogateSpike(String uid) {
        super(uid, "input column: double, float, vector, array<double> or array<float>",
                "output column, of the same kind as the input");
        surrogate = new SurrogateParam(this, "surrogate",
                "surrogate function spec, e.g. ATan(alpha=2.0) or Sigmoid (defaults for omitted parameters)");
        mode = new Param<>(this, "mode", "what to compute: spike (Heaviside H(x)), primitive (g(x)) or "
                + "gradient (g'(x))", ParamValidators.inArray(new String[] {SPIKE, PRIMITIVE, GRADIENT}));
        setDefault(outputCol(), uid + "__output");
        setDefault(surrogate, "ATan(alpha=2.0)");
        setDefault(mode, SPIKE);
    }

    @Override
    public Param<String> surrogate() {
        return surrogate;
    }

    /** The Param {@code mode}: spike, primitive or gradient. */
    public Param<String> mode() {
        return mode;
    }

    public String getMode() {
        return getOrDefault(mode);
    }

    /** Sets the surrogate spec; an invalid spec fails here with the parser's message. */
    public SurrogateSpike setSurrogate(String spec) {
        set(surrogate, spec);
        return this;
    }

    /** Sets the mode ({@code spike}, {@code primitive} or {@code gradient}, any case). */
    public SurrogateSpike setMode(String value) {
        String v = value == null ? null : value.toLowerCase(Locale.ROOT);
        if (!SPIKE.equals(v) && !PRIMITIVE.equals(v) && !GRADIENT.equals(v)) {
            throw new IllegalArgumentException(NAME + ": mode must be spike, primitive or gradient, got '"
                    + value + "'");
        }
        set(mode, v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(inputCol())) {
            throw new IllegalArgumentException(NAME + ": Param inputCol is not set (it names the input column)");
        }
        Surrogates.parse(getSurrogate()); // a loaded or defaulted spec is checked too
        StructField in = SchemaChecks.requireColumn(NAME, schema, "inputCol", getInputCol());
        DataType t = in.dataType();
        if (!(t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType) || SchemaChecks.isVector(t)
                || SchemaChecks.isFloatingArray(t))) {
            throw new IllegalArgumentException(NAME + ": input column '" + getInputCol() + "' has type "
                    + SchemaChecks.describe(t) + "; expected double, float, vector, array<double> or array<float>"
                    + " (cast other numeric columns to double first)");
        }
        SchemaChecks.requireNewColumn(NAME, schema, "outputCol", getOutputCol());
        Metadata md = Metadata.empty();
        if (SchemaChecks.isVector(t)) {
            int size = AttributeGroup.fromStructField(in).size();
            if (size > 0) {
                md = new AttributeGroup(getOutputCol(), size).toMetadata();
            }
        }
        return schema.add(new StructField(getOutputCol(), t, in.nullable(), md));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        StructField field = out.apply(getOutputCol());
        ElementwiseSurrogate f = new ElementwiseSurrogate(Surrogates.parse(getSurrogate()),
                ElementwiseSurrogate.Mode.parse(getMode()), NAME + " input column '" + getInputCol() + "'");
        DataType t = field.dataType();
        Column in = dataset.col(getInputCol());
        UDF1<?, ?> udf;
        if (t.equals(DataTypes.DoubleType)) {
            udf = (UDF1<Double, Double>) x -> x == null ? null : f.apply(x.doubleValue());
        } else if (t.equals(DataTypes.FloatType)) {
            udf = (UDF1<Float, Float>) x -> x == null ? null : f.apply(x.floatValue());
        } else if (SchemaChecks.isVector(t)) {
            udf = (UDF1<Vector, Vector>) v -> v == null ? null : f.apply(v);
        } else if (((ArrayType) t).elementType().equals(DataTypes.DoubleType)) {
            udf = (UDF1<scala.collection.Seq<Object>, Double[]>) a -> a == null ? null : f.applyDoubles(a);
        } else {
            udf = (UDF1<scala.collection.Seq<Object>, Float[]>) a -> a == null ? null : f.applyFloats(a);
        }
        Column result = functions.udf(udf, t).apply(in);
        return dataset.withColumn(getOutputCol(), result, field.metadata());
    }

    public static MLReader<SurrogateSpike> read() {
        return DefaultReaders.of(SurrogateSpike.class);
    }

    public static SurrogateSpike load(String path) {
        return read().load(path);
    }
}
