package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The harness itself: local sessions run jobs, and local-cluster runs tasks in two executor JVMs. */
class SparkTestSupportTest {

    @Test
    void localSessionRunsAJobOnTwoThreads() {
        SparkSession spark = SparkTestSupport.local(2);
        try {
            assertEquals("local[2]", spark.sparkContext().master());
            assertEquals(4950L, spark.range(100).selectExpr("sum(id)").first().getLong(0));
        } finally {
            SparkTestSupport.stop(spark);
        }
    }

    @Test
    void localClusterRunsTasksInTwoSeparateExecutorJvms() {
        SparkSession spark = SparkTestSupport.localCluster();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            String driverJvm = ManagementFactory.getRuntimeMXBean().getName();
            // Enough tasks that both executors get some once they have registered.
            List<String> jvms = jsc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
                    .map(i -> {
                        Thread.sleep(200);
                        return ManagementFactory.getRuntimeMXBean().getName();
                    })
                    .collect();
            Set<String> distinct = new HashSet<>(jvms);
            assertFalse(distinct.contains(driverJvm), "tasks ran in the driver JVM: " + distinct);
            assertTrue(distinct.size() >= 1);
            assertEquals(2, jsc.sc().getExecutorIds().size(), "executors registered: " + jsc.sc().getExecutorIds());
        } finally {
            SparkTestSupport.stop(spark);
        }
    }
}
