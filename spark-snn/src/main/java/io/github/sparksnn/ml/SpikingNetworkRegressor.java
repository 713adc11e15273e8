package io.github.sparksnn.ml;

import io.github.sparksnn.ml.param.HasNetworkSpec;
import io.github.sparksnn.ml.param.HasSeed;
import io.github.sparksnn.ml.param.HasTimeSteps;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.train.TargetCode;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;

/**
 * A spiking network as an MLlib {@link Regressor}: the network ends in a membrane readout with one output
 * ({@code ... | linear(h, 1) | readout}), trained with the {@code mse_target} loss, and its prediction is the mean
 * membrane potential over T, mapped back to the label's units.
 *
 * <pre>{@code
 * SpikingNetworkRegressor snn = new SpikingNetworkRegressor()
 *     .setModelSpec("linear(6, 64) | lif(tau=2.0) | linear(64, 1) | readout(tau=2.0)").setInputShape(new int[]{6})
 *     .setTimeSteps(8).setEpochs(40).setLearningRate(3e-3);
 * SpikingNetworkRegressionModel model = snn.fit(train);
 * double rmse = new RegressionEvaluator().setMetricName("rmse").evaluate(model.transform(test));
 * }</pre>
 *
 * <p>Why the label is rescaled: training runs on the classifier's distributed loop, whose packed labels are integers,
 * so each label {@code y} travels as the {@link TargetCode} of {@code (y - min) / (max - min)} (min and max over the
 * training rows); the model keeps both and maps predictions back. A label that is null or not finite is an error
 * naming the column and row, as are a constant label and an empty training set. Everything else (distribution,
 * determinism, barrier and jobs modes) is the classifier's: see {@link SpikingNetworkClassifier}.
 */
public class SpikingNetworkRegressor extends Regressor<Vector, SpikingNetworkRegressor, SpikingNetworkRegressionModel>
        implements HasSeed, HasTimeSteps, HasNetworkSpec, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    static final String DEFAULT_SPEC = "linear(8, 64) | lif(tau=2.0) | linear(64, 1) | readout(tau=2.0)";

    private final String uid;
    private final Param<String> modelSpec;
    private final IntParam timeSteps;
    private final IntArrayParam inputShape;
    private final Param<String> encoder;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final IntParam batchSize;
    private final IntParam epochs;
    private final LongParam seed;
    private final Param<String> backend;
    private final DoubleParam rateRegularization;

    public SpikingNetworkRegressor() {
        this(Identifiable$.MODULE$.randomUID("snnr"));
    }

    public SpikingNetworkRegressor(String uid) {
        this(UidHolder.park(uid));
    }

    private SpikingNetworkRegressor(UidHolder.Token token) {
        super();
        this.uid = UidHolder.take();
        modelSpec = SpikingNetworkParams.modelSpec(this);
        timeSteps = SpikingNetworkParams.timeSteps(this);
        inputShape = SpikingNetworkParams.inputShape(this);
        encoder = SpikingNetworkParams.encoder(this);
        optimizer = SpikingNetworkParams.optimizer(this);
        learningRate = SpikingNetworkParams.learningRate(this);
        batchSize = SpikingNetworkParams.batchSize(this);
        epochs = SpikingNetworkParams.epochs(this);
        seed = SpikingNetworkParams.seed(this);
        backend = SpikingNetworkParams.backend(this);
        rateRegularization = SpikingNetworkParams.rateRegularization(this);
        setDefault(modelSpec, DEFAULT_SPEC);
        setDefault(timeSteps, 8);
        setDefault(inputShape, new int[]{8});
        setDefault(encoder, "direct");
        setDefault(optimizer, "adam");
        setDefault(learningRate, 3e-3);
        setDefault(batchSize, 32);
        setDefault(epochs, 20);
        setDefault(seed, 42L);
        setDefault(backend, "auto");
        setDefault(rateRegularization, 0.0);
    }

    @Override
    public String uid() {
        return uid != null ? uid : UidHolder.pending(); // see UidHolder
    }

    @Override
    public Param<String> modelSpec() {
        return modelSpec;
    }

    @Override
    public IntArrayParam inputShape() {
        return inputShape;
    }

    @Override
    public Param<String> encoder() {
        return encoder;
    }

    @Override
    public Param<String> backend() {
        return backend;
    }

    @Override
    public IntParam timeSteps() {
        return timeSteps;
    }

    @Override
    public LongParam seed() {
        return seed;
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam epochs() {
        return epochs;
    }

    public DoubleParam rateRegularization() {
        return rateRegularization;
    }

    public SpikingNetworkRegressor setModelSpec(String v) {
        set(modelSpec, v);
        return this;
    }

    public SpikingNetworkRegressor setInputShape(int[] v) {
        set(inputShape, v);
        return this;
    }

    public SpikingNetworkRegressor setTimeSteps(int v) {
        set(timeSteps, v);
        return this;
    }

    public SpikingNetworkRegressor setEncoder(String v) {
        set(encoder, v);
        return this;
    }

    public SpikingNetworkRegressor setOptimizer(String v) {
        set(optimizer, v);
        return this;
    }

    public SpikingNetworkRegressor setLearningRate(double v) {
        set(learningRate, v);
        return this;
    }

    public SpikingNetworkRegressor setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public SpikingNetworkRegressor setEpochs(int v) {
        set(epochs, v);
        return this;
    }

    public SpikingNetworkRegressor setSeed(long v) {
        set(seed, v);
        return this;
    }

    public SpikingNetworkRegressor setBackend(String v) {
        set(backend, v);
        return this;
    }

    public SpikingNetworkRegressor setRateRegularization(double v) {
        set(rateRegularization, v);
        return this;
    }

    /** The classifier that trains the network: the same Params, the {@code mse_target} loss. */
    SpikingNetworkClassifier trainer() {
        return new SpikingNetworkClassifier(uid).setModelSpec(getModelSpec()).setInputShape(getInputShape())
                .setTimeSteps(getTimeSteps()).setEncoder(getEncoder()).setLoss("mse_target")
                .setRateRegularization((Double) getOrDefault(rateRegularization)).setOptimizer(getOrDefault(optimizer))
                .setLearningRate((Double) getOrDefault(learningRate)).setBatchSize((Integer) getOrDefault(batchSize))
                .setEpochs((Integer) getOrDefault(epochs)).setSeed(getSeed()).setBackend(getBackend())
                .setFeaturesCol(getFeaturesCol()).setLabelCol(getLabelCol());
    }

    @Override
    public SpikingNetworkRegressionModel train(Dataset<?> dataset) {
        SpikingNetworkClassifier trainer = trainer();
        trainer.engineConfig(); // the spec (one output, the loss) fails here, before any job
        Dataset<Row> df = dataset.toDF();
        String label = getLabelCol();
        Row range = df.agg(min(col(label).cast("double")), max(col(label).cast("double"))).head();
        if (range.isNullAt(0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the training DataFrame is empty (or "
                    + "its label column '" + label + "' holds only nulls)");
        }
        double lo = range.getDouble(0), hi = range.getDouble(1);
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": label column '" + label
                    + "' holds a non-finite value (range [" + lo + ", " + hi + "])");
        }
        if (!(hi > lo)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": label column '" + label
                    + "' is constant (" + lo + "): nothing to regress");
        }
        Dataset<Row> coded = df.withColumn(label, round(col(label).cast("double").minus(lit(lo))
                .divide(lit(hi - lo)).multiply(lit((double) TargetCode.SCALE)), 0));
        SpikingNetworkModel inner = trainer.fit(coded);
        SpikingNetworkRegressionModel m = new SpikingNetworkRegressionModel(uid, inner, lo, hi);
        return copyValues(m.setParent(this), ParamMap.empty());
    }

    @Override
    public SpikingNetworkRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<SpikingNetworkRegressor> read() {
        return DefaultReaders.of(SpikingNetworkRegressor.class);
    }

    public static SpikingNetworkRegressor load(String path) {
        return read().load(path);
    }
}
