package io.github.sparksnn.ml;

import io.github.sparksnn.ml.param.HasNetworkSpec;
import io.github.sparksnn.ml.param.HasSeed;
import io.github.sparksnn.ml.param.HasSequenceInput;
import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.train.DistributedTrainer;
import io.github.sparksnn.ml.train.engine.EngineCache;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.engine.EngineProvider;
import io.github.sparksnn.ml.train.plan.Seeds;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.train.EngineConfig;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A trained spiking network as a Spark ML probabilistic classifier.
 *
 * <p>Output columns (each only when its Param is non-empty):
 * <ul>
 *   <li>{@code rawPredictionCol}: the output layer's firing rates (spike count / T per class, in [0, 1]);</li>
 *   <li>{@code probabilityCol}: the rates normalized to sum 1 ({@code r_k / sum_j r_j}); a sample whose output
 *       neurons never fire gets the uniform distribution. These are confidence scores, not calibrated
 *       probabilities (rates are what the network was trained on with the MSE loss);</li>
 *   <li>{@code predictionCol}: the class with the highest rate (first on ties), or with {@code thresholds} set,
 *       Spark's rule {@code argmax p_k / t_k}.</li>
 * </ul>
 * Inference runs batched per partition ({@code mapPartitions}, 256 rows per engine call) with a cached network
 * replica per executor thread and the weights broadcast once. With the {@code poisson} encoder the spikes of a
 * row are drawn from {@code (seed, partition, position)}, so repeated transforms of the same DataFrame agree.
 * A model trained with {@code sequenceInput} reads the features column in either of its forms (a time-major vector,
 * or an {@code array<vector>} of {@code timeSteps} steps) and rejects a row of another length.
 *
 * <p>Besides the flat weight vector the model holds its buffers, the non-trainable state inference depends on
 * (batch normalization's running means and variances, {@link io.github.sparksnn.train.GradientEngine#buffers()};
 * empty without batch norm), and loads both into every inference replica.
 *
 * <p>Saved as Spark ML's layout: {@code metadata/} (Params as JSON) and {@code data/} (Parquet: one row with the
 * flat weight vector, the number of classes and of features, and the buffers; a {@code data/} without the
 * buffers column loads as a model without buffers).
 */
public class SpikingNetworkModel extends ProbabilisticClassificationModel<Vector, SpikingNetworkModel>
        implements HasSeed, HasTimeSteps, HasNetworkSpec, HasSequenceInput, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> modelSpec;
    private final IntParam timeSteps;
    private final IntArrayParam inputShape;
    private final org.apache.spark.ml.param.BooleanParam sequenceInput;
    private final Param<String> encoder;
    private final Param<String> loss;
    private final LongParam seed;
    private final Param<String> backend;

    private float[] weights;
    private float[] buffers = new float[0];
    private int numClasses;
    private int numFeatures;
    private transient TrainingSummary summary;

    /** An empty model (no weights yet): Spark's persistence instantiates models this way before loading data. */
    public SpikingNetworkModel(String uid) {
        this(UidHolder.park(uid));
    }

    private SpikingNetworkModel(UidHolder.Token token) {
        super();
        this.uid = UidHolder.take();
        modelSpec = SpikingNetworkParams.modelSpec(this);
        timeSteps = SpikingNetworkParams.timeSteps(this);
        inputShape = SpikingNetworkParams.inputShape(this);
        sequenceInput = SpikingNetworkParams.sequenceInput(this);
        encoder = SpikingNetworkParams.encoder(this);
        loss = SpikingNetworkParams.loss(this);
        seed = SpikingNetworkParams.seed(this);
        backend = SpikingNetworkParams.backend(this);
        setDefault(modelSpec, SpikingNetworkParams.DEFAULT_SPEC);
        setDefault(timeSteps, 4);
        setDefault(inputShape, new int[]{1, 28, 28});
        setDefault(sequenceInput, false); // also what a model saved before this Param loads with
        setDefault(encoder, "direct");
        setDefault(loss, "mse");
        setDefault(seed, 42L);
        setDefault(backend, "auto");
    }

    SpikingNetworkModel(String uid, float[] weights, int numClasses, int numFeatures) {
        this(uid, weights, new float[0], numClasses, numFeatures);
    }

    SpikingNetworkModel(String uid, float[] weights, float[] buffers, int numClasses, int numFeatures) {
        this(uid);
        setWeights(weights, numClasses, numFeatures);
        setBuffers(buffers);
    }

    final void setBuffers(float[] b) {
        this.buffers = b.clone();
    }

    /** A copy of the buffers: batch-norm running statistics, per BN layer {@code [mean..., var...]}. */
    public float[] buffers() {
        return buffers.clone();
    }

    final void setWeights(float[] w, int classes, int features) {
        this.weights = w.clone();
        this.numClasses = classes;
        this.numFeatures = features;
    }

    @Override
    public String uid() {
        // Called by the Scala superclass constructor before the field is set: see UidHolder.
        return uid != null ? uid : UidHolder.pending();
    }

    @Override
    public Param<String> modelSpec() {
        return modelSpec;
    }

    @Override
    public IntParam timeSteps() {
        return timeSteps;
    }

    @Override
    public IntArrayParam inputShape() {
        return inputShape;
    }

    @Override
    public org.apache.spark.ml.param.BooleanParam sequenceInput() {
        return sequenceInput;
    }

    @Override
    public Param<String> encoder() {
        return encoder;
    }

    public Param<String> loss() {
        return loss;
    }

    @Override
    public LongParam seed() {
        return seed;
    }

    @Override
    public Param<String> backend() {
        return backend;
    }

    /** Inference settings may change after training (e.g. more time steps, another seed, another backend). */
    public SpikingNetworkModel setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public SpikingNetworkModel setSeed(long v) {
        set(seed, v);
        return this;
    }

    public SpikingNetworkModel setBackend(String v) {
        set(backend, v);
        return this;
    }

    /**
     * The input encoder spec: {@code direct}, {@code poisson} or {@code latency(...)} (see
     * {@link io.github.sparksnn.layer.Encoder}); a bad spec fails here with the parser's reason.
     */
    public SpikingNetworkModel setEncoder(String v) {
        io.github.sparksnn.layer.Encoder.parse(v);
        set(encoder, v);
        return this;
    }

    /** A copy of the flat weight vector (layer slices in spec order, PyTorch order within a layer). */
    public float[] weights() {
        requireWeights();
        return weights.clone();
    }

    /**
     * Spark's summary helper, re-declared because Java sees the two covariant Scala overrides as a clash; the
     * behaviour is ProbabilisticClassificationModel's.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int numFeatures() {
        return numFeatures;
    }

    public boolean hasSummary() {
        return summary != null;
    }

    /** The training summary of the fit that produced this model (not saved with it, as in MLlib). */
    public TrainingSummary summary() {
        if (summary == null) {
            throw new NoSuchElementException("no training summary: this model was loaded or copied without one");
        }
        return summary;
    }

    void setSummary(TrainingSummary s) {
        this.summary = s;
    }

    /** The engine configuration of this model's Params (inference uses no loss, but the config carries one). */
    public EngineConfig engineConfig() {
        return SpikingNetworkClassifier.engineConfig(this, getModelSpec(), getInputShape(), getTimeSteps(),
                getEncoder(), getOrDefault(loss), getSeed(), getSequenceInput());
    }

    /** The buffers must fit the spec (a batch-norm model without its running statistics would predict wrongly). */
    private void requireBuffers(EngineConfig cfg) {
        int expected = io.github.sparksnn.model.Network.initialRunningStatistics(cfg.spec(), cfg.inputShape()).length;
        if (buffers.length != expected) {
            throw new IllegalStateException("SpikingNetworkModel " + uid + " holds " + buffers.length
                    + " buffer values, but its spec's batch-norm layers need " + expected + " (running statistics)");
        }
    }

    private void requireWeights() {
        if (weights == null) {
            throw new IllegalStateException("SpikingNetworkModel " + uid + " has no weights (not fitted or loaded)");
        }
    }

    // ---- inference ----

    @Override
    public StructType validateAndTransformSchema(StructType schema, boolean fitting,
                                                 org.apache.spark.sql.types.DataType featuresDataType) {
        EngineConfig cfg = engineConfig();
        return super.validateAndTransformSchema(schema, fitting, SequenceFeatures.featuresType(
                getClass().getSimpleName(), schema, getFeaturesCol(), cfg.sequenceInput(),
                io.github.sparksnn.layer.Layer.product(cfg.inputShape())));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructType out = super.transformSchema(schema);
        SpikingNetworkClassifier.checkFeatureMetadata(getClass().getSimpleName(), schema, getFeaturesCol(),
                engineConfig().featureSize());
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        requireWeights();
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        EngineConfig cfg = engineConfig();
        if (cfg.numClasses() != numClasses || cfg.featureSize() != numFeatures) {
            throw new IllegalStateException("model Params describe " + cfg.featureSize() + " -> " + cfg.numClasses()
                    + " but the weights were trained for " + numFeatures + " -> " + numClasses);
        }
        requireBuffers(cfg);
        SparkSession spark = dataset.sparkSession();
        Broadcast<float[]> bw = spark.sparkContext().broadcast(io.github.sparksnn.ml.train.engine.EngineStates.of(weights,
                buffers), scala.reflect.ClassTag$.MODULE$.apply(float[].class));
        double[] thr = isDefined(thresholds()) ? getThresholds() : null;
        boolean steps = SequenceFeatures.isSequenceArray(in.apply(getFeaturesCol()).dataType());
        BatchPredictor p = new BatchPredictor(steps ? cfg.timeSteps() : 0, EngineProvider.resolve(getBackend(), cfg), bw, weights.length,
                "model:" + uid,
                in.fieldIndex(getFeaturesCol()), getFeaturesCol(), numFeatures, numClasses, getSeed(), thr,
                !getRawPredictionCol().isEmpty(), !getProbabilityCol().isEmpty(), !getPredictionCol().isEmpty(),
                outputOrder(in, out));
        return dataset.toDF().mapPartitions(p, Encoders.row(out));
    }

    /** For each appended output field, which value it takes: 0 raw, 1 probability, 2 prediction. */
    private int[] outputOrder(StructType in, StructType out) {
        int[] order = new int[out.length() - in.length()];
        for (int i = 0; i < order.length; i++) {
            String name = out.fields()[in.length() + i].name();
            order[i] = name.equals(getRawPredictionCol()) ? 0 : name.equals(getProbabilityCol()) ? 1
                    : name.equals(getPredictionCol()) ? 2 : -1;
            if (order[i] < 0) {
                throw new IllegalStateException("unexpected output column " + name);
            }
        }
        return order;
    }

    /** Firing rates of one sample (a single engine call; {@link #transform} batches instead). */
    @Override
    public Vector predictRaw(Vector features) {
        requireWeights();
        if (features.size() != numFeatures) {
            throw new IllegalArgumentException("features vector has " + features.size() + " values, the model needs "
                    + numFeatures);
        }
        EngineConfig cfg = engineConfig();
        float[] x = new float[numFeatures];
        double[] d = features.toArray();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) d[i];
        }
        requireBuffers(cfg);
        float[] rates = new float[numClasses];
        try (EngineCache.Lease lease = EngineCache.acquire("model:" + uid, EngineProvider.resolve(getBackend(), cfg))) {
            lease.engine.setParameters(weights);
            lease.engine.setBuffers(buffers);
            lease.engine.predictRates(x, 0, 1, Seeds.inference(getSeed(), 0, 0), rates);
        }
        double[] r = new double[numClasses];
        for (int k = 0; k < r.length; k++) {
            r[k] = rates[k];
        }
        return Vectors.dense(r);
    }

    /** Rates to probabilities in place: {@code r_k / sum r}, uniform when no output neuron fired. */
    @Override
    public Vector raw2probabilityInPlace(Vector raw) {
        if (raw instanceof DenseVector dv) {
            normalize(dv.values());
            return dv;
        }
        double[] v = raw.toArray();
        normalize(v);
        return Vectors.dense(v);
    }

    static void normalize(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        for (int k = 0; k < v.length; k++) {
            v[k] = s > 0 ? v[k] / s : 1.0 / v.length;
        }
    }

    @Override
    public SpikingNetworkModel copy(ParamMap extra) {
        SpikingNetworkModel c = new SpikingNetworkModel(uid);
        if (weights != null) {
            c.setWeights(weights, numClasses, numFeatures);
        }
        c.setBuffers(buffers);
        c.summary = summary;
        copyValues(c, extra);
        return (SpikingNetworkModel) c.setParent(parent());
    }

    @Override
    public String toString() {
        return "SpikingNetworkModel: uid=" + uid + ", spec='" + getModelSpec() + "', T=" + getTimeSteps()
                + ", numClasses=" + numClasses + ", numFeatures=" + numFeatures + ", weights="
                + (weights == null ? 0 : weights.length) + ", buffers=" + buffers.length;
    }

    /** The mapPartitions body of {@link #transform}: small, serializable, no reference to the model. */
    static final class BatchPredictor implements MapPartitionsFunction<Row, Row>, Serializable {
        private static final long serialVersionUID = 1L;
        final EngineFactory engines;
        final Broadcast<float[]> weights;
        final int numParams;
        final String runId;
        final int featuresIdx;
        final String featuresCol;
        final int numFeatures;
        final int numClasses;
        final long seed;
        final double[] thresholds;
        final boolean raw;
        final boolean prob;
        final boolean pred;
        final int[] order;
        final int steps;

        /**
         * {@code weights}: the broadcast parameters followed by the buffers; {@code numParams}: where they split;
         * {@code steps}: 0 for a vector column, else T (the column holds arrays of T steps).
         */
        BatchPredictor(int steps, EngineFactory engines, Broadcast<float[]> weights, int numParams, String runId, int featuresIdx,
                       String featuresCol, int numFeatures, int numClasses, long seed, double[] thresholds, boolean raw,
                       boolean prob, boolean pred, int[] order) {
            this.engines = engines;
            this.weights = weights;
            this.numParams = numParams;
            this.runId = runId;
            this.featuresIdx = featuresIdx;
            this.featuresCol = featuresCol;
            this.numFeatures = numFeatures;
            this.numClasses = numClasses;
            this.seed = seed;
            this.thresholds = thresholds;
            this.raw = raw;
            this.prob = prob;
            this.pred = pred;
            this.order = order;
            this.steps = steps;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            int partition = TaskContext.getPartitionId();
            final int chunk = Seeds.INFERENCE_CHUNK;
            return new ChunkedRows(rows, chunk) {
                final List<Row> buffer = new ArrayList<>(chunk);
                final float[] x = new float[chunk * numFeatures];
                final float[] rates = new float[chunk * numClasses];
                long position;

                @Override
                void fill(Iterator<Row> rows, List<Row> ready) {
                    buffer.clear();
                    while (buffer.size() < chunk && rows.hasNext()) {
                        Row r = rows.next();
                        long row = position + buffer.size();
                        Vector v = r.isNullAt(featuresIdx) ? null : steps == 0 ? (Vector) r.get(featuresIdx)
                                : Vectors.dense(SequenceFeatures.values(r.get(featuresIdx), steps, numFeatures / steps,
                                "column '" + featuresCol + "', row " + row + " of partition " + partition));
                        if (v == null || v.size() != numFeatures) {
                            throw new IllegalArgumentException("column '" + featuresCol + "', row " + row
                                    + " of partition " + partition + ": " + (v == null ? "is null"
                                    : "has " + v.size() + " values, the model needs " + numFeatures));
                        }
                        double[] d = v.toArray();
                        int base = buffer.size() * numFeatures;
                        for (int j = 0; j < numFeatures; j++) {
                            if (!Double.isFinite(d[j])) {
                                throw new IllegalArgumentException("column '" + featuresCol + "', row " + row
                                        + " of partition " + partition + ": non-finite value " + d[j] + " at index " + j);
                            }
                            x[base + j] = (float) d[j];
                        }
                        buffer.add(r);
                    }
                    int n = buffer.size();
                    try (EngineCache.Lease lease = EngineCache.acquire(runId, engines)) {
                        io.github.sparksnn.ml.train.engine.EngineStates.load(lease.engine, weights.value(), numParams);
                        lease.engine.predictRates(x, 0, n, Seeds.inference(seed, partition, position), rates);
                    }
                    for (int i = 0; i < n; i++) {
                        ready.add(output(buffer.get(i), i));
                    }
                    position += n;
                }

                private Row output(Row r, int i) {
                    double[] rawV = new double[numClasses];
                    for (int k = 0; k < numClasses; k++) {
                        rawV[k] = rates[i * numClasses + k];
                    }
                    double[] p = rawV.clone();
                    normalize(p);
                    double prediction;
                    if (thresholds != null) {
                        int best = 0;
                        double bestV = Double.NEGATIVE_INFINITY;
                        for (int k = 0; k < numClasses; k++) {
                            double s = thresholds[k] == 0 ? Double.POSITIVE_INFINITY : p[k] / thresholds[k];
                            if (s > bestV) {
                                bestV = s;
                                best = k;
                            }
                        }
                        prediction = best;
                    } else {
                        prediction = DistributedTrainer.argmax(rates, i * numClasses, numClasses);
                    }
                    Object[] vals = new Object[r.length() + order.length];
                    for (int c = 0; c < r.length(); c++) {
                        vals[c] = r.get(c);
                    }
                    for (int o = 0; o < order.length; o++) {
                        vals[r.length() + o] = order[o] == 0 ? Vectors.dense(rawV)
                                : order[o] == 1 ? Vectors.dense(p) : (Object) prediction;
                    }
                    return RowFactory.create(vals);
                }
            };
        }
    }

    // ---- layer stages ----

    /**
     * This model as a {@code PipelineModel} of per-layer stages, to look at every layer in a DataFrame: a
     * {@link SpikeEncoderLayer} ({@code featuresCol} to {@code snn_input}), one {@link SpikingLayer} per layer of
     * the spec ({@code snn_layer1_linear}, {@code snn_layer2_lif}, ..., each the layer's output over the T steps,
     * time-major: spikes for neuron layers, currents for synaptic ones), and a {@link FiringRateLayer}
     * ({@code snn_rates}) whose values equal this model's {@code rawPrediction} on the same DataFrame (the same
     * chunking, seeds and float operations). A batch-norm layer's stage gets its slice of the model's buffers
     * (running statistics, in layer order).
     */
    public org.apache.spark.ml.PipelineModel toLayerPipeline() {
        requireWeights();
        EngineConfig cfg = engineConfig();
        io.github.sparksnn.model.ModelSpec spec = cfg.spec();
        List<io.github.sparksnn.layer.Layer> layers = spec.buildLayers(cfg.inputShape());
        List<org.apache.spark.ml.PipelineStage> stages = new ArrayList<>();
        // a sequence (a time-major vector) is already the network's input over T steps: copied once, as one step
        stages.add(new SpikeEncoderLayer().setInputCol(getFeaturesCol()).setOutputCol("snn_input")
                .setNumFeatures(numFeatures).setTimeSteps(cfg.sequenceInput() ? 1 : getTimeSteps()).setSeed(getSeed())
                .setEncoder(getEncoder()));
        String prev = "snn_input";
        int offset = 0;
        int bufferOffset = 0;
        for (int i = 0; i < layers.size(); i++) {
            io.github.sparksnn.layer.Layer l = layers.get(i);
            io.github.sparksnn.model.LayerSpec ls = spec.layers().get(i);
            int nb = l instanceof io.github.sparksnn.layer.BatchNorm ? l.numParameters() : 0; // [mean, var] per channel
            if (bufferOffset + nb > buffers.length) {
                throw new IllegalStateException("layer " + (i + 1) + " '" + ls + "' needs buffers beyond the model's "
                        + buffers.length);
            }
            float[] lb = Arrays.copyOfRange(buffers, bufferOffset, bufferOffset + nb);
            bufferOffset += nb;
            String col = "snn_layer" + (i + 1) + "_" + ls.kind().name().toLowerCase(java.util.Locale.ROOT);
            int np = l.numParameters();
            stages.add(new SpikingLayer().setInputCol(prev).setOutputCol(col).setTimeSteps(getTimeSteps())
                    .setLayerSpec(ls.toString()).setInputShape(l.inputShape()).setLayerIndex(i + 1)
                    .setWeights(Arrays.copyOfRange(weights, offset, offset + np)).setBuffers(lb));
            offset += np;
            prev = col;
            l.close();
        }
        if (offset != weights.length) {
            throw new IllegalStateException("layer parameters add up to " + offset + ", the model has " + weights.length);
        }
        if (bufferOffset != buffers.length) {
            throw new IllegalStateException("layer buffers add up to " + bufferOffset + ", the model has " + buffers.length);
        }
        stages.add(new FiringRateLayer().setInputCol(prev).setOutputCol("snn_rates").setSize(numClasses)
                .setTimeSteps(getTimeSteps()));
        // Fitting a Pipeline of Transformers only assembles them (no Spark job): the public way to a PipelineModel.
        SparkSession spark = SparkSession.active();
        StructType schema = new StructType().add(getFeaturesCol(), org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
        return new org.apache.spark.ml.Pipeline().setStages(stages.toArray(new org.apache.spark.ml.PipelineStage[0]))
                .fit(spark.createDataFrame(new ArrayList<Row>(), schema));
    }

    // ---- persistence ----

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** Spark's metadata writer, used by {@link Writer} for the Params part. */
    MLWriter paramsWriter() {
        return DefaultParamsWritable.super.write();
    }

    public static MLReader<SpikingNetworkModel> read() {
        return new Reader();
    }

    public static SpikingNetworkModel load(String path) {
        return read().load(path);
    }

    static StructType dataSchema() {
        return new StructType()
                .add("numClasses", DataTypes.IntegerType, false)
                .add("numFeatures", DataTypes.IntegerType, false)
                .add("weights", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("buffers", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    static List<Float> boxed(float[] a) {
        List<Float> out = new ArrayList<>(a.length);
        for (float f : a) {
            out.add(f);
        }
        return out;
    }

    static float[] unboxed(List<Float> a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i);
        }
        return out;
    }

    private static final class Writer extends MLWriter {
        private final SpikingNetworkModel model;

        Writer(SpikingNetworkModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            model.requireWeights();
            try {
                model.paramsWriter().session(sparkSession()).save(path);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot save model metadata to " + path, e);
            }
            LayerWeights.save(sparkSession(), path, model.numClasses, model.numFeatures, model.weights, model.buffers);
        }
    }

    private static final class Reader extends MLReader<SpikingNetworkModel> {
        @Override
        public SpikingNetworkModel load(String path) {
            MLReader<SpikingNetworkModel> meta = DefaultReaders.of(SpikingNetworkModel.class);
            meta.session(sparkSession());
            SpikingNetworkModel m = meta.load(path);
            Dataset<Row> data = sparkSession().read().parquet(new org.apache.hadoop.fs.Path(path, "data").toString());
            boolean hasBuffers = Arrays.asList(data.columns()).contains("buffers");
            Row row = (hasBuffers ? data.select("numClasses", "numFeatures", "weights", "buffers")
                    : data.select("numClasses", "numFeatures", "weights")).head();
            m.setWeights(unboxed(row.getList(2)), row.getInt(0), row.getInt(1));
            m.setBuffers(hasBuffers ? unboxed(row.getList(3)) : new float[0]);
            int expected = io.github.sparksnn.model.Network.initialRunningStatistics(m.engineConfig().spec(),
                    m.engineConfig().inputShape()).length;
            if (m.buffers.length != expected) {
                throw new IllegalArgumentException("model at " + path + " is inconsistent: its spec has " + expected
                        + " buffer values (batch-norm running statistics), data " + m.buffers.length);
            }
            if (m.engineConfig().featureSize() != m.numFeatures) {
                throw new IllegalArgumentException("model at " + path + " is inconsistent: Params give "
                        + m.engineConfig().featureSize() + " features, data " + m.numFeatures);
            }
            return m;
        }
    }
}
