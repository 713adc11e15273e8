package io.github.sparksnn.ml;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Encoder;
import io.github.sparksnn.ml.param.HasSeed;
import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.train.plan.Seeds;
import io.github.sparksnn.ml.util.DefaultReaders;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Layer stage 0 of {@link SpikingNetworkModel#toLayerPipeline}: the network's input encoder as a Transformer.
 * {@code inputCol} (vector of F values) becomes {@code outputCol}, a vector of {@code T*F} values, time-major
 * (element {@code t*F + j} is feature {@code j} at step {@code t}): the input repeated T times ({@code direct}),
 * Poisson spikes, or latency spikes ({@code latency(...)}: at most one per feature, exactly what
 * {@link LatencyEncoder} writes). Poisson draws are seeded exactly as the model's own inference ({@code (seed,
 * partition, position)} in chunks of 256 rows), so on the same DataFrame the layer pipeline sees the model's spikes.
 */
public class SpikeEncoderLayer extends ColumnStage<SpikeEncoderLayer> implements HasSeed, HasTimeSteps {
    private static final long serialVersionUID = 1L;

    private final IntParam timeSteps;
    private final LongParam seed;
    private final Param<String> encoder;
    private final IntParam numFeatures;

    public SpikeEncoderLayer() {
        this(Identifiable$.MODULE$.randomUID("snnEncoderLayer"));
    }

    public SpikeEncoderLayer(String uid) {
        super(uid, "input column: vector of F features",
                "output column: vector of T*F encoded inputs, time-major");
        timeSteps = SpikingNetworkParams.timeSteps(this);
        seed = SpikingNetworkParams.seed(this);
        encoder = SpikingNetworkParams.encoder(this);
        numFeatures = new IntParam(this, "numFeatures", "features F per row (>= 1)",
                org.apache.spark.ml.param.ParamValidators.gtEq(1));
        setDefault(inputCol(), "features");
        setDefault(outputCol(), "snn_input");
        setDefault(timeSteps, 4);
        setDefault(seed, 42L);
        setDefault(encoder, "direct");
    }

    @Override
    public IntParam timeSteps() {
        return timeSteps;
    }

    @Override
    public LongParam seed() {
        return seed;
    }

    public Param<String> encoder() {
        return encoder;
    }

    public IntParam numFeatures() {
        return numFeatures;
    }

    public SpikeEncoderLayer setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public SpikeEncoderLayer setSeed(long v) {
        set(seed, v);
        return this;
    }

    /**
     * The input encoder spec: {@code direct}, {@code poisson} or {@code latency(...)} (see
     * {@link io.github.sparksnn.layer.Encoder}); a bad spec fails here with the parser's reason.
     */
    public SpikeEncoderLayer setEncoder(String v) {
        io.github.sparksnn.layer.Encoder.parse(v);
        set(encoder, v);
        return this;
    }

    public SpikeEncoderLayer setNumFeatures(int v) {
        set(numFeatures, v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(numFeatures)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": Param numFeatures is not set");
        }
        return LayerStageSupport.appendVector(getClass().getSimpleName(), schema, "inputCol", getInputCol(),
                "outputCol", getOutputCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int f = (Integer) getOrDefault(numFeatures);
        int t = getTimeSteps();
        Encoder enc = Encoder.parse(getOrDefault(encoder));
        long s = getSeed();
        LayerBatches body = new EncoderBatches(dataset.schema().fieldIndex(getInputCol()), getInputCol(), f, t, enc, s);
        return dataset.toDF().mapPartitions(body, Encoders.row(out));
    }

    /** The batch body (static: the closure must not capture the stage and its non-serializable validators). */
    static final class EncoderBatches extends LayerBatches {
        private static final long serialVersionUID = 1L;
        final int f;
        final int t;
        final Encoder enc;
        final long seed;
        transient CpuBackend be;
        transient Tensor x;
        transient Tensor y;
        transient float[] time;

        EncoderBatches(int idx, String col, int f, int t, Encoder enc, long seed) {
            super(idx, col, f, t * f);
            this.f = f;
            this.t = t;
            this.enc = enc;
            this.seed = seed;
        }

        @Override
        void apply(float[] in, int n, int partition, long position, float[] rows) {
            if (be == null) {
                int cap = Seeds.INFERENCE_CHUNK;
                be = new CpuBackend(1);
                x = be.alloc(cap * f);
                y = be.alloc(t * cap * f);
                time = new float[t * cap * f];
            }
            be.upload(in, 0, x, 0, n * f);
            enc.encode(be, x, n, f, t, Seeds.inference(seed, partition, position), 0, y);
            be.download(y, 0, time, 0, t * n * f);
            timeToRows(time, n, t, f, rows);
        }

        @Override
        void release() {
            if (be != null) {
                x.close();
                y.close();
                be.close();
                be = null;
            }
        }
    }

    public static MLReader<SpikeEncoderLayer> read() {
        return DefaultReaders.of(SpikeEncoderLayer.class);
    }

    public static SpikeEncoderLayer load(String path) {
        return read().load(path);
    }
}
