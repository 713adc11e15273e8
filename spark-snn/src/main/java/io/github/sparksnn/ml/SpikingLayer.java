package io.github.sparksnn.ml;

import io.github.sparksnn.backend.CpuBackend;
import io.github.sparksnn.backend.Tensor;
import io.github.sparksnn.layer.Pass;
import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.train.plan.Seeds;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.model.Network;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * One layer of a trained network as a Transformer (see {@link SpikingNetworkModel#toLayerPipeline}): reads the
 * previous layer's output over time from {@code inputCol} (a vector of {@code T * inputSize} values, time-major)
 * and appends this layer's output over time to {@code outputCol} ({@code T * outputSize} values): spikes (0/1)
 * for neuron layers, synaptic currents for linear and convolutional layers. Neurons start each row from rest,
 * as in the model. Runs batched per partition (256 rows per pass, the model's chunking), with the layer's
 * weights (its slice of the model's flat vector) and buffers (a batch-norm layer's running statistics, which
 * it normalizes with: the stage always runs in inference mode) saved as Parquet next to the Params.
 */
public class SpikingLayer extends ColumnStage<SpikingLayer> implements HasTimeSteps {
    private static final long serialVersionUID = 1L;

    private final IntParam timeSteps;
    private final Param<String> layerSpec;
    private final IntArrayParam inputShape;
    private final IntParam layerIndex;
    private float[] weights = new float[0];
    private float[] buffers = new float[0];

    public SpikingLayer() {
        this(Identifiable$.MODULE$.randomUID("snnLayer"));
    }

    public SpikingLayer(String uid) {
        super(uid, "input column: the previous layer's output, T*inputSize values, time-major",
                "output column: this layer's output, T*outputSize values, time-major");
        timeSteps = SpikingNetworkParams.timeSteps(this);
        layerSpec = new Param<>(this, "layerSpec", "this layer in the model spec syntax, e.g. 'lif(tau=2.0)'");
        inputShape = SpikingNetworkParams.inputShape(this);
        layerIndex = new IntParam(this, "layerIndex", "position of the layer in the model (1-based, informative)");
        setDefault(timeSteps, 4);
        setDefault(layerIndex, 1);
    }

    @Override
    public IntParam timeSteps() {
        return timeSteps;
    }

    public Param<String> layerSpec() {
        return layerSpec;
    }

    public IntArrayParam inputShape() {
        return inputShape;
    }

    public IntParam layerIndex() {
        return layerIndex;
    }

    public SpikingLayer setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public SpikingLayer setLayerSpec(String v) {
        set(layerSpec, v);
        return this;
    }

    public SpikingLayer setInputShape(int[] v) {
        set(inputShape, v);
        return this;
    }

    public SpikingLayer setLayerIndex(int v) {
        set(layerIndex, v);
        return this;
    }

    /** Sets the layer's parameters (its slice of the model's flat vector). */
    public SpikingLayer setWeights(float[] w) {
        this.weights = w.clone();
        return this;
    }

    public float[] weights() {
        return weights.clone();
    }

    /** Sets the layer's buffers (a batch-norm layer's running statistics {@code [mean..., var...]}; else empty). */
    public SpikingLayer setBuffers(float[] b) {
        this.buffers = b.clone();
        return this;
    }

    public float[] buffers() {
        return buffers.clone();
    }

    private ModelSpec spec() {
        if (!isDefined(layerSpec) || !isDefined(inputShape)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": Params layerSpec and inputShape must be set");
        }
        ModelSpec s = ModelSpec.parse(getOrDefault(layerSpec));
        if (s.layers().size() != 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": layerSpec must hold exactly one layer, got '"
                    + getOrDefault(layerSpec) + "'");
        }
        return s;
    }

    /** Values per sample per time step: {@code [inputSize, outputSize]}. */
    int[] sizes() {
        ModelSpec s = spec();
        int in = 1;
        for (int d : getOrDefault(inputShape)) {
            in *= d;
        }
        int out = 1;
        for (int d : s.outputShape(getOrDefault(inputShape))) {
            out *= d;
        }
        return new int[]{in, out};
    }

    @Override
    public StructType transformSchema(StructType schema) {
        sizes();
        return LayerStageSupport.appendVector(getClass().getSimpleName(), schema, "inputCol", getInputCol(),
                "outputCol", getOutputCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int[] io = sizes();
        int t = getTimeSteps();
        return dataset.toDF().mapPartitions(new NetworkBatches(dataset.schema().fieldIndex(getInputCol()), getInputCol(),
                io[0], io[1], t, getOrDefault(layerSpec), getOrDefault(inputShape), weights, buffers),
                Encoders.row(out));
    }

    static final class NetworkBatches extends LayerBatches {
        private static final long serialVersionUID = 1L;
        final int in;
        final int out;
        final int t;
        final String spec;
        final int[] shape;
        final float[] weights;
        final float[] buffers;
        transient CpuBackend be;
        transient Network net;
        transient Tensor x;
        transient float[] timeIn;
        transient float[] timeOut;
        transient Pass pass;

        NetworkBatches(int idx, String col, int in, int out, int t, String spec, int[] shape, float[] weights,
                       float[] buffers) {
            super(idx, col, t * in, t * out);
            this.buffers = buffers;
            this.in = in;
            this.out = out;
            this.t = t;
            this.spec = spec;
            this.shape = shape;
            this.weights = weights;
        }

        @Override
        void apply(float[] rows, int n, int partition, long position, float[] result) {
            if (be == null) {
                int cap = Seeds.INFERENCE_CHUNK;
                be = new CpuBackend(1);
                net = Network.build(ModelSpec.parse(spec), shape, be);
                if (weights.length != net.numParameters()) {
                    throw new IllegalArgumentException("layer '" + spec + "' has " + net.numParameters()
                            + " parameters, the stage holds " + weights.length);
                }
                net.setParameters(weights);
                int nb = net.runningStatistics().length;
                if (buffers.length != nb) {
                    throw new IllegalArgumentException("layer '" + spec + "' has " + nb
                            + " buffer values (batch-norm running statistics), the stage holds " + buffers.length);
                }
                net.setRunningStatistics(buffers);
                net.allocate(t, cap);
                x = be.alloc(t * cap * in);
                timeIn = new float[t * cap * in];
                timeOut = new float[t * cap * out];
                pass = new Pass();
            }
            rowsToTime(rows, n, t, in, timeIn);
            be.upload(timeIn, 0, x, 0, t * n * in);
            pass.set(t, n, false, 0L, 0);
            Tensor y = net.forward(x, pass);
            be.download(y, 0, timeOut, 0, t * n * out);
            timeToRows(timeOut, n, t, out, result);
        }

        @Override
        void release() {
            if (be != null) {
                x.close();
                net.close();
                be.close();
                be = null;
            }
        }
    }

    @Override
    public SpikingLayer copy(ParamMap extra) {
        SpikingLayer c = defaultCopy(extra);
        c.weights = weights.clone();
        c.buffers = buffers.clone();
        return c;
    }

    // ---- persistence: Params as metadata JSON, weights as Parquet ----

    @Override
    public MLWriter write() {
        SpikingLayer self = this;
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                try {
                    self.paramsWriter().session(sparkSession()).save(path);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                LayerWeights.save(sparkSession(), path, 0, 0, self.weights, self.buffers);
            }
        };
    }

    public static MLReader<SpikingLayer> read() {
        return new MLReader<>() {
            @Override
            public SpikingLayer load(String path) {
                MLReader<SpikingLayer> meta = DefaultReaders.of(SpikingLayer.class);
                meta.session(sparkSession());
                SpikingLayer l = meta.load(path);
                Object[] data = LayerWeights.load(sparkSession(), path);
                l.weights = (float[]) data[2];
                l.buffers = (float[]) data[3];
                return l;
            }
        };
    }

    public static SpikingLayer load(String path) {
        return read().load(path);
    }
}
