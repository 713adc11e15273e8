package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.surrogate.Surrogates;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@link FormulaLimitsSparkTest} on {@code local-cluster[2,1,1024]}, where an executor is a JVM of its own and a
 * StackOverflowError in a task would have killed it: pathological formulas fail their query with the problem
 * named, no executor is lost (the same executor ids before and after), and the next query succeeds. One session,
 * one test, to pay the executors' start-up once.
 */
class FormulaLimitsLocalClusterTest {

    @Test
    void pathologicalFormulasFailTheirQueryAndNoExecutorIsLost() throws Exception {
        SparkSession spark = SparkTestSupport.localCluster();
        try {
            SnnFunctions.register(spark);
            spark.createDataFrame(List.of(RowFactory.create(0, "ATan(alpha=2.0)"),
                            RowFactory.create(1, FormulaLimitsSparkTest.DEEP),
                            RowFactory.create(2, FormulaLimitsSparkTest.LONG),
                            RowFactory.create(3, FormulaLimitsSparkTest.HUGE_DERIVATIVE)),
                    new StructType().add("id", DataTypes.IntegerType).add("spec", DataTypes.StringType))
                    .repartition(2).createOrReplaceTempView("specs");
            double expected = Surrogates.parse("ATan(alpha=2.0)").gradient(0.5);
            Row ok = spark.sql("SELECT snn_surrogate_grad(spec, 0.5D) FROM specs WHERE id = 0").first();
            assertEquals(expected, ok.getDouble(0), 0.0);
            Set<String> executors = new HashSet<>(List.of(spark.sparkContext().getExecutorIds().mkString(",").split(",")));
            assertEquals(2, executors.size(), executors.toString());

            String[] problems = {"nested too deeply", "is too long: 10001 characters", "derivative of the primitive is too large"};
            for (int id = 1; id <= 3; id++) {
                int at = id;
                Exception e = assertThrows(Exception.class,
                        () -> spark.sql("SELECT snn_surrogate_grad(spec, 0.5D) FROM specs WHERE id = " + at).collectAsList());
                String causes = PoissonEncoderTest.causes(e);
                assertTrue(causes.contains(problems[id - 1]), causes);
                assertTrue(!causes.contains("StackOverflowError") && !causes.contains("ExecutorLostFailure"), causes);
                ok = spark.sql("SELECT snn_surrogate_grad(spec, 0.5D) FROM specs WHERE id = 0").first();
                assertEquals(expected, ok.getDouble(0), 0.0);
            }
            Set<String> after = new HashSet<>(List.of(spark.sparkContext().getExecutorIds().mkString(",").split(",")));
            assertEquals(executors, after, "no executor was lost and replaced");
        } finally {
            SparkTestSupport.stop(spark);
        }
    }
}
