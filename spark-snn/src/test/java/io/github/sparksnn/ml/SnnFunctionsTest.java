package io.github.sparksnn.ml;

import static io.github.sparksnn.ml.PoissonEncoderTest.causes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SnnFunctionsTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
        SnnFunctions.register(spark);
        List<Row> rows = new ArrayList<>();
        double[] xs = {-2.0, -0.3, 0.0, 0.1, 1.5};
        for (int i = 0; i < xs.length; i++) {
            rows.add(RowFactory.create((long) i, xs[i], List.of(xs[i], 2 * xs[i])));
        }
        rows.add(RowFactory.create(99L, null, null));
        spark.createDataFrame(rows, new StructType().add("id", DataTypes.LongType).add("x", DataTypes.DoubleType)
                .add("xs", DataTypes.createArrayType(DataTypes.DoubleType, true))).createOrReplaceTempView("t");
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @Test
    void firingRateIsTheMeanOverRowsNeuronsAndSteps() {
        List<Row> rows = List.of(
                RowFactory.create(org.apache.spark.ml.linalg.Vectors.dense(1, 0, 0, 1)),     // 2 of 4
                RowFactory.create(org.apache.spark.ml.linalg.Vectors.dense(1, 1, 1, 1)));    // 4 of 4
        Row r = spark.createDataFrame(rows, new StructType().add("snn_layer2_lif",
                        org.apache.spark.ml.linalg.SQLDataTypes.VectorType()))
                .select(SnnFunctions.firingRate("snn_layer2_lif")).first();
        assertEquals("snn_layer2_lif", r.schema().fieldNames()[0]);
        assertEquals(0.75, r.getDouble(0), 0.0);
    }

    @Test
    void sqlValuesEqualTheJavaFunctions() {
        for (String spec : List.of("ATan(alpha=2.0)", "Sigmoid", "SuperSpike(alpha=2)")) {
            SurrogateFunction g = Surrogates.parse(spec);
            List<Row> rows = spark.sql("SELECT x, snn_spike(x), snn_primitive('" + spec + "', x), "
                    + "snn_surrogate_grad('" + spec + "', x), snn_surrogate_grad_array('" + spec + "', xs), "
                    + "snn_spike_array(xs), snn_primitive_array('" + spec + "', xs) FROM t WHERE x IS NOT NULL")
                    .collectAsList();
            assertEquals(5, rows.size());
            for (Row r : rows) {
                double x = r.getDouble(0);
                assertEquals(x >= 0 ? 1.0 : 0.0, r.getDouble(1));
                assertEquals(g.primitive(x), r.getDouble(2), 0.0, spec + " x=" + x);
                assertEquals(g.gradient(x), r.getDouble(3), 0.0, spec + " x=" + x);
                assertEquals(List.of(g.gradient(x), g.gradient(2 * x)), r.getList(4));
                assertEquals(List.of(x >= 0 ? 1.0 : 0.0, 2 * x >= 0 ? 1.0 : 0.0), r.getList(5));
                assertEquals(List.of(g.primitive(x), g.primitive(2 * x)), r.getList(6));
            }
        }
        // integers are accepted as numbers; transform() with the scalar function works on arrays too
        Row r = spark.sql("SELECT snn_surrogate_grad('ATan', 1), transform(array(-1.0, 1.0), v -> snn_spike(v))")
                .first();
        assertEquals(Surrogates.parse("ATan").gradient(1.0), r.getDouble(0), 0.0);
        assertEquals(List.of(0.0, 1.0), r.getList(1));
        assertTrue(SnnFunctions.cachedSpecs() >= 3);
    }

    @Test
    void sqlGradientsMatchTheReferenceCsv() throws Exception {
        // Independent float64 values of every function at its default parameters.
        List<String[]> csv = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/reference/surrogate-default-params.csv"), StandardCharsets.UTF_8))) {
            String header = in.readLine();
            assertTrue(header.startsWith("function,"), header);
            for (String line; (line = in.readLine()) != null; ) {
                String[] f = line.split(",", -1);
                if (f[0].equals("ATan") || f[0].equals("Sigmoid")) {
                    csv.add(f);
                }
            }
        }
        assertTrue(csv.size() > 10, "reference rows: " + csv.size());
        // One query over all rows; the spec is a column, so each task parses each distinct spec through the cache.
        List<Row> rows = new ArrayList<>();
        for (String[] f : csv) {
            rows.add(RowFactory.create(f[0], Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[5])));
        }
        spark.createDataFrame(rows, new StructType().add("fn", DataTypes.StringType).add("x", DataTypes.DoubleType)
                .add("spike", DataTypes.DoubleType).add("grad", DataTypes.DoubleType)).createOrReplaceTempView("ref");
        List<Row> out = spark.sql("SELECT fn, x, spike, grad, snn_spike(x), snn_surrogate_grad(fn, x) FROM ref")
                .collectAsList();
        assertEquals(csv.size(), out.size());
        for (Row r : out) {
            String at = r.getString(0) + " x=" + r.getDouble(1);
            double expected = r.getDouble(3);
            assertEquals(expected, r.getDouble(5), 1e-12 * Math.max(1, Math.abs(expected)), at);
            assertEquals(r.getDouble(2), r.getDouble(4), 0.0, at);
        }
    }

    @Test
    void nullsGiveNullAndBadInputFailsWithTheProblemNamed() {
        Row r = spark.sql("SELECT snn_spike(x), snn_surrogate_grad('ATan', x), snn_spike_array(xs) FROM t WHERE id = 99")
                .first();
        assertNull(r.get(0));
        assertNull(r.get(1));
        assertNull(r.get(2));
        Exception spec = assertThrows(Exception.class,
                () -> spark.sql("SELECT snn_surrogate_grad('ATan(gamma=1)', x) FROM t").collectAsList());
        assertTrue(causes(spec).contains("invalid surrogate spec 'ATan(gamma=1)'"), causes(spec));
        Exception nan = assertThrows(Exception.class,
                () -> spark.sql("SELECT snn_primitive('ATan', CAST('NaN' AS DOUBLE))").collectAsList());
        assertTrue(causes(nan).contains("snn_primitive argument holds NaN"), causes(nan));
        Exception str = assertThrows(Exception.class, () -> spark.sql("SELECT snn_spike('abc')").collectAsList());
        assertTrue(causes(str).contains("x must be numeric"), causes(str));
    }
}
