package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.ml.train.Blobs;
import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A network trained through Spark (local[2], the real engine) with surrogates written as one line of text: it
 * learns, saves and loads (the spec text carries the formulas), and the loaded model predicts the same; the SQL
 * functions take a Formula as their first argument.
 */
class FormulaSparkTest {
    static final String ATAN = "Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)";
    static final String SPEC = "linear(6, 24) | lif(tau=2.0, surrogate=" + ATAN + ") | linear(24, 3)"
            + " | lif(tau=2.0, surrogate=Formula(gradient='alpha/(1 + abs(alpha*x))^2', alpha=1.5))";
    static SparkSession spark;
    static Dataset<Row> train;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
        train = new Blobs(300, 6, 3, 21, 0.08).frame(spark, 2).cache();
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @Test
    void fitSaveLoadPredictTheSame() throws Exception {
        SpikingNetworkModel model = new SpikingNetworkClassifier().setModelSpec(SPEC).setInputShape(new int[] {6})
                .setTimeSteps(4).setOptimizer("adam").setLearningRate(0.02).setBatchSize(30).setEpochs(6).setSeed(9)
                .fit(train);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(train));
        assertTrue(accuracy > 0.8, "learns with Formula surrogates: accuracy " + accuracy);
        assertTrue(model.getModelSpec().contains(ATAN), // the text is what the model keeps and saves
                model.getModelSpec());

        Path dir = SparkTestSupport.tempDir("formula-model");
        model.write().overwrite().save(dir.toString());
        SpikingNetworkModel loaded = SpikingNetworkModel.load(dir.toString());
        assertEquals(model.getModelSpec(), loaded.getModelSpec());
        assertArrayEquals(model.weights(), loaded.weights(), 0f);
        List<Row> a = model.transform(train).select("rawPrediction", "prediction").collectAsList();
        List<Row> b = loaded.transform(train).select("rawPrediction", "prediction").collectAsList();
        assertEquals(a, b);
    }

    @Test
    void sqlFunctionsTakeAFormula() {
        SnnFunctions.register(spark);
        SurrogateFunction g = Surrogates.parse(ATAN);
        List<Row> rows = spark.sql("SELECT x, snn_primitive(\"" + ATAN + "\", x), snn_surrogate_grad(\"" + ATAN + "\", x)"
                + " FROM VALUES (-1.5D), (0.0D), (0.25D) AS t(x)").collectAsList();
        assertEquals(3, rows.size());
        for (Row r : rows) {
            double x = r.getDouble(0);
            assertEquals(g.primitive(x), r.getDouble(1), 0.0);
            assertEquals(g.gradient(x), r.getDouble(2), 0.0);
            assertEquals(Surrogates.parse("ATan").gradient(x), r.getDouble(2), 1e-15);
        }
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> spark.sql("SELECT snn_surrogate_grad(\"Formula(primitive='atan(x', alpha=1)\", 1.0D)").collect());
        assertTrue(PoissonEncoderTest.causes(e).contains("syntax error in the primitive"), PoissonEncoderTest.causes(e));
    }
}
