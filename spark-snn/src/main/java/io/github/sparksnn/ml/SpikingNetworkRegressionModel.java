package io.github.sparksnn.ml;

import io.github.sparksnn.ml.util.DefaultReaders;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.List;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * A trained {@link SpikingNetworkRegressor}: the network (a {@link SpikingNetworkModel} whose single output is the
 * mean readout membrane) and the label range it was trained on; a prediction is {@code min + u (max - min)}.
 * Inference is the inner model's, batched per partition. It saves as its Params, the inner model under
 * {@code network/} and the range under {@code range/} (a Parquet row), and {@link #summary()} is the inner model's
 * per-epoch history, its loss in squared scaled units ({@link #rmseHistory()} gives it in the label's units).
 */
public class SpikingNetworkRegressionModel extends RegressionModel<Vector, SpikingNetworkRegressionModel>
        implements MLWritable, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final String RAW = "__snn_regression_raw";

    private final String uid;
    private SpikingNetworkModel network;
    private double min;
    private double max;

    public SpikingNetworkRegressionModel(String uid) {
        this(UidHolder.park(uid));
    }

    private SpikingNetworkRegressionModel(UidHolder.Token token) {
        super();
        this.uid = UidHolder.take();
    }

    SpikingNetworkRegressionModel(String uid, SpikingNetworkModel network, double min, double max) {
        this(uid);
        this.network = network;
        this.min = min;
        this.max = max;
    }

    @Override
    public String uid() {
        return uid != null ? uid : UidHolder.pending(); // see UidHolder
    }

    /** The trained network (its raw prediction is the mean membrane in scaled units). */
    public SpikingNetworkModel network() {
        return network;
    }

    /** The smallest training label (a prediction of 0 scaled units). */
    public double labelMin() {
        return min;
    }

    /** The largest training label (1 scaled unit). */
    public double labelMax() {
        return max;
    }

    @Override
    public int numFeatures() {
        return network.numFeatures();
    }

    public boolean hasSummary() {
        return network.hasSummary();
    }

    /** The training summary (per-epoch loss, time, throughput), as the classifier's; accuracy stays 0. */
    public TrainingSummary summary() {
        return network.summary();
    }

    /** Per epoch, the training RMSE in the label's units: {@code sqrt(loss) (max - min)}. */
    public double[] rmseHistory() {
        double[] loss = summary().lossHistory();
        double[] out = new double[loss.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.sqrt(loss[i]) * (max - min);
        }
        return out;
    }

    @Override
    public double predict(Vector features) {
        return min + network.predictRaw(features).apply(0) * (max - min);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        if (getPredictionCol().isEmpty()) {
            return dataset.toDF();
        }
        SpikingNetworkModel inner = network.copy(ParamMap.empty());
        inner.setFeaturesCol(getFeaturesCol());
        inner.set(inner.rawPredictionCol(), RAW);
        inner.set(inner.probabilityCol(), "");
        inner.set(inner.predictionCol(), "");
        return inner.transform(dataset)
                .withColumn(getPredictionCol(), vector_to_array(col(RAW), "float64").getItem(0)
                        .multiply(lit(max - min)).plus(lit(min)))
                .drop(RAW);
    }

    @Override
    public SpikingNetworkRegressionModel copy(ParamMap extra) {
        SpikingNetworkRegressionModel c = new SpikingNetworkRegressionModel(uid, network, min, max);
        return copyValues(c, extra).setParent(parent());
    }

    // ---- persistence ----

    /** Spark's metadata writer for the Params part. */
    MLWriter paramsWriter() {
        return DefaultParamsWritable.super.write();
    }

    @Override
    public MLWriter write() {
        SpikingNetworkRegressionModel self = this;
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                try {
                    self.paramsWriter().session(sparkSession()).save(path);
                    self.network.write().session(sparkSession()).save(path + "/network");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot save the model to " + path, e);
                }
                StructType schema = new StructType().add("min", DataTypes.DoubleType, false)
                        .add("max", DataTypes.DoubleType, false);
                sparkSession().createDataFrame(List.of(RowFactory.create(self.min, self.max)), schema)
                        .repartition(1).write().parquet(path + "/range");
            }
        };
    }

    public static MLReader<SpikingNetworkRegressionModel> read() {
        return new MLReader<>() {
            @Override
            public SpikingNetworkRegressionModel load(String path) {
                MLReader<SpikingNetworkRegressionModel> meta = DefaultReaders.of(SpikingNetworkRegressionModel.class);
                meta.session(sparkSession());
                SpikingNetworkRegressionModel m = meta.load(path);
                m.network = (SpikingNetworkModel) SpikingNetworkModel.read().session(sparkSession())
                        .load(path + "/network");
                Row r = sparkSession().read().parquet(path + "/range").head();
                m.min = r.getDouble(0);
                m.max = r.getDouble(1);
                if (!(Double.isFinite(m.min) && Double.isFinite(m.max) && m.max > m.min)) {
                    throw new IllegalArgumentException("model at " + path + " has an invalid label range [" + m.min
                            + ", " + m.max + "]");
                }
                return m;
            }
        };
    }

    public static SpikingNetworkRegressionModel load(String path) {
        return read().load(path);
    }
}
