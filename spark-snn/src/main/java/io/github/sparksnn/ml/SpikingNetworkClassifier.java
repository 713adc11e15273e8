package io.github.sparksnn.ml;

import io.github.sparksnn.ml.param.HasNetworkSpec;
import io.github.sparksnn.ml.param.HasSeed;
import io.github.sparksnn.ml.param.HasSequenceInput;
import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.train.DistributedTrainer;
import io.github.sparksnn.ml.train.LrSchedule;
import io.github.sparksnn.ml.train.TrainingListener;
import io.github.sparksnn.ml.train.engine.EngineFactory;
import io.github.sparksnn.ml.train.engine.EngineProvider;
import io.github.sparksnn.ml.train.plan.BlockPacker;
import io.github.sparksnn.ml.train.plan.PackedBlock;
import io.github.sparksnn.ml.train.state.OptimizerUpdateRule;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.optim.LearningRateSchedules;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/**
 * Trains a spiking neural network (surrogate gradients, BPTT over {@code timeSteps}) on a DataFrame of
 * {@code features} vectors and {@code label}s, data-parallel on the executors; the fitted
 * {@link SpikingNetworkModel} is a regular probabilistic classifier.
 *
 * <pre>{@code
 * SpikingNetworkClassifier snn = new SpikingNetworkClassifier()
 *     .setModelSpec("flatten | linear(784, 512) | lif(tau=2.0, surrogate=ATan(alpha=2.0)) | linear(512, 10) | lif(tau=2.0)")
 *     .setInputShape(new int[]{1, 28, 28}).setTimeSteps(4)
 *     .setOptimizer("adam").setLearningRate(1e-3).setBatchSize(128).setEpochs(5).setSeed(42);
 * SpikingNetworkModel model = snn.fit(train);
 * double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
 * }</pre>
 *
 * <p><b>Training</b> (see {@link DistributedTrainer}): each partition is packed once into primitive arrays;
 * each partition adds up the gradient over its share of the global batch ({@code batchSize}, split in proportion
 * to partition sizes), the sums are added in a fixed order over partition indices, and the driver applies the
 * optimizer to the mean gradient. With {@code syncMode=barrier} (what {@code auto} picks when there are enough
 * task slots) each epoch is one barrier stage whose tasks exchange sums and parameters with the driver over an
 * aggregation tree of sockets ({@code aggregationFanIn}; in process under a local master); with {@code jobs} every step is a Spark job
 * (broadcast, {@code treeAggregate} of depth {@code aggregationDepth}). Both give the same bits.
 * The same {@code seed} and partitioning give bit-identical weights on any master, executor count or after
 * task retries. The input's partitioning is used as is: repartition it first if partitions are uneven or the
 * rows sorted by label (each partition is shuffled per epoch, rows do not move between partitions).
 *
 * <p><b>Validation at the start of fit</b> (before any training job): the spec is parsed and its shapes
 * checked against {@code inputShape}; columns must exist with the right types; every row is checked when its
 * partition is packed (features length = product of {@code inputShape}, finite values, labels integers in
 * {@code [0, numClasses)}), and the first problem is reported with the column, partition and row; an empty
 * training set is an error.
 *
 * <p><b>Sequence input</b> ({@code sequenceInput}): each row holds T slices, {@code inputShape = [T, ...]} with
 * {@code T = timeSteps}, as a time-major vector or an {@code array<vector>} of T steps (flattened before packing, each
 * step checked); step t of the network sees slice t. The model spec then describes one step.
 */
public class SpikingNetworkClassifier
        extends ProbabilisticClassifier<Vector, SpikingNetworkClassifier, SpikingNetworkModel>
        implements HasSeed, HasTimeSteps, HasNetworkSpec, HasSequenceInput, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> modelSpec;
    private final IntParam timeSteps;
    private final IntArrayParam inputShape;
    private final BooleanParam sequenceInput;
    private final Param<String> encoder;
    private final Param<String> loss;
    private final DoubleParam rateRegularization;
    private final IntParam tbpttWindow;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final Param<String> lrSchedule;
    private final IntParam batchSize;
    private final IntParam epochs;
    private final LongParam seed;
    private final Param<String> backend;
    private final IntParam aggregationDepth;
    private final Param<String> checkpointDir;
    private final IntParam checkpointInterval;
    private final BooleanParam resume;
    private final Param<String> validationIndicatorCol;
    private final IntParam syncInterval;
    private final Param<String> syncMode;
    private final IntParam aggregationFanIn;
    private final IntParam stepTimeout;
    private final Param<String> transportPrecision;

    private transient TrainingListener listener;

    public SpikingNetworkClassifier() {
        this(Identifiable$.MODULE$.randomUID("snnc"));
    }

    public SpikingNetworkClassifier(String uid) {
        this(UidHolder.park(uid));
    }

    private SpikingNetworkClassifier(UidHolder.Token token) {
        super();
        this.uid = UidHolder.take();
        modelSpec = SpikingNetworkParams.modelSpec(this);
        timeSteps = SpikingNetworkParams.timeSteps(this);
        inputShape = SpikingNetworkParams.inputShape(this);
        sequenceInput = SpikingNetworkParams.sequenceInput(this);
        encoder = SpikingNetworkParams.encoder(this);
        loss = SpikingNetworkParams.loss(this);
        rateRegularization = SpikingNetworkParams.rateRegularization(this);
        tbpttWindow = SpikingNetworkParams.tbpttWindow(this);
        optimizer = SpikingNetworkParams.optimizer(this);
        learningRate = SpikingNetworkParams.learningRate(this);
        lrSchedule = SpikingNetworkParams.lrSchedule(this);
        batchSize = SpikingNetworkParams.batchSize(this);
        epochs = SpikingNetworkParams.epochs(this);
        seed = SpikingNetworkParams.seed(this);
        backend = SpikingNetworkParams.backend(this);
        aggregationDepth = SpikingNetworkParams.aggregationDepth(this);
        checkpointDir = SpikingNetworkParams.checkpointDir(this);
        checkpointInterval = SpikingNetworkParams.checkpointInterval(this);
        resume = SpikingNetworkParams.resume(this);
        validationIndicatorCol = SpikingNetworkParams.validationIndicatorCol(this);
        syncInterval = SpikingNetworkParams.syncInterval(this);
        syncMode = SpikingNetworkParams.syncMode(this);
        aggregationFanIn = SpikingNetworkParams.aggregationFanIn(this);
        stepTimeout = SpikingNetworkParams.stepTimeout(this);
        transportPrecision = SpikingNetworkParams.transportPrecision(this);
        setDefault(modelSpec, SpikingNetworkParams.DEFAULT_SPEC);
        setDefault(timeSteps, 4);
        setDefault(inputShape, new int[]{1, 28, 28});
        setDefault(sequenceInput, false);
        setDefault(encoder, "direct");
        setDefault(loss, "mse");
        setDefault(rateRegularization, 0.0);
        setDefault(tbpttWindow, 0);
        setDefault(optimizer, "adam");
        setDefault(learningRate, 1e-3);
        setDefault(lrSchedule, "constant");
        setDefault(batchSize, 128);
        setDefault(epochs, 5);
        setDefault(seed, 42L);
        setDefault(backend, "auto");
        setDefault(aggregationDepth, 2);
        setDefault(checkpointDir, "");
        setDefault(checkpointInterval, 1);
        setDefault(resume, false);
        setDefault(validationIndicatorCol, "");
        setDefault(syncInterval, 1);
        setDefault(syncMode, "auto");
        setDefault(aggregationFanIn, 2);
        setDefault(stepTimeout, 300);
        setDefault(transportPrecision, "float32");
    }

    @Override
    public String uid() {
        // Called by the Scala superclass constructor before the field is set: see UidHolder.
        return uid != null ? uid : UidHolder.pending();
    }

    // ---- Params: accessors (found by Spark through reflection), getters, fluent setters ----

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
    public BooleanParam sequenceInput() {
        return sequenceInput;
    }

    @Override
    public Param<String> encoder() {
        return encoder;
    }

    public Param<String> loss() {
        return loss;
    }

    /** Weight of the L1 firing-rate penalty on the output ({@code loss+l1(weight)}), 0 for none. */
    public DoubleParam rateRegularization() {
        return rateRegularization;
    }

    public double getRateRegularization() {
        return (Double) getOrDefault(rateRegularization);
    }

    public SpikingNetworkClassifier setRateRegularization(double v) {
        set(rateRegularization, v);
        return this;
    }

    public IntParam tbpttWindow() {
        return tbpttWindow;
    }

    public int getTbpttWindow() {
        return (Integer) getOrDefault(tbpttWindow);
    }

    /**
     * Truncated BPTT over windows of {@code v} steps (0, the default, or any {@code v >= timeSteps}: full BPTT): the
     * tapes are sized for one window, so training memory stops growing with {@code timeSteps}; each window runs
     * forward twice (see {@link io.github.sparksnn.train.CpuGradientEngine}).
     */
    public SpikingNetworkClassifier setTbpttWindow(int v) {
        set(tbpttWindow, v);
        return this;
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public Param<String> lrSchedule() {
        return lrSchedule;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam epochs() {
        return epochs;
    }

    @Override
    public LongParam seed() {
        return seed;
    }

    @Override
    public Param<String> backend() {
        return backend;
    }

    public IntParam aggregationDepth() {
        return aggregationDepth;
    }

    public Param<String> checkpointDir() {
        return checkpointDir;
    }

    public IntParam checkpointInterval() {
        return checkpointInterval;
    }

    public BooleanParam resume() {
        return resume;
    }

    public Param<String> validationIndicatorCol() {
        return validationIndicatorCol;
    }

    public IntParam syncInterval() {
        return syncInterval;
    }

    public Param<String> syncMode() {
        return syncMode;
    }

    public IntParam aggregationFanIn() {
        return aggregationFanIn;
    }

    public IntParam stepTimeout() {
        return stepTimeout;
    }

    public Param<String> transportPrecision() {
        return transportPrecision;
    }

    public String getLoss() {
        return getOrDefault(loss);
    }

    public String getOptimizer() {
        return getOrDefault(optimizer);
    }

    public double getLearningRate() {
        return (Double) getOrDefault(learningRate);
    }

    public String getLrSchedule() {
        return getOrDefault(lrSchedule);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public int getEpochs() {
        return (Integer) getOrDefault(epochs);
    }

    public int getAggregationDepth() {
        return (Integer) getOrDefault(aggregationDepth);
    }

    public String getCheckpointDir() {
        return getOrDefault(checkpointDir);
    }

    public int getCheckpointInterval() {
        return (Integer) getOrDefault(checkpointInterval);
    }

    public boolean getResume() {
        return (Boolean) getOrDefault(resume);
    }

    public String getValidationIndicatorCol() {
        return getOrDefault(validationIndicatorCol);
    }

    public int getSyncInterval() {
        return (Integer) getOrDefault(syncInterval);
    }

    public String getSyncMode() {
        return getOrDefault(syncMode);
    }

    public int getAggregationFanIn() {
        return (Integer) getOrDefault(aggregationFanIn);
    }

    public int getStepTimeout() {
        return (Integer) getOrDefault(stepTimeout);
    }

    public String getTransportPrecision() {
        return getOrDefault(transportPrecision);
    }

    public SpikingNetworkClassifier setModelSpec(String v) {
        set(modelSpec, v);
        return this;
    }

    public SpikingNetworkClassifier setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public SpikingNetworkClassifier setInputShape(int[] v) {
        set(inputShape, v);
        return this;
    }

    /**
     * Whether the features hold a sequence, one slice per time step: {@code inputShape} is then {@code [T, ...]}
     * with {@code T = timeSteps}, the column a time-major vector of T slices or an {@code array<vector>} of T
     * vectors ({@code array<double>}: one value per step), and the encoder {@code direct}.
     */
    public SpikingNetworkClassifier setSequenceInput(boolean v) {
        set(sequenceInput, v);
        return this;
    }

    /**
     * The input encoder spec: {@code direct}, {@code poisson} or {@code latency(...)} (see
     * {@link io.github.sparksnn.layer.Encoder}); a bad spec fails here with the parser's reason.
     */
    public SpikingNetworkClassifier setEncoder(String v) {
        io.github.sparksnn.layer.Encoder.parse(v);
        set(encoder, v);
        return this;
    }

    public SpikingNetworkClassifier setLoss(String v) {
        set(loss, v);
        return this;
    }

    public SpikingNetworkClassifier setOptimizer(String v) {
        set(optimizer, v);
        return this;
    }

    public SpikingNetworkClassifier setLearningRate(double v) {
        set(learningRate, v);
        return this;
    }

    public SpikingNetworkClassifier setLrSchedule(String v) {
        set(lrSchedule, v);
        return this;
    }

    public SpikingNetworkClassifier setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public SpikingNetworkClassifier setEpochs(int v) {
        set(epochs, v);
        return this;
    }

    public SpikingNetworkClassifier setSeed(long v) {
        set(seed, v);
        return this;
    }

    public SpikingNetworkClassifier setBackend(String v) {
        set(backend, v);
        return this;
    }

    public SpikingNetworkClassifier setAggregationDepth(int v) {
        set(aggregationDepth, v);
        return this;
    }

    public SpikingNetworkClassifier setCheckpointDir(String v) {
        set(checkpointDir, v);
        return this;
    }

    public SpikingNetworkClassifier setCheckpointInterval(int v) {
        set(checkpointInterval, v);
        return this;
    }

    public SpikingNetworkClassifier setResume(boolean v) {
        set(resume, v);
        return this;
    }

    public SpikingNetworkClassifier setValidationIndicatorCol(String v) {
        set(validationIndicatorCol, v);
        return this;
    }

    public SpikingNetworkClassifier setSyncInterval(int v) {
        set(syncInterval, v);
        return this;
    }

    /** {@code auto} (default), {@code barrier} or {@code jobs}: see {@link io.github.sparksnn.ml.train.SyncMode}. */
    public SpikingNetworkClassifier setSyncMode(String v) {
        set(syncMode, v);
        return this;
    }

    public SpikingNetworkClassifier setAggregationFanIn(int v) {
        set(aggregationFanIn, v);
        return this;
    }

    public SpikingNetworkClassifier setStepTimeout(int seconds) {
        set(stepTimeout, seconds);
        return this;
    }

    /** {@code float32} (default) or {@code bfloat16}: see {@link #transportPrecision()}. */
    public SpikingNetworkClassifier setTransportPrecision(String v) {
        set(transportPrecision, v);
        return this;
    }

    /** Progress callbacks on the driver during {@link #fit} (not a Param: not saved, not copied into models). */
    public SpikingNetworkClassifier setTrainingListener(TrainingListener l) {
        this.listener = l;
        return this;
    }

    // ---- validation ----

    /** The engine configuration the Params describe; parses the spec and checks its shapes (no Spark job). */
    public EngineConfig engineConfig() {
        EngineConfig cfg = engineConfig(this, getModelSpec(), getInputShape(), getTimeSteps(), getEncoder(),
                io.github.sparksnn.train.L1RateRegularizer.withWeight(getLoss(), getRateRegularization()), getSeed(),
                getSequenceInput());
        if (getTbpttWindow() == 0) {
            return cfg;
        }
        try {
            return cfg.withTbpttWindow(getTbpttWindow());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    static EngineConfig engineConfig(Object stage, String spec, int[] shape, int t, String enc, String loss, long seed) {
        return engineConfig(stage, spec, shape, t, enc, loss, seed, false);
    }

    /** With {@code sequence}, {@code shape} is {@code [T, ...]} and the engine's input shape is one step's slice. */
    static EngineConfig engineConfig(Object stage, String spec, int[] shape, int t, String enc, String loss, long seed,
                                     boolean sequence) {
        String name = stage.getClass().getSimpleName();
        int[] netShape = sequence ? SequenceFeatures.stepShape(name, shape, t) : shape;
        try {
            return EngineConfig.builder().modelSpec(spec).inputShape(netShape).timeSteps(t).encoder(enc).loss(loss)
                    .seed(seed).threads(1).sequenceInput(sequence).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": invalid network (modelSpec '" + spec + "', inputShape "
                    + Arrays.toString(shape) + (sequence ? ", sequenceInput: the network sees "
                    + Arrays.toString(netShape) + " per step" : "") + "): " + e.getMessage(), e);
        }
    }

    @Override
    public StructType validateAndTransformSchema(StructType schema, boolean fitting, DataType featuresDataType) {
        EngineConfig cfg = engineConfig();
        DataType featuresType = SequenceFeatures.featuresType(getClass().getSimpleName(), schema, getFeaturesCol(),
                cfg.sequenceInput(), io.github.sparksnn.layer.Layer.product(cfg.inputShape()));
        StructType out = super.validateAndTransformSchema(schema, fitting, featuresType);
        checkFeatureMetadata(getClass().getSimpleName(), schema, getFeaturesCol(), cfg.featureSize());
        if (fitting) {
            String v = getValidationIndicatorCol();
            if (!v.isEmpty()) {
                StructField f = io.github.sparksnn.ml.util.SchemaChecks.requireColumn(getClass().getSimpleName(),
                        schema, "validationIndicatorCol", v);
                if (!f.dataType().equals(DataTypes.BooleanType)) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ": validationIndicatorCol '" + v
                            + "' must be boolean, got " + f.dataType().simpleString());
                }
            }
            LearningRateSchedules.parse(getLrSchedule());
            new OptimizerUpdateRule.Factory(getOptimizer());
        }
        return out;
    }

    /** When the features column carries ML attribute metadata with a size, it must match the input shape. */
    static void checkFeatureMetadata(String stage, StructType schema, String featuresCol, int featureSize) {
        StructField f = schema.apply(featuresCol);
        if (SequenceFeatures.isSequenceArray(f.dataType())) {
            return; // an array of steps: its length and step sizes are checked row by row
        }
        AttributeGroup g = AttributeGroup.fromStructField(f);
        if (g.size() >= 0 && g.size() != featureSize) {
            throw new IllegalArgumentException(stage + ": column '" + featuresCol + "' holds vectors of " + g.size()
                    + " values, but inputShape needs " + featureSize);
        }
    }

    // ---- training ----

    @Override
    public SpikingNetworkModel train(Dataset<?> dataset) {
        EngineConfig cfg = engineConfig();
        EngineFactory engines = EngineProvider.resolve(getBackend(), cfg);
        OptimizerUpdateRule.Factory rules = new OptimizerUpdateRule.Factory(getOptimizer());
        LrSchedule schedule = LrSchedule.perEpoch(getLearningRate(), getLrSchedule(), getEpochs());
        Dataset<Row> df = dataset.toDF();
        if (SequenceFeatures.isSequenceArray(df.schema().apply(getFeaturesCol()).dataType())) {
            df = SequenceFeatures.flattened(df, getFeaturesCol(), cfg.timeSteps(),
                    io.github.sparksnn.layer.Layer.product(cfg.inputShape()));
        }
        String valCol = getValidationIndicatorCol();
        Dataset<Row> trainDf = valCol.isEmpty() ? df : df.filter(not(col(valCol)));
        Dataset<Row> valDf = valCol.isEmpty() ? null : df.filter(col(valCol));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());

        jsc.setJobDescription("spark-snn packing the training data");
        // a regression target travels as a TargetCode in [0, LEVELS) where a class index would
        int labelLevels = cfg.loss().startsWith("mse_target") ? io.github.sparksnn.train.TargetCode.LEVELS
                : cfg.numClasses();
        JavaRDD<PackedBlock> trainBlocks = BlockPacker.pack(trainDf, getFeaturesCol(), getLabelCol(),
                cfg.featureSize(), labelLevels);
        JavaRDD<PackedBlock> valBlocks = null;
        try {
            int[] sizes = BlockPacker.checkedSizes(trainBlocks, "training");
            long n = Arrays.stream(sizes).asLongStream().sum();
            if (n == 0) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": the training DataFrame is empty"
                        + (valCol.isEmpty() ? "" : " (after removing validation rows marked in '" + valCol + "')"));
            }
            if (valDf != null) {
                valBlocks = BlockPacker.pack(valDf, getFeaturesCol(), getLabelCol(), cfg.featureSize(), labelLevels);
                BlockPacker.checkedSizes(valBlocks, "validation");
            }
            jsc.setJobDescription(null);
            DistributedTrainer.Config tc = new DistributedTrainer.Config(getSeed(), getBatchSize(), getEpochs(),
                    getAggregationDepth(), getSyncInterval(), getCheckpointDir(), getCheckpointInterval(),
                    getResume(), fingerprint(cfg), io.github.sparksnn.ml.train.SyncMode.parse(getSyncMode()),
                    getAggregationFanIn(), getStepTimeout(),
                    "bfloat16".equalsIgnoreCase(getTransportPrecision().trim()));
            DistributedTrainer.Result r = new DistributedTrainer(jsc, tc, engines, rules, schedule)
                    .listener(listener)
                    .fit(trainBlocks, sizes, valBlocks, cfg.initialParameters(),
                            io.github.sparksnn.model.Network.initialRunningStatistics(cfg.spec(), cfg.inputShape()));
            SpikingNetworkModel model = new SpikingNetworkModel(uid, r.params(), r.buffers(), cfg.numClasses(),
                    cfg.featureSize());
            model.setSummary(new TrainingSummary(r.history(), r.resumedFromEpoch(), sizes.length, n,
                    r.syncMode().toString(), r.partitionBackends()));
            return model;
        } finally {
            jsc.setJobDescription(null);
            trainBlocks.unpersist(false);
            if (valBlocks != null) {
                valBlocks.unpersist(false);
            }
        }
    }

    /** What a checkpoint must match to be resumed (not the epoch count: a run may be extended). */
    private String fingerprint(EngineConfig cfg) {
        return cfg + "|batchSize=" + getBatchSize() + "|optimizer=" + getOptimizer() + "|lr=" + getLearningRate()
                + "|schedule=" + getLrSchedule() + "|syncInterval=" + getSyncInterval()
                + ("bfloat16".equalsIgnoreCase(getTransportPrecision().trim()) ? "|transport=bfloat16" : "");
    }

    @Override
    public SpikingNetworkClassifier copy(ParamMap extra) {
        SpikingNetworkClassifier c = defaultCopy(extra);
        c.listener = listener;
        return c;
    }

    public static MLReader<SpikingNetworkClassifier> read() {
        return DefaultReaders.of(SpikingNetworkClassifier.class);
    }

    public static SpikingNetworkClassifier load(String path) {
        return read().load(path);
    }
}
