package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.Surrogates;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A column of pathological formulas (too long, nested 4,999 deep, a derivative too large) fails each query that
 * reads one with one line naming the problem, on the executor (local[2]: task threads of this JVM, where a stack
 * overflow would have been fatal); the JVM and the session survive and the next query succeeds. A formula whose
 * generated method exceeds the JVM's 64 KB cannot get past the derivative limit, so that error is tested on the
 * compiler itself ({@code FormulaLimitsTest}). {@code FormulaLimitsLocalClusterTest} repeats the column on
 * executors in JVMs of their own.
 */
class FormulaLimitsSparkTest {
    static SparkSession spark;

    static final String LONG = "Formula(primitive='x" + " + 1".repeat(2_500) + "')";
    static final String DEEP = "Formula(primitive='" + "(".repeat(4_999) + "x" + ")".repeat(4_999) + "')";
    static final String HUGE_DERIVATIVE = "Formula(primitive='" + String.join("*", Collections.nCopies(199, "x")) + "')";

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
        SnnFunctions.register(spark);
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create(0, "ATan(alpha=2.0)", 0.5));
        rows.add(RowFactory.create(1, LONG, 0.5));
        rows.add(RowFactory.create(2, DEEP, 0.5));
        rows.add(RowFactory.create(3, HUGE_DERIVATIVE, 0.5));
        spark.createDataFrame(rows, new StructType().add("id", DataTypes.IntegerType).add("spec", DataTypes.StringType)
                .add("x", DataTypes.DoubleType)).createOrReplaceTempView("specs");
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    /** The message of the IllegalArgumentException among the causes of a failed query. */
    static String problem(int id) {
        Exception e = assertThrows(Exception.class,
                () -> spark.sql("SELECT snn_surrogate_grad(spec, x) FROM specs WHERE id = " + id).collectAsList());
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof IllegalArgumentException && c.getMessage().startsWith("snn_surrogate_grad:")) {
                assertFalse(c.getMessage().contains("\n"), "one line: " + c.getMessage());
                assertTrue(c.getMessage().length() < 600, "short: " + c.getMessage());
                return c.getMessage();
            }
            assertFalse(c instanceof StackOverflowError, PoissonEncoderTest.causes(e));
        }
        throw new AssertionError("no IllegalArgumentException from snn_surrogate_grad: " + PoissonEncoderTest.causes(e));
    }

    void nextQuerySucceeds() {
        Row r = spark.sql("SELECT snn_surrogate_grad(spec, x) FROM specs WHERE id = 0").first();
        assertEquals(Surrogates.parse("ATan(alpha=2.0)").gradient(0.5), r.getDouble(0), 0.0);
        assertFalse(spark.sparkContext().isStopped());
    }

    @Test
    void aFormulaTooLongFailsItsQueryAndTheSessionGoesOn() {
        String m = problem(1);
        assertTrue(m.contains("Formula: the primitive is too long: 10001 characters; the limit is 10000"), m);
        assertTrue(m.contains("(10022 characters)"), "the spec is quoted by its start and length: " + m);
        nextQuerySucceeds();
    }

    @Test
    void aFormulaNestedFarTooDeeplyFailsItsQueryWithoutAStackOverflow() {
        String m = problem(2);
        assertTrue(m.contains("the primitive is nested too deeply: more than 200 levels"), m);
        nextQuerySucceeds();
    }

    @Test
    void aDerivativeTooLargeFailsItsQueryAndTheSessionGoesOn() {
        String m = problem(3);
        assertTrue(m.contains("the derivative of the primitive is too large"), m);
        nextQuerySucceeds();
        // the whole column in one query: the first bad row fails it; the good row alone still works after
        assertNotNull(problemOfAll());
        nextQuerySucceeds();
    }

    static String problemOfAll() {
        Exception e = assertThrows(Exception.class,
                () -> spark.sql("SELECT snn_surrogate_grad(spec, x) FROM specs").collectAsList());
        return PoissonEncoderTest.causes(e);
    }
}
