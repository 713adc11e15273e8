package io.github.sparksnn.ml.stream;

import static org.apache.spark.sql.functions.col;

import io.github.sparksnn.ml.SpikingNetworkModel;
import io.github.sparksnn.ml.util.DefaultReaders;
import io.github.sparksnn.ml.util.SchemaChecks;
import io.github.sparksnn.model.ModelSpec;
import io.github.sparksnn.stream.StreamingNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.GroupStateTimeout;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * A trained {@link SpikingNetworkModel} over a stream of events {@code (key, time, features)}, each one time step of
 * input for its key, with every neuron's state kept per key in Spark's state store (RocksDB). Per event it emits the
 * key, the time, the last layer's output at that step ({@code outputCol}), the running firing rates, probability
 * and prediction over the key's steps so far (after a key's {@code T} events they equal the classifier's
 * {@code rawPrediction}, {@code probability} and {@code prediction} for an input repeated {@code T} times), the step
 * count and the key's late count, and the outputs of chosen hidden layers ({@link #hiddenLayers()}). Other input
 * columns are not carried through.
 *
 * <p>Order and lateness: a key's events are applied in time order within a micro-batch and across micro-batches;
 * an event at or before the key's last applied time comes too late (its state has moved on): it is dropped and
 * counted, in the key's {@code lateCol} and in {@link #lateEvents()}. With a timestamp time column and
 * {@code watermarkDelay} set, an event older than the query's watermark is dropped and counted the same way, also
 * for a key that has not seen it (Spark itself filters such rows only for an event-time timeout). A gap of more than {@code resetGap} (time units: the sequence
 * number, or microseconds for a timestamp) starts the key afresh; with {@code stateTimeoutMs} a key that saw no
 * event for that long (processing time) is forgotten.
 *
 * <p>Why {@code flatMapGroupsWithState} and not Spark 4.0's {@code transformWithState}: the state per key is one
 * opaque, versioned binary value ({@link io.github.sparksnn.stream.KeyState}) that is read and written whole once per
 * key and micro-batch, which is exactly what the older operator does. A profile of {@code bench stream} put the
 * store's own work (RocksDB gets, puts, state encoding) under a tenth of the stateful stage; the newer operator too
 * calls the user's code once per key with that key's rows, so neither lets the keys of a micro-batch go through one
 * GEMM. Its typed state variables, timers and TTL would add encoder work per value without a use here (the gap reset
 * depends on event times, which no TTL knows), and its API is marked evolving in 4.0. The two were not timed against
 * each other end to end.
 *
 * <p>Speed: what can be batched across keys runs before the shuffle. {@link PrefixFunction} checks every event and
 * runs the network's stateless prefix (its leading time-invariant layers: the default MLP's first linear layer,
 * nearly all of its arithmetic) on chunks of events of any keys, one GEMM each; per key, {@link KeyStepFunction}
 * runs only the stateful rest from the stored state. The features reach the map side as an {@code array<float>}
 * without nulls ({@link StreamFeatures}: no boxed value per feature), and the events reach the per-key function as
 * {@link StreamEvent} beans grouped by a column. Changelog checkpointing is on unless the session says otherwise
 * ({@link #CHANGELOG_CONF}), and {@link #checkCheckpoint} has a local checkpoint written without child processes
 * ({@link #useFileSystemManagerIfLocal}).
 *
 * <p>Exactly once comes from Spark: the state of a micro-batch is committed with the batch, and a file sink writes
 * each batch's output once; a restarted query reruns an uncommitted batch from its checkpoint. {@link
 * #checkCheckpoint} binds a checkpoint directory to this model, so that a checkpoint of another model fails
 * before the query starts (the states themselves carry the model's fingerprint too).
 */
public class SpikingStream extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    /** The RocksDB state store provider (Spark's conf {@code spark.sql.streaming.stateStore.providerClass}). */
    public static final String ROCKSDB_PROVIDER =
            "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider";
    static final String PROVIDER_CONF = "spark.sql.streaming.stateStore.providerClass";
    /**
     * RocksDB's changelog checkpointing: a micro-batch commits by writing the keys it changed to a changelog file,
     * and a full snapshot (zipped and copied to the checkpoint) is made only every few batches, in the background;
     * without it every commit uploads a snapshot of the whole store. Set by {@link #transform} unless the session
     * sets it; Spark can turn it on (and off) for an existing checkpoint.
     */
    public static final String CHANGELOG_CONF = "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled";
    /** Spark's choice of how a query writes its checkpoint files (offsets, commits, state changelogs, sink log). */
    static final String CHECKPOINT_MANAGER_CONF = "spark.sql.streaming.checkpointFileManagerClass";
    /** The manager on Hadoop's {@code FileSystem} API, whose local rename is one {@code File.renameTo}. */
    static final String FILE_SYSTEM_MANAGER =
            "org.apache.spark.sql.execution.streaming.FileSystemBasedCheckpointFileManager";
    /** The file in a checkpoint directory that names the model its states belong to. */
    public static final String MODEL_MARKER = "snn-stream-model";
    static final int MARKER_MAX_BYTES = 64 << 10;

    private final String uid;
    private final Param<String> keyCol;
    private final Param<String> timeCol;
    private final Param<String> featuresCol;
    private final Param<String> outputCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> predictionCol;
    private final Param<String> stepCol;
    private final Param<String> lateCol;
    private final LongParam resetGap;
    private final LongParam stateTimeoutMs;
    private final Param<String> watermarkDelay;
    private final Param<String> backend;
    private final IntArrayParam hiddenLayers;
    private SpikingNetworkModel model;
    private transient LongAccumulator late;

    public SpikingStream(String uid) {
        this.uid = uid;
        keyCol = new Param<>(this, "keyCol", "the key column (string or integer): each key has its own neuron state",
                (String s) -> s != null && !s.isEmpty());
        timeCol = new Param<>(this, "timeCol", "the event time (timestamp) or sequence number (integer) column: a "
                + "key's events are applied in its order", (String s) -> s != null && !s.isEmpty());
        featuresCol = new Param<>(this, "featuresCol", "the features column (vector or numeric array): one time step"
                + " of input", (String s) -> s != null && !s.isEmpty());
        outputCol = new Param<>(this, "outputCol", "output column: the last layer's output at the event's step "
                + "(array<float>)", (String s) -> s != null && !s.isEmpty());
        rawPredictionCol = new Param<>(this, "rawPredictionCol", "output column: the running firing rates over the "
                + "key's steps so far (vector)", (String s) -> s != null && !s.isEmpty());
        probabilityCol = new Param<>(this, "probabilityCol", "output column: the running rates normalized to sum 1 "
                + "(vector)", (String s) -> s != null && !s.isEmpty());
        predictionCol = new Param<>(this, "predictionCol", "output column: the class with the highest running rate",
                (String s) -> s != null && !s.isEmpty());
        stepCol = new Param<>(this, "stepCol", "output column: the key's step count after the event (long)",
                (String s) -> s != null && !s.isEmpty());
        lateCol = new Param<>(this, "lateCol", "output column: how many of the key's events were dropped as late so "
                + "far (long)", (String s) -> s != null && !s.isEmpty());
        resetGap = new LongParam(this, "resetGap", "a gap in time (sequence units, or microseconds for a timestamp)"
                + " beyond which a key starts afresh; 0: never", ParamValidators.gtEq(0));
        stateTimeoutMs = new LongParam(this, "stateTimeoutMs", "forget a key after this many milliseconds of "
                + "processing time without an event; 0: never", ParamValidators.gtEq(0));
        watermarkDelay = new Param<>(this, "watermarkDelay", "with a timestamp time column, Spark's watermark delay "
                + "(e.g. '10 seconds'): older events are dropped and counted as late; empty: none",
                (String s) -> s != null);
        backend = new Param<>(this, "backend", "cpu (native OpenBLAS) or cpu-portable (a GEMM that computes each row"
                + " alone: the streamed outputs equal offline inference's bit for bit)",
                ParamValidators.inArray(new String[]{"cpu", "cpu-portable"}));
        hiddenLayers = new IntArrayParam(this, "hiddenLayers", "layers (1-based positions in the model spec, as in "
                + "toLayerPipeline) whose output at the event's step is emitted too, one array<float> column each, "
                + "named snn_layer<i>_<kind>; empty: none");
        setDefault(hiddenLayers, new int[0]);
        setDefault(keyCol, "key");
        setDefault(timeCol, "time");
        setDefault(featuresCol, "features");
        setDefault(outputCol, "output");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(probabilityCol, "probability");
        setDefault(predictionCol, "prediction");
        setDefault(stepCol, "step");
        setDefault(lateCol, "late");
        setDefault(resetGap, 0L);
        setDefault(stateTimeoutMs, 0L);
        setDefault(watermarkDelay, "");
        setDefault(backend, "cpu");
    }

    public SpikingStream() {
        this(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("spikingStream"));
    }

    /** A stream stage running {@code model}. */
    public SpikingStream(SpikingNetworkModel model) {
        this();
        setModel(model);
    }

    @Override
    public String uid() {
        return uid;
    }

    public SpikingStream setModel(SpikingNetworkModel m) {
        m.weights(); // fails now, naming the model, when it has no weights
        this.model = m;
        return this;
    }

    public SpikingNetworkModel getModel() {
        return model;
    }

    public Param<String> keyCol() {
        return keyCol;
    }

    public Param<String> timeCol() {
        return timeCol;
    }

    public Param<String> featuresCol() {
        return featuresCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> stepCol() {
        return stepCol;
    }

    public Param<String> lateCol() {
        return lateCol;
    }

    public LongParam resetGap() {
        return resetGap;
    }

    public LongParam stateTimeoutMs() {
        return stateTimeoutMs;
    }

    public long getResetGap() {
        return (Long) getOrDefault(resetGap);
    }

    public long getStateTimeoutMs() {
        return (Long) getOrDefault(stateTimeoutMs);
    }

    public Param<String> watermarkDelay() {
        return watermarkDelay;
    }

    public Param<String> backend() {
        return backend;
    }

    public SpikingStream setKeyCol(String v) {
        set(keyCol, v);
        return this;
    }

    public SpikingStream setTimeCol(String v) {
        set(timeCol, v);
        return this;
    }

    public SpikingStream setFeaturesCol(String v) {
        set(featuresCol, v);
        return this;
    }

    public SpikingStream setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    public SpikingStream setRawPredictionCol(String v) {
        set(rawPredictionCol, v);
        return this;
    }

    public SpikingStream setProbabilityCol(String v) {
        set(probabilityCol, v);
        return this;
    }

    public SpikingStream setPredictionCol(String v) {
        set(predictionCol, v);
        return this;
    }

    public SpikingStream setStepCol(String v) {
        set(stepCol, v);
        return this;
    }

    public SpikingStream setLateCol(String v) {
        set(lateCol, v);
        return this;
    }

    public SpikingStream setResetGap(long v) {
        set(resetGap, v);
        return this;
    }

    public SpikingStream setStateTimeoutMs(long v) {
        set(stateTimeoutMs, v);
        return this;
    }

    public SpikingStream setWatermarkDelay(String v) {
        set(watermarkDelay, v);
        return this;
    }

    public SpikingStream setBackend(String v) {
        set(backend, v);
        return this;
    }

    public IntArrayParam hiddenLayers() {
        return hiddenLayers;
    }

    public int[] getHiddenLayers() {
        return ((int[]) getOrDefault(hiddenLayers)).clone();
    }

    public SpikingStream setHiddenLayers(int... layers) {
        set(hiddenLayers, layers.clone());
        return this;
    }

    /**
     * The output column of each of {@link #getHiddenLayers()}: {@code snn_layer<i>_<kind>}, the name
     * {@link SpikingNetworkModel#toLayerPipeline()} gives the same layer.
     *
     * @throws IllegalArgumentException naming a layer that is not in the model
     */
    public String[] hiddenColumns() {
        ModelSpec spec = ModelSpec.parse(requireModel().getModelSpec());
        int[] layers = getHiddenLayers();
        String[] cols = new String[layers.length];
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] < 1 || layers[i] > spec.layers().size()) {
                throw new IllegalArgumentException("SpikingStream: hiddenLayers: layer " + layers[i] + " does not "
                        + "exist: the model has layers 1 to " + spec.layers().size() + " (" + spec + ")");
            }
            cols[i] = "snn_layer" + layers[i] + "_"
                    + spec.layers().get(layers[i] - 1).kind().name().toLowerCase(java.util.Locale.ROOT);
        }
        return cols;
    }

    /** {@link #getHiddenLayers()} as 0-based layer indices. */
    private int[] recordedLayers() {
        return Arrays.stream(getHiddenLayers()).map(i -> i - 1).toArray();
    }

    /** Events dropped as late by the last query built with {@link #transform} (null before one). */
    public LongAccumulator lateEvents() {
        return late;
    }

    private SpikingNetworkModel requireModel() {
        if (model == null) {
            throw new IllegalStateException("SpikingStream " + uid + " has no model (setModel)");
        }
        return model;
    }

    /** The model's fingerprint, as every key state of this stage carries it. */
    public long fingerprint() {
        SpikingNetworkModel m = requireModel();
        return StreamingNetwork.fingerprint(ModelSpec.parse(m.getModelSpec()).toString(), m.getInputShape(),
                m.weights(), m.buffers());
    }

    // ---- schema ----

    private static boolean integral(DataType t) {
        return t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        SpikingNetworkModel m = requireModel();
        String stage = "SpikingStream";
        StructField key = SchemaChecks.requireColumn(stage, schema, "keyCol", getOrDefault(keyCol));
        if (!key.dataType().equals(DataTypes.StringType) && !integral(key.dataType())) {
            throw new IllegalArgumentException(stage + ": key column '" + key.name() + "' must be a string or an "
                    + "integer, got " + SchemaChecks.describe(key.dataType()));
        }
        StructField time = SchemaChecks.requireColumn(stage, schema, "timeCol", getOrDefault(timeCol));
        if (!time.dataType().equals(DataTypes.TimestampType) && !integral(time.dataType())) {
            throw new IllegalArgumentException(stage + ": time column '" + time.name() + "' must be a timestamp or an"
                    + " integer sequence number, got " + SchemaChecks.describe(time.dataType()));
        }
        if (!getOrDefault(watermarkDelay).isEmpty() && !time.dataType().equals(DataTypes.TimestampType)) {
            throw new IllegalArgumentException(stage + ": watermarkDelay needs a timestamp time column; '"
                    + time.name() + "' is " + SchemaChecks.describe(time.dataType()));
        }
        StructField feats = SchemaChecks.requireColumn(stage, schema, "featuresCol", getOrDefault(featuresCol));
        DataType ft = feats.dataType();
        if (!SchemaChecks.isVector(ft) && !(ft instanceof ArrayType a && a.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException(stage + ": features column '" + feats.name() + "' must be a vector or "
                    + "a numeric array, got " + SchemaChecks.describe(ft));
        }
        int size = SchemaChecks.isVector(ft) ? org.apache.spark.ml.attribute.AttributeGroup.fromStructField(feats).size()
                : -1;
        if (size >= 0 && size != m.numFeatures()) {
            throw new IllegalArgumentException(stage + ": column '" + feats.name() + "' holds vectors of " + size
                    + " values, but the model takes " + m.numFeatures() + " features per step");
        }
        StructType out = new StructType()
                .add(key.name(), DataTypes.StringType, false)
                .add(time.name(), time.dataType(), false)
                .add(getOrDefault(outputCol), DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add(getOrDefault(rawPredictionCol), SQLDataTypes.VectorType(), false)
                .add(getOrDefault(probabilityCol), SQLDataTypes.VectorType(), false)
                .add(getOrDefault(predictionCol), DataTypes.DoubleType, false)
                .add(getOrDefault(stepCol), DataTypes.LongType, false)
                .add(getOrDefault(lateCol), DataTypes.LongType, false);
        String[] hidden = hiddenColumns();
        try {
            StreamingNetwork.checkRecordable(ModelSpec.parse(m.getModelSpec()), m.getInputShape(), recordedLayers());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(stage + ": hiddenLayers: " + e.getMessage(), e);
        }
        for (String h : hidden) {
            out = out.add(h, DataTypes.createArrayType(DataTypes.FloatType, false), false);
        }
        if (Arrays.stream(out.fieldNames()).distinct().count() != out.length()) {
            throw new IllegalArgumentException(stage + ": the output columns must have distinct names, got "
                    + Arrays.toString(out.fieldNames()));
        }
        return out;
    }

    // ---- the query ----

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        SpikingNetworkModel m = requireModel();
        StructType out = transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        if (spark.conf().getOption(PROVIDER_CONF).isEmpty()) {
            spark.conf().set(PROVIDER_CONF, ROCKSDB_PROVIDER);
        }
        if (spark.conf().getOption(CHANGELOG_CONF).isEmpty()) {
            spark.conf().set(CHANGELOG_CONF, "true");
        }
        String spec = ModelSpec.parse(m.getModelSpec()).toString();
        float[] w = m.weights();
        float[] b = m.buffers();
        Broadcast<float[][]> bw = spark.sparkContext().broadcast(new float[][]{w, b},
                scala.reflect.ClassTag$.MODULE$.apply(float[][].class));
        late = spark.sparkContext().longAccumulator("snn.stream.lateEvents");
        long timeout = getStateTimeoutMs();
        String kName = getOrDefault(keyCol);
        String tName = getOrDefault(timeCol);
        boolean watermark = !getOrDefault(watermarkDelay).isEmpty();
        Dataset<Row> in = dataset.toDF();
        DataType tt = in.schema().apply(tName).dataType();
        boolean timestamps = tt.equals(DataTypes.TimestampType);
        NetworkSource source = new NetworkSource(spec, m.getInputShape(), bw,
                StreamingNetwork.fingerprint(spec, m.getInputShape(), w, b), getOrDefault(backend), recordedLayers());
        KeyStepFunction fn = new KeyStepFunction(source, getResetGap(), timeout, late, watermark, timestamps, kName,
                tName);
        Column timeLong = timestamps ? functions.unix_micros(col(tName)) : col(tName).cast(DataTypes.LongType);
        String fName = getOrDefault(featuresCol);
        DataType ft = in.schema().apply(fName).dataType();
        Column feats = SchemaChecks.isVector(ft) ? org.apache.spark.ml.functions.vector_to_array(col(fName), "float32")
                : StreamFeatures.floats(col(fName), ((ArrayType) ft).elementType(), col(kName).cast(DataTypes.StringType),
                timeLong, timestamps);
        // The map side: each event checked, and the network's stateless prefix run on chunks of events of any keys
        // (one GEMM each) before the shuffle, which then carries its output; grouped by a column, not a function of
        // the bean, so the key is read from the row as it is
        Dataset<StreamEvent> events = in.select(col(kName).cast(DataTypes.StringType).as("key"), timeLong.as("time"),
                        feats.as("features"), (watermark ? col(tName) : functions.lit(null).cast(DataTypes.TimestampType))
                                .as("eventTime"))
                .as(Encoders.bean(StreamEvent.class))
                .mapPartitions(new PrefixFunction(source, timestamps, kName, tName), Encoders.bean(StreamEvent.class));
        if (watermark) { // after the map side: the watermark reaches the state operator on the column it is set on
            events = events.withWatermark("eventTime", getOrDefault(watermarkDelay));
        }
        // the function emits the time as a long; the last projection gives it the column's type back
        StructField[] fields = out.fields().clone();
        fields[1] = new StructField(fields[1].name(), DataTypes.LongType, false, fields[1].metadata());
        Column[] cols = new Column[fields.length];
        for (int i = 0; i < cols.length; i++) {
            cols[i] = col(fields[i].name());
        }
        cols[1] = (timestamps ? functions.timestamp_micros(cols[1]) : cols[1].cast(tt)).as(fields[1].name());
        return events.groupBy(col("key")).as(Encoders.STRING(), Encoders.bean(StreamEvent.class))
                .flatMapGroupsWithState(fn, OutputMode.Append(), Encoders.BINARY(), Encoders.row(new StructType(fields)),
                        timeout > 0 ? GroupStateTimeout.ProcessingTimeTimeout() : GroupStateTimeout.NoTimeout())
                .select(cols);
    }

    /**
     * Binds {@code checkpointDir} to this stage's model: writes a marker with the model's fingerprint into it when
     * there is none, and fails when there is one of another model, before a query could read that checkpoint's
     * states.
     *
     * <p>For a checkpoint on the local file system it also has the session write checkpoint files through Hadoop's
     * {@code FileSystem} API, unless the session chose a manager ({@link #useFileSystemManagerIfLocal}).
     *
     * @throws IllegalArgumentException naming both fingerprints when the checkpoint belongs to another model
     */
    public void checkCheckpoint(SparkSession spark, String checkpointDir) {
        useFileSystemManagerIfLocal(spark, checkpointDir);
        String mine = String.format("fingerprint=%016x%nspec=%s%n", fingerprint(),
                ModelSpec.parse(requireModel().getModelSpec()));
        Path marker = new Path(checkpointDir, MODEL_MARKER);
        try {
            FileSystem fs = marker.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(marker)) {
                fs.mkdirs(marker.getParent());
                try (FSDataOutputStream o = fs.create(marker, false)) {
                    o.write(mine.getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            byte[] buf = new byte[MARKER_MAX_BYTES];
            int n = 0;
            try (FSDataInputStream i = fs.open(marker)) {
                for (int r; n < buf.length && (r = i.read(buf, n, buf.length - n)) > 0; ) {
                    n += r;
                }
            }
            String theirs = new String(buf, 0, n, StandardCharsets.UTF_8);
            String first = theirs.lines().findFirst().orElse("");
            if (!first.equals(mine.lines().findFirst().orElse(""))) {
                throw new IllegalArgumentException("checkpoint " + checkpointDir + " holds the states of another model ("
                        + first + "; this model has " + mine.lines().findFirst().orElse("") + "): resume it with the "
                        + "model that wrote it, or use a new checkpoint directory");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + marker, e);
        }
    }

    /**
     * For a checkpoint on the local file system, sets the session's checkpoint file manager to the one on Hadoop's
     * {@code FileSystem} API unless the session set one. Spark's default renames through {@code FileContext}, which on
     * a local disk without Hadoop's native library runs {@code readlink} as a child process twice per rename; a
     * micro-batch renames about ten files (offsets, commit, each state partition's changelog, the sink's log), and
     * those processes took more of a micro-batch of {@code bench stream} than the network. A local rename is atomic
     * either way. (Creating a local file runs {@code chmod} the same way; that is the file system's own choice, which
     * a session makes when it starts: {@link io.github.sparksnn.ml.util.NioLocalFileSystem}.)
     */
    public static void useFileSystemManagerIfLocal(SparkSession spark, String checkpointDir) {
        if (spark.conf().getOption(CHECKPOINT_MANAGER_CONF).isDefined()) {
            return;
        }
        try {
            Path p = new Path(checkpointDir);
            if ("file".equals(p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getScheme())) {
                spark.conf().set(CHECKPOINT_MANAGER_CONF, FILE_SYSTEM_MANAGER);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve the file system of " + checkpointDir, e);
        }
    }

    @Override
    public SpikingStream copy(ParamMap extra) {
        SpikingStream c = new SpikingStream(uid);
        c.model = model;
        return copyValues(c, extra);
    }

    // ---- persistence: the Params as metadata, the model under model/ ----

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<SpikingStream> read() {
        return new Reader();
    }

    public static SpikingStream load(String path) {
        return read().load(path);
    }

    MLWriter paramsWriter() {
        return DefaultParamsWritable.super.write();
    }

    private static final class Writer extends MLWriter {
        private final SpikingStream stage;

        Writer(SpikingStream stage) {
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            SpikingNetworkModel m = stage.requireModel();
            try {
                stage.paramsWriter().session(sparkSession()).save(path);
                m.write().session(sparkSession()).save(new Path(path, "model").toString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot save SpikingStream to " + path, e);
            }
        }
    }

    private static final class Reader extends MLReader<SpikingStream> {
        @Override
        public SpikingStream load(String path) {
            MLReader<SpikingStream> meta = DefaultReaders.of(SpikingStream.class);
            meta.session(sparkSession());
            SpikingStream s = meta.load(path);
            return s.setModel(SpikingNetworkModel.load(new Path(path, "model").toString()));
        }
    }
}
