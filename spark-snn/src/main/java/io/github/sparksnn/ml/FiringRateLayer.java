package io.github.sparksnn.ml;

import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.util.DefaultReaders;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The last stage of {@link SpikingNetworkModel#toLayerPipeline}: firing rates, the mean over the T steps of a
 * time-major {@code T * size} vector ({@code r_j = (1/T) sum_t s[t*size + j]}, in float as the model decodes),
 * so its output equals the model's {@code rawPrediction}.
 */
public class FiringRateLayer extends ColumnStage<FiringRateLayer> implements HasTimeSteps {
    private static final long serialVersionUID = 1L;

    private final IntParam timeSteps;
    private final IntParam size;

    public FiringRateLayer() {
        this(Identifiable$.MODULE$.randomUID("snnRateLayer"));
    }

    public FiringRateLayer(String uid) {
        super(uid, "input column: spikes over time, T*size values, time-major",
                "output column: firing rates, size values in [0, 1]");
        timeSteps = SpikingNetworkParams.timeSteps(this);
        size = new IntParam(this, "size", "neurons per time step (>= 1)", org.apache.spark.ml.param.ParamValidators.gtEq(1));
        setDefault(timeSteps, 4);
        setDefault(outputCol(), "snn_rates");
    }

    @Override
    public IntParam timeSteps() {
        return timeSteps;
    }

    public IntParam size() {
        return size;
    }

    public FiringRateLayer setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public FiringRateLayer setSize(int v) {
        set(size, v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(size)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": Param size is not set");
        }
        return LayerStageSupport.appendVector(getClass().getSimpleName(), schema, "inputCol", getInputCol(),
                "outputCol", getOutputCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int k = (Integer) getOrDefault(size);
        return dataset.toDF().mapPartitions(new RateBatches(dataset.schema().fieldIndex(getInputCol()), getInputCol(), k,
                getTimeSteps()), Encoders.row(out));
    }

    static final class RateBatches extends LayerBatches {
        private static final long serialVersionUID = 1L;
        final int k;
        final int t;

        RateBatches(int idx, String col, int k, int t) {
            super(idx, col, t * k, k);
            this.k = k;
            this.t = t;
        }

        @Override
        void apply(float[] in, int n, int partition, long position, float[] out) {
            float inv = 1f / t;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    float sum = 0f;
                    for (int s = 0; s < t; s++) {
                        sum += in[(i * t + s) * k + j];
                    }
                    out[i * k + j] = sum * inv;
                }
            }
        }
    }

    public static MLReader<FiringRateLayer> read() {
        return DefaultReaders.of(FiringRateLayer.class);
    }

    public static FiringRateLayer load(String path) {
        return read().load(path);
    }
}
