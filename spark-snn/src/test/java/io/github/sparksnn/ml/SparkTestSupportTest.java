package io.github.sparksnn.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The harness itself: a local session runs a job (local-cluster is proven by {@link LocalClusterSmokeTest}). */
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
}
