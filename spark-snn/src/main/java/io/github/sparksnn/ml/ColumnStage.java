package io.github.sparksnn.ml;

import io.github.sparksnn.ml.param.HasInputCol;
import io.github.sparksnn.ml.param.HasOutputCol;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;

/**
 * What every one-column-in, one-column-out Transformer of this package shares: its uid, the Params
 * {@code inputCol} and {@code outputCol} with their fluent setters, and {@code copy}. Java has no traits, so this
 * base stands where a Scala stage would mix in MLlib's {@code HasInputCol} and {@code HasOutputCol}; the setters
 * return the concrete stage ({@code S}) so a chain of calls keeps its type.
 *
 * <p>Each stage documents its columns itself (the docs differ: intensities, spikes, a sequence...), so the
 * constructor takes the two docs; defaults stay with the stage.
 *
 * @param <S> the concrete stage
 */
public abstract class ColumnStage<S extends ColumnStage<S>> extends Transformer
        implements HasInputCol, HasOutputCol, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    // The uid is assigned before the Params: a Param records its parent's uid when it is built.
    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;

    protected ColumnStage(String uid, String inputDoc, String outputDoc) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", inputDoc);
        outputCol = new Param<>(this, "outputCol", outputDoc);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Param<String> inputCol() {
        return inputCol;
    }

    @Override
    public Param<String> outputCol() {
        return outputCol;
    }

    public S setInputCol(String v) {
        set(inputCol, v);
        return self();
    }

    public S setOutputCol(String v) {
        set(outputCol, v);
        return self();
    }

    /** This stage as its concrete type, for the fluent setters of subclasses. */
    @SuppressWarnings("unchecked")
    protected final S self() {
        return (S) this;
    }

    /**
     * The field of a new vector output column: its size in the column's ML attributes when known ({@code size > 0}),
     * so a downstream stage can read the width from the schema; without attributes otherwise.
     */
    protected final StructField vectorOutputField(int size) {
        return size > 0
                ? new AttributeGroup(getOutputCol(), size).toStructField()
                : new StructField(getOutputCol(), SQLDataTypes.VectorType(), true, Metadata.empty());
    }

    /** MLlib's default writer (the Params as metadata JSON), for a stage whose {@code write()} adds data to it. */
    MLWriter paramsWriter() {
        return DefaultParamsWritable.super.write();
    }

    @Override
    public S copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
